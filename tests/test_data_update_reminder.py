"""The month-end data update: the last working day of the month, one
reminder per owner, and the "data reviewed on" button.

January 2027 ends on a Sunday: Friday 29 January is its last working day
on a Mon-Fri calendar, Thursday 28 when the 29th is a public holiday.
"""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.addons.crm_standard_process.tools import period
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmStandardProcessHttpCase, JsonRpcMatrixMixin
from .monthly_report_common import ADDON, JANUARY, MonthlyReportCase

LAST_WORKING_DAY = datetime(2027, 1, 29, 6, 0)  # Friday
REMINDER = f"{ADDON}.mail_activity_type_data_update"


class TestLastWorkingDay(MonthlyReportCase):
    def _holiday(self, day):
        return self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime.combine(day, datetime.min.time()),
                "date_to": datetime.combine(day, datetime.max.time()).replace(
                    microsecond=0
                ),
            }
        )

    def test_month_ending_on_a_weekend(self):
        """31 January 2027 is a Sunday: the last working day is Friday 29."""
        last = period.last_working_day(JANUARY, self.calendar)
        self.assertEqual(last, date(2027, 1, 29))

    def test_month_ending_on_a_holiday(self):
        """A public holiday (a leave without resource) on Friday 29 moves
        the last working day to Thursday 28; a holiday of one employee
        does not."""
        someone = self.env["resource.resource"].create(
            {"name": "Someone", "calendar_id": self.calendar.id}
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Day off",
                "calendar_id": self.calendar.id,
                "resource_id": someone.id,
                "date_from": datetime(2027, 1, 29),
                "date_to": datetime(2027, 1, 29, 23, 59),
            }
        )
        self.assertEqual(
            period.last_working_day(JANUARY, self.calendar), date(2027, 1, 29)
        )
        self._holiday(date(2027, 1, 29))
        self.assertEqual(
            period.last_working_day(JANUARY, self.calendar), date(2027, 1, 28)
        )

    def test_month_ending_on_a_weekday(self):
        """March 2027 ends on a Wednesday, its last working day; without a
        calendar every day works."""
        self.assertEqual(
            period.last_working_day(date(2027, 3, 1), self.calendar), date(2027, 3, 31)
        )
        self.assertEqual(period.last_working_day(JANUARY, None), date(2027, 1, 31))


class TestDataUpdateReminder(MonthlyReportCase):
    def _reminders(self, user=None):
        domain = [
            ("activity_type_id", "=", self.env.ref(REMINDER).id),
            ("res_model", "=", "crm.monthly.report.month"),
        ]
        if user:
            domain.append(("user_id", "=", user.id))
        return self.env["mail.activity"].search(domain)

    def test_owners_reminded_once_on_the_last_working_day(self):
        """On Friday 29 January each owner of active customers is reminded
        once, on January's report month; the days before, the job reminds
        nobody; run again that day or on the weekend, nobody twice."""
        self._run_month_end(datetime(2027, 1, 28, 6))
        self.assertFalse(self._reminders())
        self._run_month_end(LAST_WORKING_DAY)
        self._run_month_end(datetime(2027, 1, 29, 18))
        self._run_month_end(datetime(2027, 1, 30, 6))
        self._run_month_end(datetime(2027, 1, 31, 6))
        for owner in (self.rep, self.rep_teammate, self.rep_other):
            reminder = self._reminders(owner)
            self.assertEqual(len(reminder), 1, owner.login)
            self.assertEqual(reminder.date_deadline, date(2027, 1, 29))
            self.assertEqual(reminder.res_id, self._month(JANUARY).id)
        self.assertIn("2 of your customers", str(self._reminders(self.rep).note))
        self.assertIn(
            "/odoo/action-crm_standard_process.res_partner_action_data_update",
            str(self._reminders(self.rep).note),
        )
        self.assertFalse(self._reminders(self.team_manager), "owns no customer")
        self.assertLessEqual(
            {self.rep.id, self.rep_teammate.id, self.rep_other.id},
            set(self._month(JANUARY).data_update_user_ids.ids),
        )

    def test_reviewed_customers_remind_nobody(self):
        """An owner whose customers were all reviewed this month, or whose
        customers are no longer active, is not reminded."""
        with freeze_time("2027-01-12"):
            self.customer_north.with_user(self.rep_other).action_mark_data_reviewed()
        self.customer_c.write({"profile_state": "archived"})
        self._run_month_end(LAST_WORKING_DAY)
        self.assertFalse(self._reminders(self.rep_other))
        self.assertFalse(self._reminders(self.rep_teammate))
        self.assertTrue(self._reminders(self.rep))

    def test_reviewed_last_month_counts_as_not_reviewed(self):
        """A review of December does not cover January."""
        with freeze_time("2026-12-30"):
            self.customer_north.with_user(self.rep_other).action_mark_data_reviewed()
        self._run_month_end(LAST_WORKING_DAY)
        self.assertTrue(self._reminders(self.rep_other))

    def test_holiday_moves_the_reminder(self):
        """With Friday 29 a public holiday, the reminder comes on Thursday 28."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2027, 1, 29),
                "date_to": datetime(2027, 1, 29, 23, 59),
            }
        )
        self._run_month_end(datetime(2027, 1, 28, 6))
        self.assertEqual(len(self._reminders(self.rep)), 1)
        self._run_month_end(LAST_WORKING_DAY)
        self.assertEqual(len(self._reminders(self.rep)), 1)

    def test_reminder_in_the_owner_language(self):
        """The reminder's summary is the activity type's, in the owner's
        language."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.rep_other.lang = "fr_FR"
        self.env.ref(REMINDER).with_context(
            lang="fr_FR"
        ).summary = "Mettez à jour les données de vos clients"
        self._run_month_end(LAST_WORKING_DAY)
        self.assertEqual(
            self._reminders(self.rep_other).summary,
            "Mettez à jour les données de vos clients",
        )
        self.assertEqual(
            self._reminders(self.rep).summary, "Update your customers' data"
        )

    def test_cron_twice_through_its_xmlid(self):
        """The scheduled job twice in a row on the last working day: one
        reminder per owner."""
        cron = self.env.ref(f"{ADDON}.ir_cron_month_end")
        with freeze_time(LAST_WORKING_DAY):
            cron.method_direct_trigger()
            cron.method_direct_trigger()
        self.assertEqual(len(self._reminders(self.rep)), 1)
        self.assertEqual(len(self._reminders(self.rep_other)), 1)

    def test_reminder_opens_the_owner_customers_to_update(self):
        """From the month record, the owner opens their customers whose data
        waits for review."""
        self._run_month_end(LAST_WORKING_DAY)
        action = self._month(JANUARY).with_user(self.rep).action_view_data_update()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertIn("search_default_data_update_due", action["context"])


