"""The SPEC's scale targets, each hot path against its baseline in one run.

Usage: python bench_scale.py ODOO_CONF [--scale 0.05] [--growth 4]

Scale 1.0 is the SPEC's target: 1,000,000 partners (40 % customer companies,
60 % their contacts), 200,000 leads and 100,000 open tickets (plus as many
closed ones), owned by reps in sales teams of 8 with a team manager each.
Rows are generated in bulk SQL inside one transaction that is rolled back at
the end: nothing stays in the database.

Every figure is a ratio of two measurements taken side by side in this run:

1. Record rules: a rep's and a team manager's ``search_count`` and
   ``search_read`` of partners, leads and tickets against the sales admin's,
   to whom no group rule applies (the cost of our rules).
2. Scheduled jobs: one batch of 500 of each job (SLA check, re-graded
   customers' plans, follow-up scheduling, stale leads, greetings) at the
   generated size and again after growing the
   data ``--growth`` times, in milliseconds and in queries, with the ratio
   big/small (about 1 when the finder queries are index-backed), and the
   EXPLAIN ANALYZE of each finder query: index scan or sequential scan.
3. Follow-up scheduling: the job's batches against the ORM scheduling one
   customer at a time, per customer, and the time it takes for all due.
4. The SLA job's whole run (the status refresh of every open ticket, then
   escalation batches until none is due) against the same work one ticket at
   a time with the ORM's ``mail.activity.create``, per open ticket.
5. Re-grading after a threshold change: the re-grade job, every batch of it
   (customers, then leads), against the ORM recomputing a sample one by one,
   per customer, and per partner (the SPEC's target: 1,000,000 in < 30 s).
"""

import argparse
import json
import re
import time
from contextlib import contextmanager
from unittest.mock import patch

from timing import timed

import odoo
from odoo import fields
from odoo.tools import SQL

SPEC_PARTNERS = 1_000_000
SPEC_LEADS = 200_000
SPEC_OPEN_TICKETS = 100_000
CUSTOMER_SHARE = 0.4  # of the partners; the others are their contacts
TEAM_SIZE = 8  # reps per sales team
BATCH = 500
SLA_JOB = "SLA check (crm.complaint.ticket._cron_check_sla)"
REGRADED_JOB = "re-graded customers' plans (_cron_followup_regrade)"
SCHEDULE_JOB = "follow-up scheduling (crm.followup.plan._cron_followup_plan)"
STALE_JOB = "stale leads (crm.lead._cron_stale_leads)"
GREETING_JOB = "greetings (crm.followup.greeting._cron_followup_greetings)"


@contextmanager
def rolled_back(cr):
    """Undo whatever the block did, so that a measurement can be repeated."""
    cr.execute("SAVEPOINT bench_measure")
    try:
        yield
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT bench_measure")
        cr.execute("RELEASE SAVEPOINT bench_measure")


@contextmanager
def captured_queries(cr):
    """Collect the (query, params) the cursor executes inside the block."""
    queries = []
    execute = cr.execute

    def spy(query, params=None, log_exceptions=True):
        queries.append((query, params))
        return execute(query, params, log_exceptions)

    cr.execute = spy
    try:
        yield queries
    finally:
        del cr.execute


# ---------------------------------------------------------------- population


def make_user(env, login, groups):
    return env["res.users"].create(
        {
            "name": login,
            "login": login,
            "groups_id": [(6, 0, [env.ref(g).id for g in groups])],
        }
    )


def make_organisation(env, scale):
    """Sales teams of TEAM_SIZE reps and a team manager, and one sales admin."""
    teams_count = max(
        2, round(SPEC_PARTNERS * CUSTOMER_SHARE * scale / 1250 / TEAM_SIZE)
    )
    reps, managers = [], []
    for t in range(teams_count):
        manager = make_user(
            env, f"bench_manager_{t}", ["crm_standard_process.group_sale_team_manager"]
        )
        members = [
            make_user(env, f"bench_rep_{t}_{r}", ["sales_team.group_sale_salesman"])
            for r in range(TEAM_SIZE)
        ]
        team = env["crm.team"].create(
            {
                "name": f"Bench team {t}",
                "user_id": manager.id,
                "crm_team_member_ids": [(0, 0, {"user_id": u.id}) for u in members],
            }
        )
        managers.append((manager, team))
        reps += [(u, team) for u in members]
    admin = make_user(env, "bench_admin", ["sales_team.group_sale_manager"])
    return reps, managers, admin


