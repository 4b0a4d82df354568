"""P4: the follow-up cadences, as shipped and as admins configure them."""

from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tools import mute_logger

from .followup_common import FollowupCase


class TestFollowupPlan(FollowupCase):
    def test_default_plans_follow_the_written_process(self):
        """A: 2 in-depth contacts a month by the account manager; B: a weekly
        call by the rep; C: a light touch every two weeks by the rep."""
        expected = {
            self.plan_a: ("a", 2, "month", "meeting", "account_manager"),
            self.plan_b: ("b", 1, "week", "call", "owner"),
            self.plan_c: ("c", 1, "fortnight", "email", "owner"),
        }
        for plan, cadence in expected.items():
            self.assertEqual(
                (
                    plan.customer_grade,
                    plan.count,
                    plan.period,
                    plan.channel,
                    plan.responsible,
                ),
                cadence,
            )
            self.assertTrue(plan.goal)
            self.assertTrue(plan.activity_type_id.keep_done)
            self.assertEqual(
                self.env["crm.followup.plan"]._for_grade(
                    plan.customer_grade, self.env.company
                ),
                plan,
            )

    def test_a_company_plan_comes_before_the_shared_one(self):
        """A company's own plan for a grade wins over the shared default."""
        own = self.plan_b.copy(
            {"name": "Our B plan", "company_id": self.env.company.id, "sequence": 99}
        )
        Plan = self.env["crm.followup.plan"]
        self.assertEqual(Plan._for_grade("b", self.env.company), own)
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.assertEqual(Plan._for_grade("b", other_company), self.plan_b)
        self.assertFalse(Plan._for_grade(False, self.env.company))

    def test_slots_cut_each_period_evenly(self):
        """Months split in halves, weeks run Monday to Sunday, fortnights keep
        their rhythm across the new year."""
        self.assertEqual(
            self.plan_a._slot(date(2026, 11, 15)),
            (date(2026, 11, 1), date(2026, 11, 15)),
        )
        self.assertEqual(
            self.plan_a._slot(date(2026, 11, 16)),
            (date(2026, 11, 16), date(2026, 11, 30)),
        )
        self.assertEqual(
            self.plan_a._slot(date(2027, 2, 20)), (date(2027, 2, 15), date(2027, 2, 28))
        )
        self.assertEqual(
            self.plan_b._slot(date(2026, 11, 8)), (date(2026, 11, 2), date(2026, 11, 8))
        )
        self.assertEqual(
            self.plan_c._slot(date(2026, 12, 31)),
            (date(2026, 12, 28), date(2027, 1, 10)),
        )
        self.assertEqual(
            self.plan_c._next_slot((date(2026, 12, 28), date(2027, 1, 10))),
            (date(2027, 1, 11), date(2027, 1, 24)),
        )

    def test_bad_cadences_are_refused(self):
        """No follow-up per period, more than a period holds, or an activity type
        that drops done activities are refused with a clear message."""
        refused = (
            ({"count": 8}, "takes 1 to 7"),
            ({"count": 0}, "takes 1 to 7"),
            (
                {"activity_type_id": self.env.ref("mail.mail_activity_data_todo").id},
                "must keep done activities",
            ),
        )
        for values, message in refused:
            with self.assertRaisesRegex(ValidationError, message), self.cr.savepoint():
                self.plan_b.write(values)
        self.assertEqual(
            (self.plan_b.count, self.plan_b.activity_type_id.keep_done), (1, True)
        )
        with self.assertRaisesRegex(ValidationError, "must keep done activities"):
            self.plan_b.activity_type_id.keep_done = False

    def test_admins_configure_plans_reps_read_them(self):
        """Reps and team managers read the plans; sales admins edit them."""
        self.assertTrue(self.plan_b.with_user(self.rep).read(["name"]))
        for user in (self.rep, self.team_manager):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                self.plan_b.with_user(user).write({"count": 2})
        self.plan_b.with_user(self.sales_admin).write({"count": 2})
        self.assertEqual(self.plan_b.count, 2)
