"""The quarterly review: high value and churn risk, their reasons and their
tasks, once a quarter.

The job runs on 4 January 2027 and reviews the fourth quarter of 2026
(1 October - 31 December; the previous quarter July - September)::

    customer_a      a call on 1 Dec; won 600,000 in Dec (>= grade A threshold)
                    -> high value; satisfaction 5, no breach -> no churn risk
    customer_b      active since 10 Dec; ticket_b breached, score 3 after a 5
                    in September -> churn risk (satisfaction falling, breach)
    customer_c      active since 2 Jan, nothing else -> neither
    customer_north  active since June, never contacted, a score of 2 in
                    November -> churn risk (no contact, low score)
    customer_a2     grade A, a call in Dec, scores 4 and 5 over the year, no
                    breach, nothing won -> high value by satisfaction
"""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError

from .monthly_report_common import ADDON, CLOSING_DAY, MonthlyReportCase

RETENTION = f"{ADDON}.mail_activity_type_retention"
ONE_TO_ONE = f"{ADDON}.mail_activity_type_one_to_one_plan"


class TestQuarterlyReview(MonthlyReportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._log_call(cls.customer_a, cls.rep, datetime(2026, 12, 1, 10))
        cls._ticket(
            cls.customer_b,
            datetime(2026, 9, 1, 9),
            closed=datetime(2026, 9, 10, 9),
            times=(1.0, 5.0),
            met=(True, True),
            score="5",
        )
        cls._ticket(
            cls.customer_north,
            datetime(2026, 11, 2, 9),
            closed=datetime(2026, 11, 5, 9),
            times=(1.0, 5.0),
            met=(True, True),
            score="2",
        )
        cls.customer_a2 = cls._customer(
            "Donghai Shipyard",
            700000,
            cls.rep_teammate,
            cls.team_east,
            date(2025, 1, 6),
        )
        cls.customer_a2.account_manager_id = cls.team_manager
        cls._log_call(cls.customer_a2, cls.rep_teammate, datetime(2026, 12, 2, 10))
        for received, score in (
            (datetime(2026, 3, 2, 9), "4"),
            (datetime(2026, 10, 5, 9), "5"),
        ):
            cls._ticket(
                cls.customer_a2,
                received,
                closed=received.replace(day=received.day + 2),
                times=(1.0, 5.0),
                met=(True, True),
                score=score,
            )

    def _tasks(self, activity_type, customer):
        return self.env["mail.activity"].search(
            [
                ("activity_type_id", "=", self.env.ref(activity_type).id),
                ("res_model", "=", "res.partner"),
                ("res_id", "=", customer.id),
            ]
        )

    def test_flags_and_reasons(self):
        """Each customer gets the flags its signals give, and the reason in
        words; those on which no signal fires are not flagged."""
        self._run_month_end(CLOSING_DAY)
        a, b, c, north, a2 = (
            self.customer_a,
            self.customer_b,
            self.customer_c,
            self.customer_north,
            self.customer_a2,
        )
        self.assertEqual(
            [(p.is_high_value, p.is_churn_risk) for p in (a, b, c, north, a2)],
            [
                (True, False),
                (False, True),
                (False, False),
                (False, True),
                (True, False),
            ],
        )
        self.assertEqual(a.won_revenue_12m, 700000, "won in December and November")
        self.assertEqual(a.last_contact_date, date(2026, 12, 1))
        self.assertTrue(b.churn_signal_satisfaction and b.churn_signal_breach)
        self.assertFalse(b.churn_signal_silence or b.churn_signal_low_score)
        self.assertEqual(
            b.churn_risk_reason,
            "Satisfaction fell from 5.0 to 3.0. "
            "Complaints with a breached SLA in the quarter: 1.",
        )
        self.assertTrue(north.churn_signal_silence and north.churn_signal_low_score)
        self.assertEqual(
            north.churn_risk_reason,
            "No contact recorded since the activation. "
            "A satisfaction score of 2 in the quarter.",
        )
        self.assertFalse(a.churn_risk_reason)
        self.assertEqual(b.quarterly_review_date, date(2026, 10, 1))
        self.assertTrue(self._month().quarter_reviewed)

    def test_tasks_once_per_quarter(self):
        """A newly flagged churn risk gets one retention task for its owner
        and its team manager hears of it; a new high-value customer one
        one-to-one plan task for its account manager. Running the job
        again, or the next quarter while the flags stay, adds none."""
        self._run_month_end(CLOSING_DAY)
        self._run_month_end(datetime(2027, 1, 5, 6))
        retention = self._tasks(RETENTION, self.customer_b)
        self.assertEqual(len(retention), 1)
        self.assertEqual(retention.user_id, self.rep)
        self.assertIn("Satisfaction fell", str(retention.note))
        self.assertEqual(
            self._tasks(RETENTION, self.customer_north).user_id, self.rep_other
        )
        self.assertFalse(self._tasks(RETENTION, self.customer_a))
        plan = self._tasks(ONE_TO_ONE, self.customer_a2)
        self.assertEqual(plan.user_id, self.team_manager, "the account manager")
        self.assertEqual(
            self._tasks(ONE_TO_ONE, self.customer_a).user_id,
            self.team_manager,
            "no account manager: the team's leader",
        )
        notice = self.env["mail.message"].search(
            [
                ("model", "=", "crm.monthly.report.month"),
                ("partner_ids", "in", self.team_manager.partner_id.ids),
                ("subject", "ilike", "new churn risks"),
            ]
        )
        self.assertEqual(len(notice), 1)
        self.assertIn("Xinhai Logistics", notice.body)
        self.assertNotIn("Beifang Steel", notice.body, "another team's")
        # the next quarter: still at risk, no second task
        self._run_month_end(datetime(2027, 4, 1, 6))
        self.assertTrue(self.customer_b.is_churn_risk)
        self.assertEqual(self.customer_b.quarterly_review_date, date(2027, 1, 1))
        self.assertEqual(len(self._tasks(RETENTION, self.customer_b)), 1)

    def test_signals_follow_the_settings(self):
        """Each churn signal can be turned off in Settings; a contact within
        the silence period clears the silence signal."""
        self.company.write(
            {
                "churn_silence_days": 0,
                "churn_low_satisfaction": 0,
                "churn_on_breach": False,
            }
        )
        self._run_month_end(CLOSING_DAY)
        self.assertFalse(self.customer_north.is_churn_risk)
        self.assertTrue(self.customer_b.is_churn_risk, "satisfaction still falls")
        self.assertFalse(self.customer_b.churn_signal_breach)

    def test_contact_clears_silence(self):
        """A customer contacted within the silence period is not silent."""
        self._log_call(self.customer_north, self.rep_other, datetime(2026, 12, 20, 10))
        self._run_month_end(CLOSING_DAY)
        self.assertFalse(self.customer_north.churn_signal_silence)
        self.assertEqual(self.customer_north.last_contact_date, date(2026, 12, 20))

    def test_customer_leaving_the_process_loses_its_flags(self):
        """A flagged customer archived since is no longer flagged at the
        next review."""
        self._run_month_end(CLOSING_DAY)
        self.customer_b.write({"profile_state": "archived"})
        self._run_month_end(datetime(2027, 4, 1, 6))
        self.assertFalse(self.customer_b.is_churn_risk)

    def test_review_only_after_a_quarter(self):
        """The first run after a month that does not close a quarter reviews
        nobody."""
        self._run_month_end(datetime(2027, 2, 1, 6))
        self.assertFalse(self.customer_b.quarterly_review_date)

    def test_cron_twice_through_its_xmlid(self):
        """The scheduled job twice in a row after the quarter: one task each."""
        cron = self.env.ref(f"{ADDON}.ir_cron_month_end")
        with freeze_time(CLOSING_DAY):
            cron.method_direct_trigger()
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(len(self._tasks(RETENTION, self.customer_b)), 1)
        self.assertEqual(len(self._tasks(ONE_TO_ONE, self.customer_a2)), 1)

    def test_bad_settings(self):
        """Settings out of range are refused with a clear message."""
        for values in (
            {"churn_silence_days": -1},
            {"churn_satisfaction_drop": 5},
            {"churn_low_satisfaction": 6},
            {"high_value_satisfaction": 0},
        ):
            with self.assertRaises(ValidationError):
                self.company.write(values)