def populate(env, scale, reps, first):
    """Insert the rows of ``scale`` (numbered from ``first``) in bulk SQL."""
    cr = env.cr
    customers = round(SPEC_PARTNERS * CUSTOMER_SHARE * scale)
    contacts = round(SPEC_PARTNERS * scale) - customers
    leads = round(SPEC_LEADS * scale)
    tickets = round(SPEC_OPEN_TICKETS * scale)
    company = env.company
    rep_ids = [u.id for u, _team in reps]
    team_ids = [team.id for _u, team in reps]
    plans = dict(
        env.execute_query(
            SQL("SELECT customer_grade, id FROM crm_followup_plan WHERE active")
        )
    )
    common = SQL("%(uid)s, %(uid)s, now() - interval '400 days', now()", uid=env.uid)
    cr.execute("SELECT setseed(%s)", [(first % 1000) / 1000])
    # customers: 70 % active profiles, a few to review, drafts, archived and
    # companies outside the process; 5 % in the unassigned pool; 5 % regraded
    # since their plan was approved
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (
                name, complete_name, is_company, active, type, lang,
                create_uid, write_uid, create_date, write_date,
                profile_state, user_id, team_id, expected_annual_amount,
                grade_company_id, computed_grade, customer_grade, confirmed_grade,
                followup_plan_id, followup_plan_grade, founding_date)
            SELECT name, name, TRUE, state IS DISTINCT FROM 'archived', 'contact',
                   'en_US', %(common)s,
                   state, CASE WHEN pool THEN NULL ELSE (%(reps)s::int[])[r] END,
                   CASE WHEN pool THEN NULL ELSE (%(teams)s::int[])[r] END,
                   amount, CASE WHEN state IS NOT NULL THEN %(company)s END,
                   CASE WHEN state IS NOT NULL THEN grade END,
                   CASE WHEN state IS NOT NULL THEN grade END,
                   CASE WHEN state = 'active' THEN grade END,
                   CASE WHEN state = 'active' THEN
                        (%(plans)s::jsonb ->> grade)::int END,
                   CASE WHEN state = 'active' THEN
                        CASE WHEN random() < 0.05 THEN
                             CASE grade WHEN 'a' THEN 'b' ELSE 'a' END
                        ELSE grade END END,
                   CASE WHEN random() < 0.5 THEN
                        date '1990-01-01' + (random() * 12000)::int END
              FROM (
                SELECT 'Bench customer ' || n AS name,
                       1 + mod(n, %(nreps)s) AS r,
                       random() < 0.05 AS pool,
                       amount,
                       CASE WHEN amount >= %(a)s THEN 'a'
                            WHEN amount >= %(b)s THEN 'b' ELSE 'c' END AS grade,
                       CASE WHEN s < 0.70 THEN 'active' WHEN s < 0.82 THEN 'draft'
                            WHEN s < 0.87 THEN 'to_review'
                            WHEN s < 0.92 THEN 'archived' END AS state
                  FROM (SELECT n, random() AS s,
                               round(900000 * power(random(), 3)) AS amount
                          FROM generate_series(%(first)s::bigint, %(last)s) AS n) AS raw
              ) AS customer
            """,
            common=common,
            reps=rep_ids,
            teams=team_ids,
            nreps=len(rep_ids),
            company=company.id,
            plans=json.dumps(plans),
            a=company.grade_a_threshold,
            b=company.grade_b_threshold,
            first=first,
            last=first + customers - 1,
        )
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL"
    )
    cr.execute(
        "SELECT min(id), max(id) FROM res_partner WHERE name = %s OR name = %s",
        [f"Bench customer {first}", f"Bench customer {first + customers - 1}"],
    )
    low, high = cr.fetchone()
    # contacts of those customers, 60 % with a birthday
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (
                name, complete_name, is_company, active, type, lang,
                create_uid, write_uid, create_date, write_date,
                parent_id, commercial_partner_id, birthday)
            SELECT 'Bench contact ' || n, 'Bench contact ' || n, FALSE, TRUE,
                   'contact', 'en_US', %(common)s, parent, parent,
                   CASE WHEN random() < 0.6 THEN
                        date '1960-01-01' + (random() * 14600)::int END
              FROM (SELECT n, %(low)s + mod(n * 7919, %(span)s) AS parent
                      FROM generate_series(%(first)s::bigint, %(last)s) AS n) AS c
            """,
            common=common,
            low=low,
            span=high - low + 1,
            first=first,
            last=first + contacts - 1,
        )
    )
    # leads: 10 % archived, 10 % won, 5 % in the nurture pool; the follow-up
    # clock of the open ones spread over the last 9 days; a third of those
    # already reminded (stale step 'owner') a few days ago
    cr.execute(
        SQL(
            """
            INSERT INTO crm_lead (
                name, type, active, user_id, team_id, partner_id, company_id,
                grade_company_id, stage_id, probability, customer_grade, capture_date,
                followup_clock_date, in_nurture_pool, stale_step, stale_step_date,
                date_closed,
                create_uid, write_uid, create_date, write_date)
            SELECT 'Bench lead ' || n, CASE WHEN mod(n, 3) = 0 THEN 'lead'
                                           ELSE 'opportunity' END,
                   random() >= 0.1,
                   (%(reps)s::int[])[1 + mod(n, %(nreps)s)],
                   (%(teams)s::int[])[1 + mod(n, %(nreps)s)],
                   %(low)s + mod(n * 104729, %(span)s), %(company)s, %(company)s,
                   CASE WHEN won THEN %(won)s
                        ELSE (%(stages)s::int[])[1 + mod(n, %(nstages)s)] END,
                   10, (ARRAY['a', 'b', 'c'])[1 + mod(n, 3)],
                   clock, clock, random() < 0.05,
                   CASE WHEN reminded THEN 'owner' END,
                   CASE WHEN reminded THEN now() - random() * interval '3 days' END,
                   CASE WHEN won THEN now() - random() * interval '3000 days' END,
                   %(common)s
              FROM (SELECT n, now() - random() * interval '9 days' AS clock,
                           random() < 0.3 AS reminded, random() < 0.1 AS won
                      FROM generate_series(%(first)s::bigint, %(last)s) AS n) AS l
            """,
            reps=rep_ids,
            teams=team_ids,
            nreps=len(rep_ids),
            low=low,
            span=high - low + 1,
            company=company.id,
            won=env["crm.stage"].search([("is_won", "=", True)], limit=1).id,
            stages=env["crm.stage"].search([("is_won", "=", False)]).ids,
            nstages=len(env["crm.stage"].search([("is_won", "=", False)])),
            common=common,
            first=first,
            last=first + leads - 1,
        )
    )
    # the stale-leads job claims by the stored next reminder moment; the
    # greetings finder reads the customers' stored cooperation start
    env["crm.lead"]._store_stale_due_dates()
    env["res.partner"]._fill_cooperation_start_dates()
    # tickets: as many closed as open; the open ones' deadlines from 12 hours
    # ago to 60 hours ahead, their status and escalation level up to date,
    # except half of the at-risk or breached ones whose next level fell due
    # since the last run
    sla = env["crm.complaint.sla"].search([], limit=1)
    cr.execute("SELECT COALESCE(max(id), 0) FROM crm_complaint_ticket")
    last_ticket = cr.fetchone()[0]
    cr.execute(
        SQL(
            """
            INSERT INTO crm_complaint_ticket (
                name, subject, company_id, partner_id, user_id, handler_id, team_id,
                state, scope, ticket_type, priority, sla_id, sla_start_date,
                response_deadline,
                resolution_deadline, sla_deadline, sla_warning_date, sla_status,
                escalation_level, next_escalation_date, is_waiting_customer,
                create_uid, write_uid, create_date, write_date)
            SELECT 'BT' || n, 'Bench ticket ' || n, %(company)s,
                   %(low)s + mod(n * 7907, %(span)s),
                   (%(reps)s::int[])[1 + mod(n, %(nreps)s)],
                   (%(reps)s::int[])[1 + mod(n * 7, %(nreps)s)],
                   (%(teams)s::int[])[1 + mod(n, %(nreps)s)],
                   CASE WHEN closed THEN 'closed'
                        WHEN mod(n, 2) = 0 THEN 'new' ELSE 'in_progress' END,
                   CASE WHEN mod(n, 3) = 0 THEN 'product_technical'
                        ELSE 'sales_service' END,
                   CASE WHEN mod(n, 4) = 0 THEN 'feedback' ELSE 'complaint' END,
                   mod(n, 3)::varchar, %(sla)s, deadline - interval '48 hours',
                   deadline - interval '46 hours', deadline, deadline,
                   deadline - interval '8 hours',
                   CASE WHEN closed THEN NULL WHEN deadline <= now() THEN 'breached'
                        WHEN deadline - interval '8 hours' <= now() THEN 'at_risk'
                        ELSE 'on_track' END,
                   GREATEST(level - CASE WHEN due THEN 1 ELSE 0 END, 0),
                   -- none for a closed or waiting ticket, nor past the last level
                   CASE WHEN closed OR mod(n, 50) = 0 THEN NULL
                        WHEN GREATEST(level - CASE WHEN due THEN 1 ELSE 0 END, 0) = 0
                        THEN deadline - interval '8 hours'
                        WHEN GREATEST(level - CASE WHEN due THEN 1 ELSE 0 END, 0) = 1
                        THEN deadline
                        WHEN GREATEST(level - CASE WHEN due THEN 1 ELSE 0 END, 0) = 2
                        THEN deadline + %(admin_hours)s * interval '1 hour'
                   END,
                   mod(n, 50) = 0, %(common)s
              FROM (
                SELECT n, closed, deadline, random() < 0.5 AS due,
                       CASE WHEN closed THEN 0
                            WHEN deadline + %(admin_hours)s * interval '1 hour' <= now()
                            THEN 3
                            WHEN deadline <= now() THEN 2
                            WHEN deadline - interval '8 hours' <= now() THEN 1
                            ELSE 0 END AS level
                  FROM (SELECT n, mod(n, 2) = 1 AS closed,
                               now() + (random() * 72 - 12) * interval '1 hour'
                                   AS deadline
                          FROM generate_series(%(first)s::bigint, %(last)s) AS n) AS raw
              ) AS t
            """,
            company=company.id,
            low=low,
            span=high - low + 1,
            reps=rep_ids,
            teams=team_ids,
            nreps=len(rep_ids),
            sla=sla.id or None,
            admin_hours=sla.escalate_admin_hours if sla else 24,
            common=common,
            first=first,
            last=first + 2 * tickets - 1,
        )
    )
    # the planner's statistics of the rows just inserted: without them the
    # copies below may join the partners row by row (24 minutes once)
    cr.execute("ANALYZE res_partner, crm_lead, crm_complaint_ticket")
    # the customer's owner, team and standing copied on the ticket (the
    # ticket rules read them), as the addon fills them at install
    env["crm.complaint.ticket"]._store_customer_columns(min_id=last_ticket)
    # and on every partner (the partner rules read them): without them every
    # generated partner would look outside the process, visible to all
    env["res.partner"]._store_customer_columns()
    env.invalidate_all()
    cr.execute("ANALYZE res_partner, crm_lead, crm_complaint_ticket")
    return {
        "customers": customers,
        "contacts": contacts,
        "leads": leads,
        "tickets": 2 * tickets,
    }


