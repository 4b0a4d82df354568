"""P5: logging follow-ups, on time or late, and the monthly compliance rows."""

from datetime import date, datetime, time, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests.common import users
from odoo.tools import mute_logger

from .followup_common import MONDAY, FollowupCase

NOVEMBER = date(2026, 11, 1)


class TestFollowupCompliance(FollowupCase):
    def _row(self, customer, user, month=NOVEMBER):
        return self.env["crm.followup.compliance"].search(
            [
                ("partner_id", "=", customer.id),
                ("user_id", "=", user.id),
                ("month_date", "=", month),
            ]
        )

    def _figures(self, row):
        return (
            row.required_count,
            row.done_count,
            row.on_time_count,
            row.compliance_rate,
        )

    def test_logged_within_one_working_day_is_on_time(self):
        """Due on Friday 6: logged on Monday 9 is on time, on Tuesday 10 late."""
        on_time = self._log(
            self._followups(self.customer_north), datetime(2026, 11, 9, 16, 0)
        )
        late = self._log(self._followups(self.customer_b), datetime(2026, 11, 10, 9, 0))
        self.assertEqual(on_time.date_done, date(2026, 11, 9))
        self.assertTrue(on_time.followup_on_time)
        self.assertFalse(late.followup_on_time)
        self.assertFalse(late.active)
        # each log scheduled the follow-up due on Friday 13: 2 required so far
        self.assertEqual(
            self._figures(self._row(self.customer_north, self.rep_other)),
            (2, 1, 1, 50.0),
        )
        self.assertEqual(
            self._figures(self._row(self.customer_b, self.rep)), (2, 1, 0, 0.0)
        )

    def test_public_holiday_gives_one_more_day(self):
        """With Monday 9 a public holiday, logging on Tuesday 10 is on time."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 9, 0, 0),
                "date_to": datetime(2026, 11, 9, 23, 59, 59),
            }
        )
        followup = self._log(
            self._followups(self.customer_b), datetime(2026, 11, 10, 9, 0)
        )
        self.assertTrue(followup.followup_on_time)

    def test_logging_delay_is_a_company_setting(self):
        """With no delay allowed, only logging on the due date itself is on time."""
        settings = self.env["res.config.settings"].create(
            {"followup_log_delay_days": 0}
        )
        settings.execute()
        self.assertEqual(self.env.company.followup_log_delay_days, 0)
        late = self._log(self._followups(self.customer_b), datetime(2026, 11, 9, 9, 0))
        on_time = self._log(
            self._followups(self.customer_north), datetime(2026, 11, 6, 16, 0)
        )
        self.assertFalse(late.followup_on_time)
        self.assertTrue(on_time.followup_on_time)
        with self.assertRaisesRegex(ValidationError, "logging delay"):
            self.env.company.followup_log_delay_days = -1

    def test_a_month_of_followups_per_grade(self):
        """Over November, A needs 2 follow-ups, B one a week (4), C one a
        fortnight (2); done and on-time counts and the rate follow the logs."""
        customers = (
            self.customer_a | self.customer_b | self.customer_c | self.customer_north
        )
        # logged on the due date, except one A logged late and the second C and
        # every follow-up of the north customer never logged
        log_on = {(self.customer_a, date(2026, 11, 13)): date(2026, 11, 17)}
        never = {(self.customer_c, date(2026, 11, 27))}
        day = MONDAY
        while day <= date(2026, 11, 30):
            self._run_cron(datetime.combine(day, time(7, 0)))
            for followup in self._followups(customers - self.customer_north):
                key = (followup.followup_partner_id, followup.followup_due_date)
                if key not in never and log_on.get(key, key[1]) == day:
                    self._log(
                        followup, datetime.combine(day, time(16, 0)), feedback="ok"
                    )
            day += timedelta(days=1)
        self._run_cron(datetime(2026, 12, 1, 7, 0))
        self.assertEqual(
            self._figures(self._row(self.customer_a, self.team_manager)),
            (2, 2, 1, 50.0),
        )
        self.assertEqual(
            self._figures(self._row(self.customer_b, self.rep)), (4, 4, 4, 100.0)
        )
        self.assertEqual(
            self._figures(self._row(self.customer_c, self.rep_teammate)),
            (2, 1, 1, 50.0),
        )
        self.assertEqual(
            self._figures(self._row(self.customer_north, self.rep_other)),
            (4, 0, 0, 0.0),
        )
        december = self._row(self.customer_b, self.rep, date(2026, 12, 1))
        self.assertEqual(self._figures(december), (1, 0, 0, 0.0))
        self.assertEqual(december.team_id, self.team_east)
        self.assertEqual(december.customer_grade, "b")

    def test_reassigned_followups_move_to_the_new_assignee(self):
        """When the owner changes, the open follow-up and its row move."""
        self.customer_b.user_id = self.rep_teammate
        self.assertFalse(self._row(self.customer_b, self.rep))
        self.assertEqual(
            self._figures(self._row(self.customer_b, self.rep_teammate)), (1, 0, 0, 0.0)
        )

    def test_wizard_logs_feedback_needs_commitments_and_moves_the_stage(self):
        """The log asks for feedback, changed needs and commitments, posts them
        in the customer's chatter and moves the opportunity to a new stage."""
        lead = self.lead_rep
        lead.partner_id = self.customer_b
        proposition = self.env.ref("crm.stage_lead3")
        followup = self._followups(self.customer_b)
        action = followup.with_user(self.rep).action_open_followup_done_wizard()
        wizard = (
            self.env["crm.followup.done.wizard"]
            .with_user(self.rep)
            .with_context(**action["context"])
            .create(
                {
                    "feedback": "Happy with the trial",
                    "needs_changed": "Two more warehouses",
                    "commitments": "Quote by Friday",
                    "stage_id": proposition.id,
                }
            )
        )
        self.assertEqual(wizard.lead_id, lead)
        wizard.action_done()
        self.assertFalse(followup.active)
        self.assertEqual(followup.followup_needs_changed, "Two more warehouses")
        self.assertEqual(followup.followup_commitments, "Quote by Friday")
        self.assertEqual(lead.stage_id, proposition)
        body = self.customer_b.message_ids[0].body
        for text in (
            "Happy with the trial",
            "Changed needs: Two more warehouses",
            "Commitments: Quote by Friday",
            "moved to",
        ):
            self.assertIn(text, body)

    def test_wizard_refuses_bad_input(self):
        """A stage without opportunity, another customer's opportunity, a done
        follow-up or an activity outside a plan are refused, and nothing is
        written."""
        followup = self._followups(self.customer_b)
        stage = self.env.ref("crm.stage_lead3")
        with self.assertRaisesRegex(UserError, "Choose the opportunity"):
            self._log(
                followup, datetime(2026, 11, 3, 9, 0), stage_id=stage.id, lead_id=False
            )
        self.lead_other_team.partner_id = self.customer_north
        with self.assertRaisesRegex(UserError, "is not an opportunity of"):
            self._log(
                followup, datetime(2026, 11, 3, 9, 0), lead_id=self.lead_other_team.id
            )
        self.assertTrue(followup.active)
        self.assertFalse(followup.followup_needs_changed)
        self._log(followup, datetime(2026, 11, 3, 9, 0))
        with self.assertRaisesRegex(UserError, "Only an open follow-up"):
            followup.action_open_followup_done_wizard()
        todo = self.customer_b.activity_schedule("mail.mail_activity_data_todo")
        with self.assertRaisesRegex(UserError, "Only an open follow-up"):
            todo.action_open_followup_done_wizard()

    def test_done_and_schedule_next_opens_the_follow_up_log(self):
        """The chatter's "Done & Schedule Next" on a follow-up opens the log with
        the feedback typed; on other activities it keeps Odoo's behaviour."""
        followup = self._followups(self.customer_b).with_user(self.rep)
        action = followup.action_feedback_schedule_next(feedback="Busy, call back")
        self.assertEqual(action["res_model"], "crm.followup.done.wizard")
        wizard = (
            self.env["crm.followup.done.wizard"]
            .with_user(self.rep)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.feedback, "Busy, call back")
        self.assertTrue(followup.active)
        todo = self.customer_b.activity_schedule("mail.mail_activity_data_todo")
        action = todo.action_feedback_schedule_next(feedback="ok")
        self.assertEqual(action["res_model"], "mail.activity")
        self.assertFalse(todo.exists())

    def test_standard_mark_as_done_counts_too(self):
        """Marked done from the chatter, a follow-up counts the same."""
        followup = self._followups(self.customer_b)
        with freeze_time(datetime(2026, 11, 6, 11, 0)):
            followup.with_user(self.rep).action_feedback(feedback="Called")
        self.assertTrue(followup.followup_on_time)
        self.assertEqual(self.customer_b.next_followup_date, date(2026, 11, 13))
        self.assertEqual(
            self._figures(self._row(self.customer_b, self.rep)), (2, 1, 1, 50.0)
        )

    def test_reps_cannot_cancel_plan_followups(self):
        """Compliance cannot be dodged by deleting a follow-up; a team manager
        may cancel one, and the row drops it."""
        followup = self._followups(self.customer_b)
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            followup.with_user(self.rep).unlink()
        followup.with_user(self.team_manager).unlink()
        self.assertFalse(self._row(self.customer_b, self.rep))

    def test_rows_visible_by_role(self):
        """Reps read their own rows, team managers their teams', admins all;
        nobody edits them."""
        Compliance = self.env["crm.followup.compliance"]
        expected = {
            self.rep: self.customer_b,
            self.rep_teammate: self.customer_c,
            self.team_manager: self.customer_a | self.customer_b | self.customer_c,
            self.all_documents: self.customer_a
            | self.customer_b
            | self.customer_c
            | self.customer_north,
            self.sales_admin: self.customer_a
            | self.customer_b
            | self.customer_c
            | self.customer_north,
        }
        everyone = expected[self.sales_admin]
        for user, customers in expected.items():
            rows = Compliance.with_user(user).search(
                [("partner_id", "in", everyone.ids)]
            )
            self.assertEqual(rows.partner_id, customers, user.login)
        own = Compliance.with_user(self.rep).search([])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            own.write({"done_count": 5})

    @users("csp_rep")
    def test_rep_works_on_their_own_followups(self):
        """A rep lists and logs the follow-ups of their customers."""
        followups = self.env["mail.activity"].search(
            [("followup_partner_id", "!=", False), ("user_id", "=", self.env.uid)]
        )
        self.assertEqual(followups.followup_partner_id, self.customer_b)
        self._log(followups, datetime(2026, 11, 5, 9, 0), feedback="ok")
        self.assertFalse(followups.active)
