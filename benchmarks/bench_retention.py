"""P8 at scale: the retention job with nothing due, and destroying due customers.

Usage: python bench_retention.py ODOO_CONF [--partners 1000000] [--due 10000]
       [--sample 100]

Rows are generated in bulk SQL inside one transaction that is rolled back at
the end. It prints, side by side in one run:

1. ``_cron_retention`` with nothing due over ``--partners`` partners (40 %
   customer companies, 5 % of them archived with dates to come, some held):
   milliseconds (target: under 50 ms at 1,000,000 partners), queries, and the
   EXPLAIN ANALYZE of the finder (index-backed: the partial index
   ``res_partner_retention_due_index``).
2. Destroying ``--due`` customers whose date has passed (2 contacts, 3
   messages, a lead and a ticket each) through the job, batch after batch:
   total and per-customer time (target: 10,000 in under 5 minutes), queries
   per batch and the process's peak memory after each batch (flat: the
   batches are set-based), beside a per-customer ORM baseline (``write`` on
   each record, as a naive anonymiser would) on ``--sample`` customers.
"""

import argparse
import resource
import time

from bench_scale import explain, rolled_back
from timing import timed

import odoo
from odoo import fields
from odoo.tools import SQL

CUSTOMER_SHARE = 0.4
ARCHIVED_SHARE = 0.05
HELD_SHARE = 0.01


def populate(env, partners):
    """Customers (some archived, their dates to come; some held), contacts."""
    cr = env.cr
    customers = round(partners * CUSTOMER_SHARE)
    common = SQL("%(uid)s, %(uid)s, now(), now()", uid=env.uid)
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (
                name, complete_name, is_company, active, type, lang,
                create_uid, write_uid, create_date, write_date,
                profile_state, grade_company_id, archive_date, retention_date,
                legal_hold, legal_hold_reason, archive_number, email)
            SELECT 'Retention bench ' || n, 'Retention bench ' || n, TRUE,
                   NOT archived, 'contact', 'en_US', %(common)s,
                   CASE WHEN archived THEN 'archived' ELSE 'active' END,
                   %(company)s,
                   CASE WHEN archived THEN day END,
                   CASE WHEN archived THEN
                        CASE WHEN held THEN day + 1095 - 2000 ELSE day + 1095 END
                   END,
                   held, CASE WHEN held THEN 'Claim' END,
                   'RB-' || n, 'bench' || n || '@example.com'
              FROM (SELECT n, random() < %(archived)s AS archived,
                           random() < %(held)s AS held,
                           current_date - 1000 + (random() * 900)::int AS day
                      FROM generate_series(1, %(customers)s) AS n) AS raw
            """,
            common=common,
            company=env.company.id,
            archived=ARCHIVED_SHARE,
            held=HELD_SHARE / ARCHIVED_SHARE,
            customers=customers,
        )
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL"
    )
    cr.execute(
        "SELECT min(id), max(id) FROM res_partner WHERE name LIKE 'Retention bench %'"
    )
    low, high = cr.fetchone()
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (
                name, complete_name, is_company, active, type, lang,
                create_uid, write_uid, create_date, write_date,
                parent_id, commercial_partner_id, email)
            SELECT 'Bench person ' || n, 'Bench person ' || n, FALSE, TRUE,
                   'contact', 'en_US', %(common)s, parent, parent,
                   'person' || n || '@example.com'
              FROM (SELECT n, %(low)s + mod(n::bigint * 7919, %(span)s) AS parent
                      FROM generate_series(1, %(contacts)s) AS n) AS c
            """,
            common=common,
            low=low,
            span=high - low + 1,
            contacts=partners - customers,
        )
    )
    cr.execute("ANALYZE res_partner")


