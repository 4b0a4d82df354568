"""P10: leads are entered within 24 hours of capture, read as one working day."""

from datetime import datetime, timedelta

from odoo.exceptions import ValidationError

from .lead_common import MONDAY_9, LeadCase

FRIDAY_16 = datetime(2026, 11, 27, 16, 0)


class TestLeadIntake(LeadCase):
    def _entered_late(self, when):
        with self._at(when):
            return self.env["crm.lead"].search([("is_entered_late", "=", True)])

    def test_a_lead_entered_as_captured_is_on_time(self):
        """By default a lead is captured when it is entered."""
        lead = self._lead(MONDAY_9)
        self.assertEqual(lead.capture_date, MONDAY_9)
        self.assertFalse(lead.is_entered_late)

    def test_a_working_day_after_capture_is_on_time_beyond_is_late(self):
        """Captured Friday 16:00: entered by Monday 16:00 is on time (weekend
        and lunch aside), Monday 16:01 is late and found by the "Entered Late"
        filter."""
        on_time = self._lead(datetime(2026, 11, 30, 16, 0), capture_date=FRIDAY_16)
        late = self._lead(datetime(2026, 11, 30, 16, 1), capture_date=FRIDAY_16)
        self.assertFalse(on_time.is_entered_late)
        self.assertTrue(late.is_entered_late)
        found = self._entered_late(datetime(2026, 11, 30, 17, 0))
        self.assertIn(late, found)
        self.assertNotIn(on_time, found)

    def test_correcting_the_capture_date_reassesses_lateness(self):
        """A capture date corrected afterwards is measured against the creation
        (Monday 09:00): Thursday 09:00 was due by Friday 09:00, late; the
        Friday before at 16:00 was due by Monday 16:00, on time."""
        lead = self._lead(MONDAY_9)
        with self._at(datetime(2026, 11, 24, 10, 0)):
            lead.capture_date = MONDAY_9 - timedelta(days=4)
        self.assertTrue(lead.is_entered_late)
        with self._at(datetime(2026, 11, 24, 10, 0)):
            lead.capture_date = FRIDAY_16 - timedelta(days=7)
        self.assertFalse(lead.is_entered_late)

    def test_a_capture_date_in_the_future_is_refused(self):
        """Nobody captures a lead tomorrow; nothing is written."""
        lead = self._lead(MONDAY_9)
        with self._at(MONDAY_9), self.assertRaises(ValidationError):
            lead.capture_date = MONDAY_9 + timedelta(hours=1)
        self.assertEqual(lead.capture_date, MONDAY_9)
