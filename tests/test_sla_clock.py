"""The SLA clock: working hours, lunch, weekends, public holidays, pauses."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.addons.crm_standard_process.tools import sla_clock

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

    def test_without_any_calendar_the_clock_runs_round_the_clock(self):
        """No calendar on the policy nor the company: working hours are clock
        hours, a pause and the measured times included, not a crash nor zero."""
        self.env.company.resource_calendar_id = False
        ticket = self._ticket(datetime(2026, 11, 27, 16, 30), resolution="<p>Ok</p>")
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 27, 18, 30))
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 28, 16, 30))
        self.assertEqual(ticket.sla_warning_date, datetime(2026, 11, 27, 18, 0))
        with freeze_time(datetime(2026, 11, 27, 17, 0)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 27, 20, 0)):
            ticket.action_resume()
        self.assertAlmostEqual(ticket.paused_working_hours, 3.0)
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 27, 21, 30))
        with freeze_time(datetime(2026, 11, 27, 21, 0)):
            ticket.action_start()
        self.assertAlmostEqual(ticket.response_time, 1.5)
        self.assertTrue(ticket.response_sla_met)
        with freeze_time(datetime(2026, 11, 28, 10, 0)):
            ticket.action_solve()
        self.assertAlmostEqual(ticket.resolution_time, 14.5)
        no_calendar = self.env["resource.calendar"]
        self.assertEqual(
            sla_clock.add_hours(MONDAY_9, 2, no_calendar), datetime(2026, 11, 23, 11)
        )
        self.assertEqual(
            sla_clock.hours_between(MONDAY_9, datetime(2026, 11, 24, 10), no_calendar),
            25.0,
        )

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
        """Response and resolution times are stored in working hours, with met flags."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            ticket.action_start()
        with freeze_time(datetime(2026, 11, 23, 14, 0)):
            ticket.resolution = "<p>Sent the parts by express</p>"
            ticket.action_solve()
        self.assertAlmostEqual(ticket.response_time, 1.0)
        self.assertTrue(ticket.response_sla_met)
        # 09:00-14:00 less the lunch hour, though the target runs round the clock
        self.assertAlmostEqual(ticket.resolution_time, 4.0)
        self.assertTrue(ticket.resolution_sla_met)
        self.assertEqual(MONDAY_9, ticket.sla_start_date)

    def test_resolution_time_leaves_out_the_pause(self):
        """Paused 11:00-13:30 (1.5 working hours), solved at 15:00: 3.5 hours."""
        ticket = self._ticket(resolution="<p>Replaced the sensor</p>")
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            ticket.action_start()
        with freeze_time(datetime(2026, 11, 23, 11, 0)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 23, 13, 30)):
            ticket.action_resume()
        with freeze_time(datetime(2026, 11, 23, 15, 0)):
            ticket.action_solve()
        self.assertAlmostEqual(ticket.resolution_time, 3.5)
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 24, 11, 30))

    def test_warning_comes_at_three_quarters_of_the_target(self):
        """75 % of 2 working hours from Monday 09:00 is 10:30."""
        ticket = self._ticket()
        self.assertEqual(ticket.sla_warning_date, datetime(2026, 11, 23, 10, 30))
        self.assertEqual(ticket.sla_deadline, ticket.response_deadline)

    def test_resolution_runs_round_the_clock_over_the_weekend(self):
        """From Friday 16:30 a solution is due Saturday or Sunday 16:30."""
        friday = datetime(2026, 11, 27, 16, 30)
        sales = self._ticket(friday, scope="sales_service")
        technical = self._ticket(friday, scope="product_technical")
        self.assertEqual(sales.resolution_deadline, datetime(2026, 11, 28, 16, 30))
        self.assertEqual(technical.resolution_deadline, datetime(2026, 11, 29, 16, 30))

    def test_pause_over_the_weekend_counts_working_hours_only(self):
        """Paused Friday 16:00 to Monday 09:00: 2 working hours, 65 clock hours."""
        ticket = self._ticket(datetime(2026, 11, 27, 15, 0))
        with freeze_time(datetime(2026, 11, 27, 16, 0)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 30, 9, 0)):
            ticket.action_resume()
        self.assertAlmostEqual(ticket.paused_working_hours, 2.0)
        self.assertAlmostEqual(ticket.paused_clock_hours, 65.0)
        # Friday 15:00 + 2 + 2 working hours; Saturday 15:00 + 65 hours
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 30, 10, 0))
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 12, 1, 8, 0))

    def test_response_deadline_stays_once_responded(self):
        """After the response, pauses and edits move the resolution deadline only."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            ticket.action_start()
        with freeze_time(datetime(2026, 11, 23, 10, 30)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 23, 11, 30)):
            ticket.action_resume()
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 11, 0))
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 24, 10, 0))
        ticket.scope = "product_technical"
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 11, 0))
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 25, 10, 0))
        self.assertTrue(ticket.response_sla_met)

    def test_finished_tickets_keep_their_policy_and_deadlines(self):
        """Correcting a solved ticket's scope does not rewrite its SLA history."""
        ticket = self._ticket(resolution="<p>Done</p>")
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            ticket.action_start()
            ticket.action_solve()
        policy = ticket.sla_id
        ticket.scope = "product_technical"
        self.assertEqual(ticket.sla_id, policy)
        self.assertEqual(ticket.resolution_deadline, datetime(2026, 11, 24, 9, 0))

    def test_remaining_time_counts_down(self):
        """The countdown shows the hours left to the running deadline, then overdue."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            ticket.invalidate_recordset(["sla_remaining_hours"])
            self.assertAlmostEqual(ticket.sla_remaining_hours, 1.0)
        with freeze_time(datetime(2026, 11, 23, 11, 30)):
            ticket.invalidate_recordset(["sla_remaining_hours"])
            self.assertAlmostEqual(ticket.sla_remaining_hours, -0.5)
        ticket.cancel_reason = "Test"
        ticket.action_cancel()
        self.assertFalse(ticket.sla_remaining_hours)


class TestSlaClockFunctions(ComplaintCase):
    """The engine itself, as follow-ups and leads will call it."""

    def test_functions_on_a_calendar_and_round_the_clock(self):
        """add_hours, hours_between and warning_moment agree with each other."""
        friday = datetime(2026, 11, 27, 16, 30)
        monday = datetime(2026, 11, 30, 9, 30)
        self.assertEqual(sla_clock.add_hours(friday, 2, self.calendar), monday)
        self.assertAlmostEqual(
            sla_clock.hours_between(friday, monday, self.calendar), 2
        )
        self.assertAlmostEqual(sla_clock.hours_between(friday, monday), 65)
        self.assertEqual(sla_clock.hours_between(monday, friday, self.calendar), 0)
        self.assertEqual(sla_clock.add_hours(friday, 0, self.calendar), friday)
        self.assertEqual(
            sla_clock.warning_moment(MONDAY_9, 2, 75, self.calendar),
            datetime(2026, 11, 23, 10, 30),
        )

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
