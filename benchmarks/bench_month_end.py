"""The month-end job at scale: the month's snapshot and the quarterly review.

Usage: python bench_month_end.py ODOO_CONF [--scale 0.05] [--sample 300]

The data are bench_scale.py's (scale 1.0 is the SPEC's: 1,000,000 partners
of which 400,000 customers, 200,000 leads, 100,000 open and 100,000 closed
tickets), shaped so that last month is a busy one: the closed tickets were
closed in it with their times, scores and SLA outcome, a third of the won
leads and as many lost ones closed in it, and every active customer has a
follow-up compliance row for it. Everything is rolled back at the end.

Each figure is measured beside its baseline in the same run:

1. the snapshot of last month (``crm.monthly.report._build``: one INSERT …
   SELECT per source, then the merge) against an ORM loop computing the
   same figures customer by customer on a sample (``--sample``);
2. the quarterly review (``res.partner._review_quarter``: one UPDATE over
   every active customer) against an ORM loop reviewing a sample of
   customers one by one and writing their flags.

It prints the milliseconds, the microseconds per customer, the ratio, and
the time extrapolated linearly to the SPEC's 400,000 customers (the SPEC
asks for less than 60 s each).
"""

import argparse
import time

from bench_scale import make_organisation, populate
from dateutil.relativedelta import relativedelta

import odoo
from odoo import fields
from odoo.tools import SQL

# the addon's date maths, imported once Odoo knows the addons path (main)
period = None
SPEC_CUSTOMERS = 400_000