def table_counts(env):
    counts = {}
    for label, query in [
        ("partners", "SELECT count(*) FROM res_partner"),
        ("leads", "SELECT count(*) FROM crm_lead"),
        (
            "open tickets",
            "SELECT count(*) FROM crm_complaint_ticket"
            " WHERE state IN ('new', 'in_progress')",
        ),
    ]:
        env.cr.execute(query)
        counts[label] = env.cr.fetchone()[0]
    return counts


# ------------------------------------------------------------- record rules

RULE_SEARCHES = [
    ("res.partner", [("is_company", "=", True)], ["name", "customer_grade", "user_id"]),
    ("crm.lead", [], ["name", "stage_id", "user_id"]),
    (
        "crm.complaint.ticket",
        [("state", "in", ["new", "in_progress"])],
        ["name", "sla_status", "user_id"],
    ),
]


def bench_rules(env, rep, manager, admin):
    rows = []
    for model, domain, fnames in RULE_SEARCHES:
        for method in ("search_count", "search_read"):
            timings, counts = {}, {}
            for role, user in (("admin", admin), ("rep", rep), ("manager", manager)):
                records = env[model].with_user(user)
                if method == "search_count":
                    call = lambda r=records, d=domain: r.search_count(d)  # noqa: E731
                else:
                    call = lambda r=records, d=domain, f=fnames: r.search_read(  # noqa: E731
                        d, f, limit=80, order="id desc"
                    )
                timings[role] = timed(call)
                counts[role] = records.search_count(domain)
            rows.append((model, method, timings, counts))
    plans = []
    for model, domain, _fnames in RULE_SEARCHES:
        table = env[model]._table
        for role, user in (("rep", rep), ("manager", manager)):
            records = env[model].with_user(user)
            _plan, scans = explain(
                env,
                lambda r=records, d=domain: r.search_count(d),
                f'FROM "{table}"',
            )
            plans.append((model, role, scans))
    return rows, plans


