"""P4/P5 screens: what reps and managers open works with their rights."""

from odoo.tests import Form

from .followup_common import ADDON, FollowupCase


class TestFollowupViews(FollowupCase):
    def test_rep_opens_the_customer_follow_up_tab(self):
        """The customer form shows the plan, its status, the next follow-up and
        the compliance rows to the rep, who may propose another plan there."""
        with Form(self.customer_b.with_user(self.rep)) as form:
            self.assertEqual(form.followup_plan_id, self.plan_b)
            self.assertEqual(form.followup_plan_state, "approved")
            self.assertEqual(form.next_followup_date, "2026-11-06")
            self.assertEqual(len(form.followup_compliance_ids), 1)
            form.proposed_followup_plan_id = self.plan_a
        self.assertEqual(self.customer_b.followup_plan_state, "proposed")

    def test_rep_opens_my_follow_ups(self):
        """ "My Follow-ups" lists and shows in a calendar the rep's own ones."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            f"{ADDON}.mail_activity_action_followup"
        )
        Activity = self.env["mail.activity"].with_user(self.rep)
        views = Activity.get_views(
            [(False, "list"), (False, "calendar"), (False, "search")],
            {"action_id": action["id"]},
        )
        self.assertEqual(set(views["views"]), {"list", "calendar", "search"})
        mine = Activity.search(
            [("followup_partner_id", "!=", False), ("user_id", "=", self.rep.id)]
        )
        self.assertEqual(mine.followup_partner_id, self.customer_b)
        followups = self.customer_b.with_user(self.rep).action_view_followups()
        self.assertEqual(Activity.search(followups["domain"]), mine)

    def test_log_follow_up_from_the_customer(self):
        """ "Log Follow-up" on the customer opens the log of its next follow-up."""
        action = self.customer_b.with_user(self.rep).action_log_followup()
        with Form(
            self.env[action["res_model"]]
            .with_user(self.rep)
            .with_context(**action["context"])
        ) as wizard:
            wizard.feedback = "Interested in the new range"
        self.assertEqual(wizard.record.activity_id, self._followups(self.customer_b))

    def test_admin_sets_the_follow_up_delays(self):
        """The settings block sets the logging delay and the greeting days."""
        with Form(self.env["res.config.settings"]) as form:
            form.followup_log_delay_days = 2
            form.followup_greeting_days = 10
        form.record.execute()
        self.assertEqual(
            (
                self.env.company.followup_log_delay_days,
                self.env.company.followup_greeting_days,
            ),
            (2, 10),
        )