def shape_last_month(env, month):
    """Make last month a busy month in the generated data."""
    start, end = period.utc_bounds(month, period.month_end(month), "UTC")
    cr = env.cr
    cr.execute(
        SQL(
            """
            UPDATE crm_complaint_ticket
               SET sla_start_date = %(start)s + random() * interval '20 days',
                   closed_date = %(start)s + interval '21 days'
                                 + random() * interval '6 days',
                   responded_date = %(start)s, solved_date = %(start)s,
                   response_time = random() * 4, resolution_time = random() * 40,
                   response_sla_met = random() < 0.9,
                   resolution_sla_met = random() < 0.8,
                   satisfaction = (1 + floor(random() * 5))::int::varchar,
                   sla_status = 'on_track'
             WHERE state = 'closed'
            """,
            start=start,
        )
    )
    cr.execute(
        "UPDATE crm_complaint_ticket SET satisfaction_score = satisfaction::int,"
        " sla_status = CASE WHEN response_sla_met AND resolution_sla_met"
        " THEN 'on_track' ELSE 'breached' END WHERE state = 'closed'"
    )
    cr.execute(
        SQL(
            """
            UPDATE crm_lead
               SET date_closed = %(start)s + random() * (%(end)s - %(start)s),
                   active = CASE WHEN won THEN TRUE ELSE FALSE END,
                   probability = CASE WHEN won THEN 100 ELSE 0 END
              FROM (SELECT lead.id, stage.is_won AS won
                      FROM crm_lead lead JOIN crm_stage stage
                        ON stage.id = lead.stage_id
                     WHERE lead.name LIKE %(leads)s
                       AND random() < CASE WHEN stage.is_won THEN 0.33 ELSE 0.03 END
                   ) AS closing
             WHERE crm_lead.id = closing.id
            """,
            start=start,
            end=end,
            leads="Bench lead %",
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO crm_followup_compliance (
                partner_id, user_id, team_id, company_id, customer_grade,
                month_date, required_count, done_count, on_time_count,
                compliance_rate)
            SELECT id, user_id, team_id, grade_company_id, customer_grade, %(month)s,
                   required, done, LEAST(done, required - 1 + (random() < 0.7)::int),
                   0
              FROM (SELECT id, user_id, team_id, grade_company_id, customer_grade,
                           CASE customer_grade WHEN 'a' THEN 2 WHEN 'b' THEN 4
                                ELSE 2 END AS required,
                           CASE customer_grade WHEN 'a' THEN 2 WHEN 'b' THEN 4
                                ELSE 2 END - (random() < 0.2)::int AS done
                      FROM res_partner
                     WHERE profile_state = 'active' AND user_id IS NOT NULL
                       AND name LIKE %(customers)s) AS customer
            ON CONFLICT DO NOTHING
            """,
            month=month,
            customers="Bench customer %",
        )
    )
    cr.execute("ANALYZE res_partner, crm_lead, crm_complaint_ticket")
    cr.execute("ANALYZE crm_followup_compliance")
    env.invalidate_all()


def orm_snapshot(env, customers, month):
    """The naive way: the month's figures customer by customer through the
    ORM, accumulated by dimensions in Python."""
    start, end = period.utc_bounds(month, period.month_end(month), "UTC")
    Compliance = env["crm.followup.compliance"]
    Lead = env["crm.lead"].with_context(active_test=False)
    Ticket = env["crm.complaint.ticket"]
    rows = {}
    for customer in customers:
        key = (customer.team_id.id, customer.user_id.id, customer.customer_grade)
        row = rows.setdefault(key, [0] * 8)
        row[0] += 1
        for line in Compliance.search(
            [("partner_id", "=", customer.id), ("month_date", "=", month)]
        ):
            row[1] += line.required_count
            row[2] += line.on_time_count
        for lead in Lead.search(
            [
                ("partner_id", "=", customer.id),
                ("date_closed", ">=", start),
                ("date_closed", "<", end),
            ]
        ):
            row[3] += lead.stage_id.is_won and lead.active
            row[4] += 1
        for ticket in Ticket.search(
            [
                ("partner_id", "=", customer.id),
                ("closed_date", ">=", start),
                ("closed_date", "<", end),
            ]
        ):
            row[5] += 1
            row[6] += ticket.satisfaction_score
            row[7] += ticket.response_time
    return rows


def orm_review(env, customers, quarter):
    """The naive way: each customer's signals through the ORM, then its
    flags written one customer at a time."""
    last = period.month_end(quarter + relativedelta(months=2))
    q_start, q_end = period.utc_bounds(quarter, last, "UTC")
    year_start = q_end - relativedelta(years=1)
    Ticket = env["crm.complaint.ticket"]
    Lead = env["crm.lead"]
    Message = env["mail.message"]
    company = env.company
    for customer in customers:
        tickets = Ticket.search(
            [
                ("partner_id", "=", customer.id),
                ("closed_date", ">=", year_start),
                ("closed_date", "<", q_end),
            ]
        )
        scores = [t.satisfaction_score for t in tickets if t.closed_date >= q_start]
        breached = any(t.sla_status == "breached" for t in tickets)
        won = sum(
            Lead.search(
                [
                    ("partner_id", "=", customer.id),
                    ("stage_id.is_won", "=", True),
                    ("date_closed", ">=", year_start),
                ]
            ).mapped("expected_revenue")
        )
        last_message = Message.search(
            [("model", "=", "res.partner"), ("res_id", "=", customer.id)],
            limit=1,
            order="date desc",
        )
        silent = not last_message
        customer.sudo().write(
            {
                "is_churn_risk": silent
                or breached
                or bool(scores and min(scores) <= 2),
                "is_high_value": won >= company.grade_a_threshold,
            }
        )
    env.flush_all()


def measure(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--sample", type=int, default=300, help="ORM-loop sample")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.conf])
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    global period
    from odoo.addons.crm_standard_process.tools import period

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        company = env.company
        company.resource_calendar_id = False  # month bounds in UTC, as generated
        today = fields.Date.context_today(env.user)
        month = period.previous_month(period.month_start(today))
        quarter = period.quarter_start(month)
        reps, _managers, _admin = make_organisation(env, args.scale)
        sizes = populate(env, args.scale, reps, 1)
        shape_last_month(env, month)
        active = env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM res_partner WHERE profile_state = 'active'"
                " AND name LIKE %s",
                "Bench customer %",
            )
        )[0][0]
        sample = env["res.partner"].search(
            [("profile_state", "=", "active"), ("name", "=like", "Bench customer %")],
            limit=args.sample,
        )
        Report = env["crm.monthly.report"]
        snapshot_ms = measure(lambda: Report._build(company, month))
        rows = Report.search_count([("month_date", "=", month)])
        env.invalidate_all()
        snapshot_orm_ms = measure(lambda: orm_snapshot(env, sample, month))
        cr.execute("SAVEPOINT review")
        review_ms = measure(
            lambda: env["res.partner"]._review_quarter(company, quarter)
        )
        flagged = env.execute_query(
            SQL("SELECT COUNT(*) FROM res_partner WHERE is_churn_risk OR is_high_value")
        )[0][0]
        cr.execute("ROLLBACK TO SAVEPOINT review")
        env.invalidate_all()
        review_orm_ms = measure(lambda: orm_review(env, sample, quarter))
        cr.rollback()

    print(
        f"data (scale {args.scale}): {sizes['customers']:,} customers "
        f"({active:,} active), {sizes['contacts']:,} contacts, "
        f"{sizes['leads']:,} leads, {sizes['tickets']:,} tickets"
    )
    for label, total_ms, count, orm_ms, extra in (
        ("snapshot of one month", snapshot_ms, active, snapshot_orm_ms, f"{rows} rows"),
        ("quarterly review", review_ms, active, review_orm_ms, f"{flagged} flagged"),
    ):
        per_customer = total_ms * 1000 / max(count, 1)
        orm_per_customer = orm_ms * 1000 / max(len(sample), 1)
        at_spec = per_customer * SPEC_CUSTOMERS / 1e6
        print(
            f"{label}: set-based {total_ms:,.0f} ms ({extra}), "
            f"{per_customer:.1f} µs a customer; ORM loop on {len(sample)} "
            f"customers {orm_ms:,.0f} ms, {orm_per_customer:.1f} µs a customer "
            f"-> {orm_per_customer / per_customer:.0f}x faster; "
            f"at {SPEC_CUSTOMERS:,} customers about {at_spec:.1f} s "
            f"(target < 60 s), the ORM loop about "
            f"{orm_per_customer * SPEC_CUSTOMERS / 1e6:,.0f} s"
        )


if __name__ == "__main__":
    main()