# ----------------------------------------------------------- scheduled jobs


def job_runners(env, batches):
    now = fields.Datetime.now()
    today = fields.Date.context_today(env["crm.followup.plan"])
    Ticket = env["crm.complaint.ticket"]
    Lead = env["crm.lead"]
    Plan = env["crm.followup.plan"]
    Greeting = env["crm.followup.greeting"]
    return [
        (
            SLA_JOB,
            lambda: Ticket._cron_check_sla(batch_size=batches[SLA_JOB]),
            lambda: (
                Ticket._refresh_sla_status(now),
                Ticket._claim_due_escalations(now, batches[SLA_JOB]),
            ),
            ('ORDER BY "crm_complaint_ticket"."next_escalation_date"',),
        ),
        (
            REGRADED_JOB,
            lambda: Plan._cron_followup_regrade(batch_size=batches[REGRADED_JOB]),
            lambda: Plan._regraded_customers(today, limit=BATCH),
            ("IS DISTINCT FROM partner.followup_plan_grade",),
        ),
        (
            SCHEDULE_JOB,
            lambda: Plan._cron_followup_plan(batch_size=batches[SCHEDULE_JOB]),
            lambda: Plan._customers_to_schedule(today, limit=BATCH),
            ("NOT EXISTS",),
        ),
        (
            STALE_JOB,
            lambda: Lead._cron_stale_leads(batch_size=batches[STALE_JOB]),
            lambda: Lead._claim_due_escalations(now, batches[STALE_JOB]),
            ('ORDER BY "crm_lead"."stale_due_date"',),
        ),
        (
            GREETING_JOB,
            lambda: Greeting._cron_followup_greetings(batch_size=batches[GREETING_JOB]),
            lambda: Greeting._due_occasions(today, limit=batches[GREETING_JOB]),
            ("WITH customer AS",),
        ),
    ]


