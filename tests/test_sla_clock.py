"""The SLA clock: working hours, lunch, weekends, public holidays, pauses."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.addons.crm_standard_process import sla_clock

from .complaint_common import MONDAY_9, ComplaintCase


class TestSlaClock(ComplaintCase):
    def test_monday_nine_deadlines(self):
        """Monday 09:00: respond by 11:00, solve by Tuesday or Wednesday 09:00."""
        sales = self._ticket(scope="sales_service")
        technical = self._ticket(scope="product_technical")
        self.assertEqual(sales.response_deadline, datetime(2026, 11, 23, 11, 0))
        self.assertEqual(sales.resolution_deadline, datetime(2026, 11, 24, 9, 0))
        self.assertEqual(technical.resolution_deadline, datetime(2026, 11, 25, 9, 0))

    def test_friday_afternoon_responds_on_monday(self):
        """Friday 16:30 on an 8-17 calendar must respond by Monday 09:30."""
        ticket = self._ticket(datetime(2026, 11, 27, 16, 30))
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 30, 9, 30))

    def test_lunch_break_does_not_count(self):
        """Monday 11:00 plus two working hours is 14:00, lunch skipped."""
        ticket = self._ticket(datetime(2026, 11, 23, 11, 0))
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 14, 0))

    def test_public_holiday_does_not_count(self):
        """A public holiday on Monday moves Friday's deadline to Tuesday."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 30, 0, 0),
                "date_to": datetime(2026, 11, 30, 23, 59, 59),
            }
        )
        ticket = self._ticket(datetime(2026, 11, 27, 16, 30))
        self.assertEqual(ticket.response_deadline, datetime(2026, 12, 1, 9, 30))

    def test_pause_moves_deadlines_by_paused_time(self):
        """An hour spent waiting on the customer moves each deadline by an hour."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 9, 30)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 23, 10, 30)):
            ticket.action_resume()
        self.assertAlmostEqual(ticket.paused_working_hours, 1.0)
        self.assertAlmostEqual(ticket.paused_clock_hours, 1.0)
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 12, 0))
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 24, 10, 0))

    def test_pause_over_night_counts_working_and_clock_time_apart(self):
        """Paused from 16:00 to 09:00 next day: 2 working hours, 17 clock hours."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 16, 0)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 24, 9, 0)):
            ticket.action_resume()
        self.assertAlmostEqual(ticket.paused_working_hours, 2.0)
        self.assertAlmostEqual(ticket.paused_clock_hours, 17.0)
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 14, 0))
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 25, 2, 0))

    def test_times_to_response_and_resolution_are_working_hours(self):
        """Response and resolution times are stored net of pauses, with met flags."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            ticket.action_start()
        with freeze_time(datetime(2026, 11, 23, 14, 0)):
            ticket.resolution = "<p>Sent the parts by express</p>"
            ticket.action_solve()
        self.assertAlmostEqual(ticket.response_time, 1.0)
        self.assertTrue(ticket.response_sla_met)
        self.assertAlmostEqual(ticket.resolution_time, 5.0)
        self.assertTrue(ticket.resolution_sla_met)
        self.assertEqual(MONDAY_9, ticket.sla_start_date)

    def test_working_days_skip_weekends_and_public_holidays(self):
        """Working days of a week with a public holiday on Wednesday."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 25, 0, 0),
                "date_to": datetime(2026, 11, 25, 23, 59, 59),
            }
        )
        days = sla_clock.working_days(
            date(2026, 11, 23), date(2026, 11, 29), self.calendar
        )
        self.assertEqual([d.day for d in days], [23, 24, 26, 27])
        self.assertEqual(
            len(sla_clock.working_days(date(2026, 11, 23), date(2026, 11, 29))), 7
        )
        self.assertEqual(
            sla_clock.next_working_day(date(2026, 11, 25), self.calendar),
            date(2026, 11, 26),
        )
        self.assertEqual(
            sla_clock.add_working_days(date(2026, 11, 24), 1, self.calendar),
            date(2026, 11, 26),
        )

    def test_one_working_day_after_friday_is_monday(self):
        """Friday plus one working day is Monday; zero days is the day itself."""
        friday = date(2026, 11, 27)
        self.assertEqual(
            sla_clock.add_working_days(friday, 1, self.calendar), date(2026, 11, 30)
        )
        self.assertEqual(sla_clock.add_working_days(friday, 0, self.calendar), friday)
        self.assertEqual(sla_clock.add_working_days(friday, 1), date(2026, 11, 28))
