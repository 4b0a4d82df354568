"""P10: A/B leads are contacted for the first time within 48 hours, read as
two working days on the company's calendar; only real interactions count."""

from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from .lead_common import MONDAY_9, STALE_TYPE, LeadCase

FRIDAY_15 = datetime(2026, 11, 27, 15, 0)


class TestFirstContact(LeadCase):
    def _overdue(self, when):
        with self._at(when):
            return self.env["crm.lead"].search([("first_contact_overdue", "=", True)])

    def test_deadline_is_two_working_days_after_creation(self):
        """Monday 09:00 must be contacted by Wednesday 09:00."""
        self.assertEqual(
            self._lead(MONDAY_9).first_contact_deadline, datetime(2026, 11, 25, 9, 0)
        )

    def test_deadline_skips_the_weekend(self):
        """Friday 15:00 must be contacted by Tuesday 15:00."""
        self.assertEqual(
            self._lead(FRIDAY_15).first_contact_deadline, datetime(2026, 12, 1, 15, 0)
        )

    def test_deadline_skips_the_lunch_break(self):
        """Created Monday 12:30, in the lunch break: due Wednesday 12:00."""
        lead = self._lead(datetime(2026, 11, 23, 12, 30))
        self.assertEqual(lead.first_contact_deadline, datetime(2026, 11, 25, 12, 0))

    def test_deadline_skips_a_public_holiday(self):
        """A public holiday on Monday moves Friday's deadline to Wednesday."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 30, 0, 0),
                "date_to": datetime(2026, 11, 30, 23, 59, 59),
            }
        )
        self.assertEqual(
            self._lead(FRIDAY_15).first_contact_deadline, datetime(2026, 12, 2, 15, 0)
        )

    def test_without_a_calendar_the_deadline_is_48_clock_hours(self):
        """A company without working calendar counts round the clock."""
        self.company.resource_calendar_id = False
        self.assertEqual(
            self._lead(FRIDAY_15).first_contact_deadline, datetime(2026, 11, 29, 15, 0)
        )

    def test_c_leads_have_no_deadline_until_they_become_b(self):
        """A C lead carries no deadline; upgraded to B, it gets two working days
        from the upgrade, not from its creation."""
        lead = self._lead(expected_revenue=20000)
        self.assertEqual(lead.customer_grade, "c")
        self.assertFalse(lead.first_contact_deadline)
        with self._at(datetime(2026, 11, 25, 10, 0)):
            lead.need_clarity = "clear"
        self.assertEqual(lead.customer_grade, "b")
        self.assertEqual(lead.first_contact_deadline, datetime(2026, 11, 27, 10, 0))
        self.assertNotIn(lead, self._overdue(datetime(2026, 11, 26, 10, 0)))

    def test_logged_call_meets_the_first_contact(self):
        """A call logged by the rep is the first contact: never overdue after."""
        lead = self._lead()
        self._log_call(lead, datetime(2026, 11, 24, 10, 0))
        self.assertEqual(lead.first_contact_date, datetime(2026, 11, 24, 10, 0))
        self._log_call(lead, datetime(2026, 11, 26, 10, 0))
        self.assertEqual(lead.first_contact_date, datetime(2026, 11, 24, 10, 0))
        self.assertNotIn(lead, self._overdue(datetime(2026, 11, 27, 10, 0)))

    def test_message_sent_to_the_customer_meets_the_first_contact(self):
        """An e-mail sent from the chatter by a colleague is a contact."""
        lead = self._lead()
        with self._at(datetime(2026, 11, 24, 11, 0)):
            lead.with_user(self.rep).message_post(
                body="Our catalogue, as promised",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(lead.first_contact_date, datetime(2026, 11, 24, 11, 0))

    def test_notes_automated_posts_and_reminders_are_not_a_contact(self):
        """A note, an activity scheduled or a reminder done, an OdooBot post and
        the customer's own e-mail leave the lead uncontacted, then overdue."""
        lead = self._lead()
        customer = self.env["res.partner"].create(
            {"name": "Buyer", "email": "buyer@customer.example.com"}
        )
        with self._at(datetime(2026, 11, 24, 10, 0)):
            rep_lead = lead.with_user(self.rep)
            rep_lead.message_post(
                body="Called, no answer", subtype_xmlid="mail.mt_note"
            )
            rep_lead.activity_schedule("mail.mail_activity_data_call", summary="Call")
            for xmlid in (STALE_TYPE, "mail.mail_activity_data_todo"):
                rep_lead.activity_schedule(xmlid, summary="Reminder").action_done()
            lead.message_post(
                body="Automatic acknowledgement",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.env.ref("base.partner_root").id,
            )
            lead.message_post(
                body="When can you come?",
                message_type="email",
                subtype_xmlid="mail.mt_comment",
                author_id=customer.id,
            )
        self.assertFalse(lead.first_contact_date)
        self.assertFalse(lead.last_followup_date)
        self.assertNotIn(lead, self._overdue(datetime(2026, 11, 25, 8, 59)))
        self.assertIn(lead, self._overdue(datetime(2026, 11, 25, 9, 0)))
        with self._at(datetime(2026, 11, 25, 9, 0)):
            self.assertTrue(lead.first_contact_overdue)

    def test_overdue_filter_skips_c_won_and_lost_leads(self):
        """Only open A/B leads past the deadline without contact are overdue."""
        overdue = self._lead()
        c_lead = self._lead(expected_revenue=0)
        won = self._lead()
        won.stage_id = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lost = self._lead()
        lost.action_set_lost()
        found = self._overdue(datetime(2026, 11, 26, 9, 0))
        self.assertIn(overdue, found)
        self.assertNotIn(c_lead, found)
        self.assertNotIn(won, found)
        with self._at(datetime(2026, 11, 26, 9, 0)):
            not_overdue = self.env["crm.lead"].search(
                [("first_contact_overdue", "=", False)]
            )
        self.assertIn(c_lead, not_overdue)
        self.assertNotIn(overdue, not_overdue)
        self.assertNotIn(lost, found)

    def test_rep_logs_a_contact_on_own_lead_only(self):
        """The rep's call on their own lead counts; a teammate's lead is out of
        reach, so no contact can be logged there."""
        own = self._lead()
        teammates = self._lead(user=self.rep_teammate)
        self._log_call(own, datetime(2026, 11, 24, 10, 0))
        self.assertTrue(own.first_contact_date)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self._log_call(teammates, datetime(2026, 11, 24, 10, 0))
        self.assertFalse(teammates.first_contact_date)