def explain(env, finder, markers):
    """EXPLAIN ANALYZE of the finder's main queries (the last one holding
    each marker): their plans and scans."""
    if isinstance(markers, str):
        markers = (markers,)
    cr = env.cr
    with rolled_back(cr), captured_queries(cr) as queries:
        finder()
    plans, scans = [], []
    for marker in markers:
        candidates = [
            (q, p)
            for q, p in queries
            if marker in (q.code if isinstance(q, SQL) else q)
        ]
        if candidates:
            plan, found = explain_query(cr, *candidates[-1])
            plans += plan
            scans += found
    if not plans and queries:
        # the finder changed and no marker matches: its last SELECT
        selects = [
            (q, p)
            for q, p in queries
            if re.match(r"\s*(SELECT|WITH)", q.code if isinstance(q, SQL) else q)
        ]
        if selects:
            plans, scans = explain_query(cr, *selects[-1])
            plans = ["(no marker matched: the finder's last SELECT)", *plans]
    return plans, scans


def explain_query(cr, query, params):
    with rolled_back(cr):
        if isinstance(query, SQL):
            cr.execute(SQL("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) %s", query))
        else:
            cr.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query, params)
        plan = [row[0] for row in cr.fetchall()]
    scans = []
    for line in plan:
        found = re.search(
            r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan"
            r"|CTE Scan)"
            r"(?: using (\S+))? on (\S+)",
            line,
        )
        if found:
            rows = re.search(r"rows=(\d+) loops=(\d+)", line)
            rows = rows and (
                rows.group(1)
                + (f", loops {rows.group(2)}" if rows.group(2) != "1" else "")
            )
            scans.append((found.group(1), found.group(3), found.group(2), rows))
    return plan, scans


def repeated_queries(queries, top=4):
    """The query shapes a batch runs most often (numbers and lists folded)."""
    shapes = {}
    for query, _params in queries:
        code = query.code if isinstance(query, SQL) else query
        shape = re.sub(r"\s+", " ", re.sub(r"\b\d+\b", "N", code)).strip()
        shapes[shape] = shapes.get(shape, 0) + 1
    ranked = sorted(shapes.items(), key=lambda item: -item[1])
    return [(count, shape[:150]) for shape, count in ranked[:top] if count > 5]


def bench_jobs(env, batches):
    """Per job: ms and queries of one batch (best of 2, each rolled back)."""
    cr = env.cr
    results = {}
    for name, run, finder, marker in job_runners(env, batches):
        best, queries = float("inf"), None
        for _ in range(2):
            with rolled_back(cr):
                env.invalidate_all()
                start_count = cr.sql_log_count
                start = time.perf_counter()
                run()
                env.flush_all()
                elapsed = (time.perf_counter() - start) * 1000
                count = cr.sql_log_count - start_count
                queries = count if queries is None else min(queries, count)
                best = min(best, elapsed)
            env.invalidate_all()
        with rolled_back(cr), captured_queries(cr) as executed:
            env.invalidate_all()
            run()
            env.flush_all()
        env.invalidate_all()
        finder_ms = timed(lambda f=finder: (env.invalidate_all(), f()))
        plan, scans = explain(env, finder, marker)
        results[name] = {
            "ms": best,
            "queries": queries,
            "finder_ms": finder_ms,
            "plan": plan,
            "scans": scans,
            "repeated": repeated_queries(executed),
        }
    return results


