"""P4: each customer's plan is approved by a manager and follows its grade."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .followup_common import MONDAY_9, FollowupCase

TUESDAY_10 = datetime(2026, 11, 3, 10, 0)


class TestFollowupApproval(FollowupCase):
    def test_activation_approves_the_plan_of_the_grade(self):
        """Activating a customer puts its grade's plan in force, approved by the
        manager, and schedules its first follow-up at once."""
        for customer, plan in (
            (self.customer_a, self.plan_a),
            (self.customer_b, self.plan_b),
            (self.customer_c, self.plan_c),
        ):
            self.assertEqual(customer.followup_plan_id, plan)
            self.assertEqual(customer.followup_plan_state, "approved")
            self.assertEqual(customer.followup_plan_grade, customer.customer_grade)
            self.assertEqual(customer.followup_plan_approved_by_id, self.team_manager)
            self.assertEqual(customer.followup_plan_approved_date, MONDAY_9)
            self.assertEqual(len(self._followups(customer)), 1)
        self.assertEqual(self.customer_b.next_followup_date, date(2026, 11, 6))

    def test_a_draft_customer_has_no_plan(self):
        """Customers outside the active process get no plan and no follow-up."""
        draft = self._customer("Draft Co", 200000, self.rep, self.team_east)
        self.assertFalse(draft.followup_plan_id)
        self.assertFalse(draft.followup_plan_state)
        self.assertFalse(self._followups(draft))

    def test_rep_proposes_a_plan_that_waits_for_approval(self):
        """A rep's proposal changes nothing until the team manager approves it;
        the team manager is asked to."""
        customer = self.customer_b.with_user(self.rep)
        with freeze_time(TUESDAY_10):
            customer.proposed_followup_plan_id = self.plan_a
        self.assertEqual(customer.followup_plan_state, "proposed")
        self.assertEqual(customer.followup_plan_id, self.plan_b)
        approval = customer.sudo().activity_search(
            ["crm_standard_process.mail_activity_type_plan_approval"]
        )
        self.assertEqual(approval.user_id, self.team_manager)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            customer.action_approve_followup_plan()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            customer.write({"followup_plan_id": self.plan_a.id})
        self.assertEqual(customer.followup_plan_id, self.plan_b)

    def test_approving_a_proposal_replaces_the_open_followups(self):
        """Once approved, the proposed plan is in force: the open follow-up of
        the former plan gives way to the new plan's, and the chatter says so."""
        self.customer_b.with_user(self.rep).proposed_followup_plan_id = self.plan_a
        old_followup = self._followups(self.customer_b)
        with freeze_time(TUESDAY_10):
            self.customer_b.with_user(self.team_manager).action_approve_followup_plan()
        self.assertEqual(self.customer_b.followup_plan_id, self.plan_a)
        self.assertEqual(self.customer_b.followup_plan_state, "approved")
        self.assertFalse(self.customer_b.proposed_followup_plan_id)
        self.assertFalse(old_followup.active)
        self.assertTrue(old_followup.followup_cancelled, "cancelled, not deleted")
        new_followup = self._followups(self.customer_b)
        self.assertEqual(new_followup.followup_plan_id, self.plan_a)
        self.assertEqual(new_followup.user_id, self.team_manager)
        self.assertEqual(new_followup.date_deadline, date(2026, 11, 13))
        self.assertFalse(
            self.customer_b.sudo().activity_search(
                ["crm_standard_process.mail_activity_type_plan_approval"]
            )
        )
        note = self.customer_b.message_ids[0]
        self.assertIn("approved by", note.body)
        self.assertIn(
            "1 open follow-up(s) of the former plan were cancelled", note.body
        )

    def test_rejecting_a_proposal_keeps_the_plan(self):
        """A rejected proposal is dropped; the plan and its follow-up stay."""
        self.customer_b.with_user(self.rep).proposed_followup_plan_id = self.plan_c
        followup = self._followups(self.customer_b)
        self.customer_b.with_user(self.team_manager).action_reject_followup_plan()
        self.assertEqual(self.customer_b.followup_plan_state, "approved")
        self.assertFalse(self.customer_b.proposed_followup_plan_id)
        self.assertEqual(self._followups(self.customer_b), followup)
        self.assertIn("was not approved", self.customer_b.message_ids[0].body)

    def test_managers_approve_their_own_teams_only(self):
        """Another team's manager may not approve; nothing to approve is an error."""
        self.customer_north.with_user(
            self.rep_other
        ).proposed_followup_plan_id = self.plan_a
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.customer_north.with_user(
                self.team_manager
            ).action_approve_followup_plan()
        with self.assertRaisesRegex(UserError, "No follow-up plan waits"):
            self.customer_b.with_user(self.team_manager).action_approve_followup_plan()
        self.customer_north.with_user(self.sales_admin).action_approve_followup_plan()
        self.assertEqual(self.customer_north.followup_plan_id, self.plan_a)

    def test_proposal_before_activation_still_needs_approval(self):
        """Activation approves the grade's plan; a proposal made on the draft
        keeps waiting for its own approval."""
        customer = self._customer("New Co", 200000, self.rep, self.team_east)
        customer.with_user(self.rep).proposed_followup_plan_id = self.plan_c
        self._activate(customer, self.team_manager)
        self.assertEqual(customer.followup_plan_id, self.plan_b)
        self.assertEqual(customer.followup_plan_state, "proposed")

    def test_grade_change_replaces_future_followups_once_confirmed(self):
        """A rep raising a B customer to A proposes the grade: nothing moves
        until the team manager confirms it; then its open follow-up is
        cancelled for the A plan's, run by the team leader, with a chatter
        note; overdue ones stay."""
        overdue = self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": self.customer_b.id,
                "followup_partner_id": self.customer_b.id,
                "followup_plan_id": self.plan_b.id,
                "followup_slot_date": date(2026, 10, 26),
                "followup_due_date": date(2026, 10, 30),
                "date_deadline": date(2026, 10, 30),
                "user_id": self.rep.id,
            }
        )
        upcoming = self._followups(self.customer_b) - overdue
        with freeze_time(TUESDAY_10):
            self.customer_b.with_user(self.rep).expected_annual_amount = 900000
        self.assertEqual(self.customer_b.customer_grade, "a")
        self.assertTrue(self.customer_b.grade_to_confirm)
        self.assertEqual(self.customer_b.confirmed_grade, "b")
        self.assertEqual(self.customer_b.followup_plan_id, self.plan_b)
        self.assertTrue(upcoming.active)
        self.assertTrue(
            self.customer_b.sudo().activity_search(
                ["crm_standard_process.mail_activity_type_grade_confirmation"],
                user_id=self.team_manager.id,
            )
        )
        with freeze_time(TUESDAY_10):
            self.customer_b.with_user(self.team_manager).action_confirm_grade()
        self.assertEqual(self.customer_b.confirmed_grade, "a")
        self.assertEqual(self.customer_b.followup_plan_id, self.plan_a)
        self.assertFalse(self.customer_b.followup_plan_approved_by_id)
        self.assertTrue(upcoming.exists() and upcoming.followup_cancelled)
        self.assertTrue(overdue.active)
        new_followup = self._followups(self.customer_b) - overdue
        self.assertEqual(new_followup.followup_plan_id, self.plan_a)
        self.assertEqual(new_followup.user_id, self.team_manager)
        notes = " ".join(self.customer_b.message_ids.mapped("body"))
        self.assertIn("The confirmed grade changed from B to A", notes)
        self.assertIn("1 open follow-up(s) of the former plan were cancelled", notes)
        self.assertFalse(
            self.customer_b.sudo().activity_search(
                ["crm_standard_process.mail_activity_type_grade_confirmation"]
            )
        )

    def test_team_managers_grade_change_is_confirmed_at_once(self):
        """A team manager's own change of the grade inputs needs no second
        confirmation: the plan follows at once."""
        with freeze_time(TUESDAY_10):
            self.customer_b.with_user(self.team_manager).expected_annual_amount = 900000
        self.assertEqual(self.customer_b.confirmed_grade, "a")
        self.assertEqual(self.customer_b.grade_confirmed_by_id, self.team_manager)
        self.assertEqual(self.customer_b.followup_plan_id, self.plan_a)

    def test_threshold_change_moves_plans_at_the_next_run(self):
        """Re-grading by new thresholds (set-based SQL, in the re-grade job)
        is caught by the follow-up job."""
        self.env.company.grade_b_threshold = 300000  # B customers become C
        self._run_regrade()
        self.assertEqual(self.customer_b.customer_grade, "c")
        self.assertEqual(self.customer_b.followup_plan_id, self.plan_b)
        self._run_cron(TUESDAY_10)
        self.assertEqual(self.customer_b.followup_plan_id, self.plan_c)
        self.assertEqual(self._followups(self.customer_b).followup_plan_id, self.plan_c)

    def test_account_manager_runs_the_grade_a_followups(self):
        """An account manager set on the customer takes over the A follow-ups
        from the team leader; a new owner takes over the B ones."""
        self.customer_a.with_user(
            self.team_manager
        ).account_manager_id = self.rep_teammate
        self.assertEqual(self._followups(self.customer_a).user_id, self.rep_teammate)
        self.customer_b.with_user(self.team_manager).user_id = self.rep_teammate
        self.assertEqual(self._followups(self.customer_b).user_id, self.rep_teammate)
