"""The rules written once and read twice agree: the grading rule and the
stale-reminder rule give in SQL what they give in Python, on every
combination of their inputs."""

import itertools
from datetime import datetime, timedelta
from types import SimpleNamespace

from odoo.addons.crm_standard_process.models.duplicate_mixin import (
    email_domain_sql,
    name_key_sql,
)
from odoo.addons.crm_standard_process.tools.grading import grade_for, grade_sql
from odoo.addons.crm_standard_process.tools.reminder_rule import (
    reminder_moment,
    reminder_sql,
)
from odoo.tools import SQL

from .common import CrmStandardProcessCase

CLOCK = datetime(2026, 11, 23, 9, 0)


class TestRuleTwins(CrmStandardProcessCase):
    def test_grading_rule_gives_the_same_grade_in_python_and_sql(self):
        """Every amount around both thresholds, with and without benchmark,
        for each need clarity."""
        company = SimpleNamespace(
            grade_a_threshold=500000.0, grade_b_threshold=100000.0
        )
        cases = list(
            itertools.product(
                [None, 0, 99999.99, 100000, 499999.99, 500000, 2000000],
                [None, False, True],
                [None, "clear", "vague"],
            )
        )
        python = [grade_for(company, *case) for case in cases]
        rows = self.env.execute_query(
            SQL(
                "SELECT %s FROM unnest(%s::numeric[], %s::bool[], %s::text[])"
                " WITH ORDINALITY AS input(amount, benchmark, clarity, position)"
                " ORDER BY input.position",
                grade_sql(
                    SQL.identifier("input", "amount"),
                    company,
                    benchmark=SQL.identifier("input", "benchmark"),
                    clarity=SQL.identifier("input", "clarity"),
                ),
                [case[0] for case in cases],
                [case[1] for case in cases],
                [case[2] for case in cases],
            )
        )
        self.assertEqual([row[0] for row in rows], python)
        self.assertEqual(set(python), {"a", "b", "c"})

    def test_reminder_rule_gives_the_same_moment_in_python_and_sql(self):
        """Every stale step, pool flag, owner, retry date and manager delay."""
        leads = []
        for (
            in_pool,
            step,
            touched,
            owner,
            retry,
            manager_days,
            to_pool,
        ) in itertools.product(
            [False, True],
            [None, "owner", "manager", "pool"],
            [None, CLOCK + timedelta(days=3)],
            [None, 7],
            [None, CLOCK + timedelta(days=40)],
            [0, 3],
            [False, True],
        ):
            lead = {
                "in_nurture_pool": in_pool,
                "stale_step": step,
                "stale_step_date": step and CLOCK + timedelta(days=8),
                "nurture_touch_date": touched,
                "followup_clock_date": CLOCK,
                "user_id": owner,
                "reminder_retry_date": retry,
            }
            company = {
                "stale_lead_days": 7,
                "stale_manager_days": manager_days,
                "stale_return_to_pool": to_pool,
                "nurture_touch_days": 30,
            }
            leads.append((lead, company))
        python = [
            reminder_moment(
                {key: value or False for key, value in lead.items()}, company
            )
            or None
            for lead, company in leads
        ]
        columns = list(leads[0][0]) + list(leads[0][1])
        types = {
            "in_nurture_pool": "bool",
            "stale_step": "text",
            "user_id": "int",
            "stale_lead_days": "int",
            "stale_manager_days": "int",
            "stale_return_to_pool": "bool",
            "nurture_touch_days": "int",
        }
        arrays = [
            SQL(
                "%s::%s[]",
                [{**lead, **company}[column] for lead, company in leads],
                SQL(types.get(column, "timestamp")),
            )
            for column in columns
        ]
        rows = self.env.execute_query(
            SQL(
                "SELECT %s FROM unnest(%s) WITH ORDINALITY AS lead(%s, position)"
                " ORDER BY lead.position",
                reminder_sql("lead", "lead"),
                SQL(", ").join(arrays),
                SQL(", ").join(SQL.identifier(column) for column in columns),
            )
        )
        self.assertEqual([row[0] for row in rows], python)
        self.assertTrue(any(python) and not all(python))

    def test_duplicate_keys_are_the_same_expressions_in_compute_and_fill(self):
        """The compute evaluates the keys' SQL expressions on the values at
        hand; the same expressions fill a live database's rows."""
        partner = self.env["res.partner"].create(
            {"name": "  Sunrise   MACHINERY\tCo. ", "email": "Sales@Sunrise-Mach.CN "}
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT %s, %s",
                name_key_sql(partner.name),
                email_domain_sql(partner.email),
            )
        )
        self.assertEqual(
            (partner.company_name_key, partner.email_domain),
            rows[0],
        )
        self.assertEqual(rows[0], ("sunrise machinery co.", "sunrise-mach.cn"))