def due_counts(env):
    now = fields.Datetime.now()
    today = fields.Date.context_today(env["crm.followup.plan"])
    Plan = env["crm.followup.plan"]
    return {
        SLA_JOB: env["crm.complaint.ticket"]._count_due_escalations(now),
        REGRADED_JOB: (Plan._regraded_customers(today, count=True)),
        SCHEDULE_JOB: (Plan._customers_to_schedule(today, count=True)),
        STALE_JOB: env["crm.lead"]._count_due_escalations(now),
        GREETING_JOB: env["crm.followup.greeting"]._due_occasions(today, count=True),
    }


# ---------------------------------------------------------------- regrading


def bench_regrade(env, sample_size):
    """The re-grade job after a threshold change, every batch of it (5,000
    records a call, as the cron runner calls it; here in one transaction,
    without the commits), against the ORM recomputing a sample one by one."""
    # nothing left pending or cached by the measures before this one
    env.flush_all()
    env.invalidate_all()
    company = env.company
    Company = env["res.company"]
    customers = env["res.partner"].search(
        [("grade_company_id", "=", company.id), ("computed_grade", "!=", False)]
    )
    sample = customers[:sample_size]
    thresholds = iter([(600000, 120000), (500000, 100000)] * 10)
    calls = []

    def set_based():
        a, b = next(thresholds)
        company.write({"grade_a_threshold": a, "grade_b_threshold": b})
        count = 0
        while company.regrade_state and count < 10000:
            Company._cron_regrade()
            count += 1
        env.flush_all()
        calls.append(count)

    def orm_loop():
        sample.invalidate_recordset(["computed_grade"])
        for partner in sample:
            partner._compute_computed_grade()
        env.flush_all()

    env.cr.execute("SELECT count(*) FROM res_partner")
    partners = env.cr.fetchone()[0]
    return {
        "customers": len(customers),
        "partners": partners,
        "set_ms": timed(set_based, 2),
        "calls": max(calls),
        "sample": len(sample),
        "loop_ms": timed(orm_loop, 2),
    }


@contextmanager
def through_create(env):
    """Activities created through Odoo's ``mail.activity.create``, not the
    addon's bulk INSERT: the ORM baseline."""
    Activity = type(env["mail.activity"])
    with patch.object(Activity, "_can_insert_in_bulk", lambda self, vals_list: False):
        yield


def bench_schedule(env, sample_size):
    """Follow-up scheduling: four of the job's batches (of its own size)
    against the ORM scheduling the customers one at a time (each follow-up through
    ``mail.activity.create``), per customer, each rolled back."""
    # imported here: the addons path is known once main() read the configuration
    from odoo.addons.crm_standard_process.models.crm_followup_plan import (
        SCHEDULING_BATCH,
    )

    cr = env.cr
    Plan = env["crm.followup.plan"]
    today = fields.Date.context_today(Plan)
    due = Plan._customers_to_schedule(today, count=True)
    batches = 4
    with rolled_back(cr):
        env.invalidate_all()
        start = time.perf_counter()
        done = 0
        for _call in range(batches):
            done += len(Plan._cron_followup_plan())
        env.flush_all()
        batch_ms = (time.perf_counter() - start) * 1000
    env.invalidate_all()
    with rolled_back(cr), through_create(env):
        sample = Plan._customers_to_schedule(today, limit=sample_size)
        env.invalidate_all()
        start = time.perf_counter()
        for customer in sample:
            Plan._schedule(customer, today)
            env.flush_all()
        loop_ms = (time.perf_counter() - start) * 1000
    env.invalidate_all()
    return {
        "due": due,
        "done": done,
        "calls": batches,
        "batch": SCHEDULING_BATCH,
        "batch_ms": batch_ms,
        "sample": len(sample),
        "loop_ms": loop_ms,
    }