def populate_due(env, count, label):
    """``count`` archived customers due yesterday, each with 2 contacts, 3
    messages, a lead and a ticket. Returns their ids."""
    cr = env.cr
    common = SQL("%(uid)s, %(uid)s, now(), now()", uid=env.uid)
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (
                name, complete_name, is_company, active, type, lang,
                create_uid, write_uid, create_date, write_date,
                profile_state, grade_company_id, archive_date, retention_date,
                archive_number, email, phone, street, main_business)
            SELECT %(label)s || n, %(label)s || n, TRUE, FALSE, 'contact',
                   'en_US', %(common)s, 'archived', %(company)s,
                   current_date - 1096, current_date - 1,
                   'DUE-' || %(label)s || n, 'due' || n || '@example.com',
                   '+86 21 5555 ' || n, n || ' Bench Road', 'Machine tools'
              FROM generate_series(1, %(count)s) AS n
         RETURNING id
            """,
            label=label,
            common=common,
            company=env.company.id,
            count=count,
        )
    )
    ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [ids]
    )
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (
                name, complete_name, is_company, active, type, lang,
                create_uid, write_uid, create_date, write_date,
                parent_id, commercial_partner_id, email, phone)
            SELECT 'Due person ' || customer || '-' || k, 'Due person', FALSE,
                   FALSE, 'contact', 'en_US', %(common)s, customer, customer,
                   'p' || customer || '-' || k || '@example.com', '+86 138 ' || customer
              FROM unnest(%(ids)s::int[]) AS customer, generate_series(1, 2) AS k
            """,
            common=common,
            ids=ids,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO crm_lead (name, type, active, partner_id, company_id,
                                  email_from, phone, description,
                                  create_uid, write_uid, create_date, write_date)
            SELECT 'Due lead ' || customer, 'opportunity', FALSE, customer,
                   %(company)s, 'due' || customer || '@example.com', '+86 21',
                   'Wants a second line', %(common)s
              FROM unnest(%(ids)s::int[]) AS customer
            """,
            company=env.company.id,
            common=common,
            ids=ids,
        )
    )
    sla = env["crm.complaint.sla"].search([], limit=1)
    cr.execute(
        SQL(
            """
            INSERT INTO crm_complaint_ticket (
                name, subject, company_id, partner_id, state, scope, ticket_type,
                priority, sla_id, sla_start_date, description,
                create_uid, write_uid, create_date, write_date)
            SELECT 'DT' || customer, 'Late parts ' || customer, %(company)s,
                   customer, 'closed', 'sales_service', 'complaint', '1', %(sla)s,
                   now() - interval '2000 days', 'The customer complains',
                   %(common)s
              FROM unnest(%(ids)s::int[]) AS customer
            """,
            company=env.company.id,
            sla=sla.id or None,
            common=common,
            ids=ids,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO mail_message (model, res_id, message_type, body, subject,
                                      author_id, email_from, date, record_name,
                                      create_uid, write_uid, create_date, write_date)
            SELECT 'res.partner', customer, 'comment',
                   '<p>Met ' || customer || ' about the budget</p>', 'Meeting',
                   CASE WHEN k = 2 THEN (SELECT id FROM res_partner person
                                          WHERE person.parent_id = customer LIMIT 1)
                   END, 'due' || customer || '@example.com', now(), 'Due',
                   %(common)s
              FROM unnest(%(ids)s::int[]) AS customer, generate_series(1, 2) AS k
            UNION ALL
            SELECT 'crm.lead', lead.id, 'email', '<p>Please quote</p>', 'Quote',
                   NULL, 'due' || lead.partner_id || '@example.com', now(), lead.name,
                   %(common)s
              FROM crm_lead lead WHERE lead.partner_id = ANY(%(ids)s)
            """,
            common=common,
            ids=ids,
        )
    )
    cr.execute("ANALYZE res_partner, crm_lead, crm_complaint_ticket, mail_message")
    env.invalidate_all()
    return ids


