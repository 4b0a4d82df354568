"""P10: the "last follow-up" clock counts real interactions only."""

from datetime import datetime

from .lead_common import MONDAY_9, STALE_TYPE, LeadCase

TUESDAY_10 = datetime(2026, 11, 24, 10, 0)


class TestLeadFollowup(LeadCase):
    def test_a_real_interaction_moves_the_clock(self):
        """A logged call is the last follow-up and starts a new period."""
        lead = self._lead()
        self.assertEqual(lead.followup_clock_date, MONDAY_9)
        self.assertFalse(lead.last_followup_date)
        self._log_call(lead, TUESDAY_10)
        self.assertEqual(lead.last_followup_date, TUESDAY_10)
        self.assertEqual(lead.followup_clock_date, TUESDAY_10)

    def test_writes_leave_the_clock_alone(self):
        """Same-value writes, and edits of the lead, are no follow-up."""
        lead = self._lead()
        with self._at(TUESDAY_10):
            lead.write(
                {
                    "user_id": self.rep.id,
                    "team_id": self.team_east.id,
                    "expected_revenue": 600000,
                }
            )
            lead.write({"description": "Budget confirmed", "priority": "2"})
        self.assertEqual(lead.followup_clock_date, MONDAY_9)
        self.assertFalse(lead.last_followup_date)

    def test_automated_activities_and_reminders_leave_the_clock_alone(self):
        """Activities scheduled for the rep, and a reminder marked done, are no
        follow-up; neither is a to-do done."""
        lead = self._lead()
        with self._at(TUESDAY_10):
            lead.activity_schedule(
                "mail.mail_activity_data_meeting", user_id=self.rep.id
            )
            for xmlid in (STALE_TYPE, "mail.mail_activity_data_todo"):
                lead.with_user(self.rep).activity_schedule(xmlid).action_done()
        self.assertEqual(lead.followup_clock_date, MONDAY_9)
        self.assertFalse(lead.last_followup_date)

    def test_an_activity_type_can_be_made_to_count(self):
        """An admin marks the company's own "Visit" type as customer contact."""
        visit = self.env["mail.activity.type"].create(
            {"name": "Visit", "res_model": "crm.lead"}
        )
        lead = self._lead()
        with self._at(TUESDAY_10):
            lead.with_user(self.rep).activity_schedule(
                activity_type_id=visit.id
            ).action_done()
        self.assertFalse(lead.last_followup_date)
        visit.is_customer_contact = True
        with self._at(TUESDAY_10):
            lead.with_user(self.rep).activity_schedule(
                activity_type_id=visit.id
            ).action_done()
        self.assertEqual(lead.last_followup_date, TUESDAY_10)

    def test_a_new_salesperson_gets_a_fresh_period(self):
        """Reassigning restarts the clock for the moved leads only; a batch
        write that keeps some leads' salesperson leaves theirs alone."""
        kept = self._lead()
        moved = self._lead(user=self.rep_teammate)
        with self._at(TUESDAY_10):
            (kept | moved).write({"user_id": self.rep.id})
        self.assertEqual(kept.followup_clock_date, MONDAY_9)
        self.assertEqual(moved.followup_clock_date, TUESDAY_10)
        self.assertEqual(moved.user_id, self.rep)

    def test_back_to_the_pool_keeps_the_period(self):
        """Unassigning is no follow-up: the period goes on."""
        lead = self._lead()
        with self._at(TUESDAY_10):
            lead.user_id = False
        self.assertEqual(lead.followup_clock_date, MONDAY_9)