class TestMarkDataReviewed(MonthlyReportCase):
    def test_owner_marks_reviewed_one_by_one_and_in_bulk(self):
        """The button dates the review today, for one customer or several."""
        with freeze_time("2027-01-20"):
            self.customer_a.with_user(self.rep).action_mark_data_reviewed()
            self.assertEqual(self.customer_a.data_reviewed_date, date(2027, 1, 20))
        with freeze_time("2027-01-21"):
            (self.customer_a | self.customer_b).with_user(
                self.team_manager
            ).action_mark_data_reviewed()
        self.assertEqual(
            (self.customer_a | self.customer_b).mapped("data_reviewed_date"),
            [date(2027, 1, 21)] * 2,
        )

    def test_bad_inputs(self):
        """A contact or a partner outside the process has no data review;
        nothing is written."""
        outsider = self.env["res.partner"].create(
            {"name": "Vendor", "is_company": True}
        )
        with self.assertRaises(UserError):
            (self.customer_a | outsider).action_mark_data_reviewed()
        self.assertFalse(self.customer_a.data_reviewed_date)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_access(self):
        """The date is the button's: nobody writes it directly, and a rep
        cannot mark another team's customer."""
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.rep).write(
                {"data_reviewed_date": "2027-01-01"}
            )
        with self.assertRaises(AccessError):
            self.customer_north.with_user(self.rep).action_mark_data_reviewed()


@tagged("post_install", "-at_install")
class TestMarkDataReviewedRpc(JsonRpcMatrixMixin, CrmStandardProcessHttpCase):
    rpc_model = "res.partner"

    def test_rep_sets_the_date_only_through_the_button(self):
        """Over JSON-RPC a rep cannot write the date, but the button works."""
        rep = self.env["res.users"].create(
            {
                "name": "RPC rep",
                "login": "csp_rpc_reviewer",
                "password": "csp_rpc_reviewer",
                "groups_id": [
                    (6, 0, [self.env.ref("sales_team.group_sale_salesman").id])
                ],
            }
        )
        customer = self.env["res.partner"].create(
            {
                "name": "RPC customer",
                "is_company": True,
                "profile_state": "active",
                "user_id": rep.id,
            }
        )
        self.authenticate(rep.login, rep.login)
        self.assertEqual(
            self._writable({"own": customer}, {"data_reviewed_date": "2027-01-01"}),
            set(),
        )
        self._call("action_mark_data_reviewed", [customer.ids])
        self.assertTrue(customer.data_reviewed_date)