def orm_anonymise(env, customer):
    """The naive way: ``write`` on every record, as a person would."""
    people = customer.with_context(active_test=False)
    people |= (
        env["res.partner"]
        .with_context(active_test=False)
        .search([("parent_id", "=", customer.id)])
    )
    people.write({"email": False, "phone": False, "street": False})
    for person in people:
        person.name = f"Anonymised #{person.id}"
    leads = (
        env["crm.lead"]
        .with_context(active_test=False)
        .search([("partner_id", "in", people.ids)])
    )
    leads.write({"email_from": False, "phone": False, "description": False})
    tickets = env["crm.complaint.ticket"].search([("partner_id", "in", people.ids)])
    tickets.write({"description": False, "subject": "Anonymised"})
    messages = env["mail.message"].search(
        [
            "|",
            "&",
            ("model", "=", "res.partner"),
            ("res_id", "in", people.ids),
            "&",
            ("model", "=", "crm.lead"),
            ("res_id", "in", leads.ids),
        ]
    )
    messages.write({"body": "", "subject": False, "email_from": False})
    env["crm.destruction.log"].create(
        {
            "partner_id": customer.id,
            "destruction_date": fields.Datetime.now(),
            "reason": "retention_expired",
        }
    )
    env.flush_all()


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=100)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.conf])
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    started = time.perf_counter()
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"}
        )
        Partner = env["res.partner"]
        today = fields.Date.context_today(Partner)
        t0 = time.perf_counter()
        populate(env, args.partners)
        populated = time.perf_counter() - t0
        cr.execute("SELECT count(*) FROM res_partner")
        total_partners = cr.fetchone()[0]
        due_before = Partner._count_due_destructions(today)

        # 1. nothing due
        Partner._cron_retention()  # any queue activity of the data is made
        env.flush_all()
        start_count = cr.sql_log_count
        idle_ms = timed(lambda: (env.invalidate_all(), Partner._cron_retention()), 5)
        idle_queries = (cr.sql_log_count - start_count) / 5
        _plan, scans = explain(
            env, lambda: Partner._claim_due_destructions(today, 1000), "FOR UPDATE"
        )

        # 2. destroying due customers: the ORM baseline on a sample, rolled back
        with rolled_back(cr):
            sample = Partner.browse(populate_due(env, args.sample, "Sample "))
            env.flush_all()
            t0 = time.perf_counter()
            for customer in sample:
                orm_anonymise(env, customer)
            orm_ms = (time.perf_counter() - t0) * 1000
        env.invalidate_all()
        due_ids = populate_due(env, args.due, "Due ")
        batches = []
        t0 = time.perf_counter()
        while True:
            start_count = cr.sql_log_count
            b0 = time.perf_counter()
            done = Partner._cron_retention()
            env.flush_all()
            env.invalidate_all()
            if not done:
                break
            batches.append(
                (
                    len(done),
                    (time.perf_counter() - b0) * 1000,
                    cr.sql_log_count - start_count,
                    peak_mb(),
                )
            )
        set_ms = (time.perf_counter() - t0) * 1000
        cr.execute(
            "SELECT count(*) FROM crm_destruction_log WHERE partner_id = ANY(%s)",
            [due_ids],
        )
        logged = cr.fetchone()[0]
        cr.rollback()

    print(
        f"{total_partners:,} partners ({due_before} due before the due set),"
        f" generated in {populated:.0f} s"
    )
    print("\n1. _cron_retention with nothing due")
    print(f"   {idle_ms:.1f} ms (best of 5), {idle_queries:.0f} queries a run")
    verdict = (
        "index-backed"
        if not any(s[0] == "Seq Scan" and s[1] == "res_partner" for s in scans)
        else "SEQUENTIAL SCAN"
    )
    print(f"   finder: {verdict}")
    for scan, table, index, rows in scans:
        print(
            f"     {scan} on {table}"
            + (f" using {index}" if index else "")
            + f" (rows {rows})"
        )
    print(
        f"\n2. Destroying {args.due:,} due customers"
        " (2 contacts, 3 messages, a lead, a ticket each)"
    )
    print(f"   {'batch':>5} {'customers':>9} {'ms':>9} {'queries':>7} {'peak MB':>8}")
    for i, (count, ms, queries, peak) in enumerate(batches, 1):
        print(f"   {i:5} {count:9} {ms:9.0f} {queries:7} {peak:8.0f}")
    per_set = set_ms / max(logged, 1)
    per_orm = orm_ms / args.sample
    print(
        f"   set-based job: {logged:,} customers logged in {set_ms / 1000:.1f} s"
        f" ({per_set:.2f} ms a customer)"
    )
    print(
        f"   ORM baseline: {args.sample} customers in {orm_ms / 1000:.1f} s"
        f" ({per_orm:.2f} ms a customer)"
        f" -> set-based {per_orm / per_set:.1f}x faster per customer"
    )
    print(f"\ntotal {time.perf_counter() - started:.0f} s; everything rolled back")


if __name__ == "__main__":
    main()
