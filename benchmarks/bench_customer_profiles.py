"""Customer-profile hot paths at scale, each against its baseline in one run.

Usage: python bench_customer_profiles.py ODOO_CONF [--partners N]

1. The customer access rule: a rep's search over all customers against the
   same search by a sales admin, to whom no rule applies.
2. Re-grading after a threshold change: the set-based UPDATE against the
   ORM recomputing the same customers one by one.
"""

import argparse

from timing import timed

import odoo
from odoo.tools import SQL


def make_user(env, login, group_xmlid):
    return env["res.users"].create(
        {"name": login, "login": login, "groups_id": [(6, 0, env.ref(group_xmlid).ids)]}
    )


def make_customers(env, count, users):
    """Active customers with their computed grade, as the ORM would store it
    (without it the set-based re-grade finds nothing to re-grade)."""
    env.cr.execute(
        SQL(
            """
            INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                     profile_state, user_id, expected_annual_amount,
                                     grade_company_id, computed_grade, customer_grade,
                                     lang, create_date, write_date)
            SELECT name, name, TRUE, TRUE, 'contact', 'active', user_id, amount,
                   %(company)s, grade, grade, 'en_US', now(), now()
              FROM (SELECT 'Bench customer ' || n AS name,
                           (%(users)s::int[])[
                               1 + mod(n, array_length(%(users)s::int[], 1))
                           ] AS user_id,
                           mod(n * 7919, 900000) AS amount,
                           CASE WHEN mod(n * 7919, 900000) >= %(a)s THEN 'a'
                                WHEN mod(n * 7919, 900000) >= %(b)s THEN 'b'
                                ELSE 'c' END AS grade
                      FROM generate_series(1, %(count)s) AS n) AS customer
            """,
            users=[*users.ids, None],
            company=env.company.id,
            a=env.company.grade_a_threshold,
            b=env.company.grade_b_threshold,
            count=count,
        )
    )
    env.cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL"
    )
    env.invalidate_all()


def bench_access_rule(env, rep, admin):
    domain = [("profile_state", "!=", False), ("customer_grade", "!=", "c")]
    as_rep = timed(lambda: env["res.partner"].with_user(rep).search_count(domain), 5)
    as_admin = timed(
        lambda: env["res.partner"].with_user(admin).search_count(domain), 5
    )
    return as_rep, as_admin


def bench_regrade(env, customers):
    company = env.company
    thresholds = iter([(600000, 120000), (500000, 100000)] * 10)

    def set_based():
        a, b = next(thresholds)
        company.write({"grade_a_threshold": a, "grade_b_threshold": b})

    def orm_loop():
        customers.invalidate_recordset(["computed_grade"])
        for partner in customers:
            partner._compute_computed_grade()
        env.flush_all()

    return timed(set_based, repeat=2), timed(orm_loop, repeat=2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("--partners", type=int, default=20000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.conf])
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        reps = [
            make_user(env, f"bench_rep_{n}", "sales_team.group_sale_salesman")
            for n in range(20)
        ]
        admin = make_user(env, "bench_admin", "sales_team.group_sale_manager")
        rep = reps[0]
        make_customers(env, args.partners, env["res.users"].concat(*reps))
        customers = env["res.partner"].search([("name", "=like", "Bench customer %")])
        as_rep, as_admin = bench_access_rule(env, rep, admin)
        set_based, orm_loop = bench_regrade(env, customers)
        cr.rollback()
    print(f"customers: {args.partners}")
    print(
        f"access rule: rep search_count {as_rep:.1f} ms, sales admin {as_admin:.1f} ms"
        f" -> ratio {as_rep / as_admin:.2f}"
    )
    print(
        f"re-grade on threshold change: set-based {set_based:.1f} ms,"
        f" ORM loop {orm_loop:.1f} ms -> {orm_loop / set_based:.1f}x faster"
    )


if __name__ == "__main__":
    main()