def bench_sla(env, sample_size):
    """The SLA job's whole run over every open ticket (the status refresh,
    then escalation batches until none is due) against the same work one
    ticket at a time (its status refreshed, its due rungs fired with
    ``mail.activity.create``), per open ticket, each rolled back."""
    cr = env.cr
    Ticket = env["crm.complaint.ticket"]
    now = fields.Datetime.now()
    open_ids = Ticket.search([("state", "in", ("new", "in_progress"))]).ids
    with rolled_back(cr):
        # the statuses the job's first call changes
        changed = Ticket._refresh_sla_status(now)
    with rolled_back(cr):
        env.invalidate_all()
        start = time.perf_counter()
        escalated = calls = 0
        while calls < 10000:
            done = len(Ticket._cron_check_sla())
            if not done:
                break
            escalated += done
            calls += 1
        env.flush_all()
        run_ms = (time.perf_counter() - start) * 1000
    env.invalidate_all()
    # a sample spread over the open tickets, due and not due alike
    step = max(1, len(open_ids) // max(sample_size, 1))
    sample = Ticket.browse(open_ids[::step][:sample_size])
    with rolled_back(cr), through_create(env):
        env.invalidate_all()
        start = time.perf_counter()
        for ticket in sample:
            ticket._refresh_sla_status(now)
            if ticket.next_escalation_date and ticket.next_escalation_date <= now:
                ticket._escalate(now)
            env.flush_all()
        loop_ms = (time.perf_counter() - start) * 1000
    env.invalidate_all()
    return {
        "open": len(open_ids),
        "changed": changed,
        "escalated": escalated,
        "calls": calls,
        "run_ms": run_ms,
        "sample": len(sample),
        "loop_ms": loop_ms,
    }


# -------------------------------------------------------------------- report


def print_scans(scans, indent="       "):
    for scan, table, index, rows in scans:
        print(
            f"{indent}{scan} on {table}"
            + (f" using {index}" if index else "")
            + f" (rows {rows})"
        )


def print_rules(rows, plans):
    print(
        "\n1. Record rules: a rep's and a team manager's searches vs the sales admin's"
    )
    print(
        f"   {'model':22} {'method':12} {'admin ms':>9} {'rep ms':>9} {'mgr ms':>9}"
        f" {'rep/adm':>8} {'mgr/adm':>8}   rows admin/rep/mgr"
    )
    for model, method, t, c in rows:
        print(
            f"   {model:22} {method:12} {t['admin']:9.1f} {t['rep']:9.1f}"
            f" {t['manager']:9.1f} {t['rep'] / t['admin']:8.2f}"
            f" {t['manager'] / t['admin']:8.2f}"
            f"   {c['admin']}/{c['rep']}/{c['manager']}"
        )
    print("   EXPLAIN ANALYZE of the search_count under the rules:")
    for model, role, scans in plans:
        print(f"   - {model} as {role}:")
        print_scans(scans)


def print_jobs(small, big, due_small, due_big, batches):
    print(
        f"\n2. Scheduled jobs: one batch (of {BATCH}, or all that is due on the small"
        " dataset when fewer), the same batch size on the small and on the big dataset"
    )
    print(
        f"   {'job':66} {'batch':>5} {'due':>7} {'ms':>8} {'queries':>7}"
        f" {'finder ms':>9}"
    )
    for name in small:
        for label, res, due in (("small", small, due_small), ("big", big, due_big)):
            r = res[name]
            print(
                f"   {name if label == 'small' else '':66} {batches[name]:5}"
                f" {due[name]:7} {r['ms']:8.1f} {r['queries']:7} {r['finder_ms']:9.1f}"
            )
        s, b = small[name], big[name]
        print(
            f"   {'big/small':>80} {b['ms'] / s['ms']:8.2f}"
            f" {b['queries'] / max(s['queries'], 1):7.2f}"
            f" {b['finder_ms'] / s['finder_ms']:9.2f}"
        )
    print("\n   EXPLAIN ANALYZE of each finder query (big dataset):")
    for name, r in big.items():
        # a scan never executed has no rows: it costs nothing
        seq = [s for s in r["scans"] if s[0] == "Seq Scan" and s[3] is not None]
        verdict = (
            "index-backed"
            if not any(s[1] in BIG_TABLES for s in seq)
            else "SEQUENTIAL SCAN of " + ", ".join(sorted({s[1] for s in seq}))
        )
        print(f"   - {name}: {verdict}")
        print_scans(r["scans"])
    print("\n   Queries a batch repeats most (big dataset):")
    for name, r in big.items():
        print(f"   - {name}:")
        for count, shape in r["repeated"]:
            print(f"       {count:5}x {shape}")


BIG_TABLES = {"res_partner", "crm_lead", "crm_complaint_ticket", "mail_activity"}


def print_schedule(r):
    per_batch = r["batch_ms"] / max(r["done"], 1) * 1000
    per_loop = r["loop_ms"] / max(r["sample"], 1) * 1000
    print("\n3. Follow-up scheduling (big dataset)")
    print(
        f"   job: {r['done']:,} customers in {r['calls']} batches of"
        f" {r['batch']:,} in"
        f" {r['batch_ms']:.0f} ms ({per_batch:.0f} us/customer);"
        f" {r['due']:,} due -> about {per_batch * r['due'] / 1e6:.0f} s for all,"
        f" {per_batch * 100000 / 1e6:.0f} s for 100,000"
    )
    print(
        f"   ORM loop, one customer at a time: {r['sample']:,} customers in"
        f" {r['loop_ms']:.0f} ms ({per_loop:.0f} us/customer)"
        f" -> the job {per_loop / per_batch:.1f}x faster per customer"
    )


def print_sla(r):
    per_ticket = r["run_ms"] / max(r["open"], 1) * 1000
    per_loop = r["loop_ms"] / max(r["sample"], 1) * 1000
    per_escalation = r["run_ms"] / max(r["escalated"], 1)
    print("\n4. SLA job, its whole run (big dataset)")
    print(
        f"   job: {r['open']:,} open tickets refreshed ({r['changed']:,} changed"
        f" status), {r['escalated']:,} escalated in {r['calls']} calls of the job,"
        f" in {r['run_ms']:.0f} ms ({per_ticket:.0f} us/open ticket,"
        f" {per_escalation:.2f} ms/escalation)"
    )
    print(
        f"   one ticket at a time: {r['sample']:,} open tickets in"
        f" {r['loop_ms']:.0f} ms ({per_loop:.0f} us/open ticket)"
        f" -> the job {per_loop / max(per_ticket, 1e-9):.1f}x faster per open ticket"
    )


def print_regrade(r):
    per_partner = r["set_ms"] / r["partners"] * 1000
    per_customer = r["set_ms"] / max(r["customers"], 1) * 1000
    per_loop = r["loop_ms"] / max(r["sample"], 1) * 1000
    print("\n5. Re-grade after a threshold change (big dataset)")
    print(
        f"   re-grade job ({r['calls']} calls of 5,000 records, without the"
        f" commits): {r['customers']:,} customers of {r['partners']:,} partners,"
        " and the leads,"
        f" in {r['set_ms']:.0f} ms ({per_customer:.1f} us/customer,"
        f" {per_partner:.1f} us/partner -> about"
        f" {per_partner:.0f} s for 1,000,000 partners)"
    )
    print(
        f"   ORM loop: {r['sample']:,} customers in {r['loop_ms']:.0f} ms"
        f" ({per_loop:.1f} us/customer) -> the job {per_loop / per_customer:.1f}x"
        " faster per customer"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument(
        "--scale", type=float, default=0.05, help="1.0 = the SPEC's targets"
    )
    parser.add_argument(
        "--growth",
        type=int,
        default=4,
        help="the big dataset is this many times the small one",
    )
    parser.add_argument("--sample", type=int, default=2000, help="ORM-loop sample")
    parser.add_argument("--plans", action="store_true", help="print the full plans")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.conf])
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    started = time.perf_counter()
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"}
        )
        reps, managers, admin = make_organisation(env, args.scale)
        t0 = time.perf_counter()
        populate(env, args.scale, reps, first=1)
        populated = time.perf_counter() - t0
        small_sizes = table_counts(env)
        rule_rows, rule_plans = bench_rules(env, reps[0][0], managers[0][0], admin)
        due_small = due_counts(env)
        # the same batch at both sizes: BATCH, or all that is due when fewer
        batches = {name: max(1, min(BATCH, due)) for name, due in due_small.items()}
        small = bench_jobs(env, batches)
        t0 = time.perf_counter()
        populate(
            env,
            args.scale * (args.growth - 1),
            reps,
            first=1 + round(SPEC_PARTNERS * args.scale),
        )
        grown = time.perf_counter() - t0
        big_sizes = table_counts(env)
        due_big = due_counts(env)
        big = bench_jobs(env, batches)
        big_rule_rows, big_rule_plans = bench_rules(
            env, reps[0][0], managers[0][0], admin
        )
        schedule = bench_schedule(env, min(args.sample, 500))
        sla = bench_sla(env, min(args.sample, 500))
        regrade = bench_regrade(env, args.sample)
        cr.rollback()
    fmt = lambda sizes: ", ".join(f"{v:,} {k}" for k, v in sizes.items())  # noqa: E731
    print(f"scale {args.scale} (1.0 = SPEC targets), growth x{args.growth}")
    print(f"small dataset: {fmt(small_sizes)} (generated in {populated:.0f} s)")
    print(f"big dataset:   {fmt(big_sizes)} (grown in {grown:.0f} s)")
    print(f"teams: {len(managers)} of {TEAM_SIZE} reps")
    print("\n   -- on the small dataset --")
    print_rules(rule_rows, rule_plans)
    print("\n   -- on the big dataset --")
    print_rules(big_rule_rows, big_rule_plans)
    print_jobs(small, big, due_small, due_big, batches)
    if args.plans:
        for name, r in big.items():
            print(f"\n   plan of {name}:")
            print("\n".join("     " + line for line in r["plan"] or []))
    print_schedule(schedule)
    print_sla(sla)
    print_regrade(regrade)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; everything rolled back")


if __name__ == "__main__":
    main()
