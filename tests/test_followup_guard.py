"""P5: the fields the follow-up engine sets on activities (plan, slot, planned
due date, logged feedback, done date) cannot be written by a rep to fake
compliance, over the ORM nor over JSON-RPC; logging the follow-up still works,
and a rep opens and uses the follow-up log wizard."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tests.common import users
from odoo.tools import mute_logger

from .common import CrmStandardProcessHttpCase, JsonRpcMatrixMixin
from .followup_common import ADDON, FollowupCase

# What a rep would write to make a late or missing follow-up count as on time.
FAKES = {
    "plan": {"followup_plan_id": False},
    "slot": {"followup_slot_date": "2026-11-30"},
    "planned due date": {"followup_due_date": "2026-11-30"},
    "channel": {"followup_channel": "meeting"},
    "logged on time": {"followup_on_time": True},
    "done on": {"date_done": "2026-11-06"},
    "commitments": {"followup_commitments": "Signed"},
    "archived": {"active": False},
}


class TestFollowupGuard(FollowupCase):
    def test_rep_cannot_write_the_engine_fields(self):
        """Each engine field of the rep's own follow-up is refused, nothing is
        written; the rep still moves the deadline and logs the follow-up."""
        followup = self._followups(self.customer_b).with_user(self.rep)
        for label, values in FAKES.items():
            with (
                self.subTest(label),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                followup.write(values)
        self.assertEqual(followup.followup_due_date, date(2026, 11, 6))
        self.assertTrue(followup.active)
        followup.date_deadline = date(2026, 11, 5)
        self._log(followup, datetime(2026, 11, 10, 9, 0), feedback="Called")
        self.assertFalse(followup.active)
        self.assertFalse(followup.followup_on_time)

    def test_rep_cannot_create_a_fake_followup(self):
        """A rep cannot schedule an activity posing as a plan's follow-up."""
        with self.assertRaises(AccessError):
            self.env["mail.activity"].with_user(self.rep).create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.customer_b.id,
                    "activity_type_id": self.plan_b.activity_type_id.id,
                    "user_id": self.rep.id,
                    "followup_partner_id": self.customer_b.id,
                    "followup_plan_id": self.plan_b.id,
                    "followup_slot_date": date(2026, 11, 9),
                    "followup_due_date": date(2026, 11, 13),
                }
            )

    def test_ordinary_activities_stay_the_reps_own(self):
        """A rep archives or reschedules an activity of their own that is no
        follow-up as before."""
        todo = self.customer_b.with_user(self.rep).activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.rep.id
        )
        todo.write({"date_deadline": date(2026, 11, 20), "summary": "Call back"})
        with freeze_time(datetime(2026, 11, 6, 9, 0)):
            todo.action_feedback(feedback="Done")
        self.assertFalse(todo.exists())


class TestFollowupGuardJsonRpc(JsonRpcMatrixMixin, CrmStandardProcessHttpCase):
    """The same guard through the web client's JSON-RPC endpoint."""

    rpc_model = "mail.activity"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env, "csp_guard_rep", groups="sales_team.group_sale_salesman"
        )
        customer = cls.env["res.partner"].create(
            {"name": "Guarded Co", "is_company": True, "user_id": cls.rep.id}
        )
        plan = cls.env.ref(f"{ADDON}.crm_followup_plan_grade_b")
        cls.followup = cls.env["mail.activity"].create(
            {
                "res_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "res_id": customer.id,
                "activity_type_id": plan.activity_type_id.id,
                "user_id": cls.rep.id,
                "followup_partner_id": customer.id,
                "followup_plan_id": plan.id,
                "followup_slot_date": date(2026, 11, 2),
                "followup_due_date": date(2026, 11, 6),
            }
        )

    def test_rep_cannot_write_the_engine_fields_over_json_rpc(self):
        """Every fake is refused with an AccessError; the summary is the rep's."""
        self.authenticate("csp_guard_rep", "csp_guard_rep")
        for label, values in FAKES.items():
            with self.subTest(label):
                self.assertFalse(self._writable({label: self.followup}, values))
        self.assertEqual(
            self._writable({"own": self.followup}, {"summary": "Hi"}), {"own"}
        )
        self.followup.invalidate_recordset()
        self.assertEqual(self.followup.followup_due_date, date(2026, 11, 6))
        self.assertTrue(self.followup.active)
        self.assertEqual(self.followup.summary, "Hi")

    def test_rep_cannot_create_a_fake_followup_over_json_rpc(self):
        """Creating an activity that poses as a follow-up is refused."""
        self.authenticate("csp_guard_rep", "csp_guard_rep")
        values = {
            "res_model_id": self.followup.res_model_id.id,
            "res_id": self.followup.res_id,
            "activity_type_id": self.followup.activity_type_id.id,
            "followup_plan_id": self.followup.followup_plan_id.id,
            "followup_due_date": "2026-11-30",
        }
        with (
            self.assertRaisesRegex(Exception, "AccessError"),
            mute_logger("odoo.http"),
        ):
            self._call("create", [values])


class TestFollowupWizardAsRep(FollowupCase):
    @users("csp_rep")
    def test_rep_opens_and_uses_the_follow_up_log(self):
        """A rep (an internal user with the salesman group only) opens the
        follow-up log from their follow-up, loads its form and logs it."""
        followup = self.env["mail.activity"].search(
            [("followup_partner_id", "=", self.customer_b.id)]
        )
        action = followup.action_open_followup_done_wizard()
        Wizard = self.env[action["res_model"]].with_context(**action["context"])
        self.assertIn("form", Wizard.get_views([(False, "form")])["views"])
        with freeze_time(datetime(2026, 11, 6, 9, 0)):
            wizard = Wizard.create({"feedback": "Called", "commitments": "Quote"})
            wizard.action_done()
        self.assertFalse(followup.active)
        self.assertEqual(followup.sudo().followup_commitments, "Quote")

    @users("csp_rep")
    def test_rep_cannot_send_a_profile_back(self):
        """Sending a profile back is the team manager's review, not a rep's."""
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.env["crm.profile.send.back.wizard"].create({})
