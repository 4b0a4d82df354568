"""The monthly report's snapshot: each measure on a hand-computed month, a
closed month that never changes, the provisional month in progress, rows by
role."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmStandardProcessHttpCase, JsonRpcMatrixMixin
from .monthly_report_common import (
    ADDON,
    CLOSING_DAY,
    DECEMBER,
    JANUARY,
    MonthlyReportCase,
)

MEASURES = [
    "customer_count",
    "followup_required_count",
    "followup_done_count",
    "followup_compliance_rate",
    "won_count",
    "conversion_rate",
    "complaint_count",
    "satisfaction_avg",
    "sla_breached_count",
    "sla_compliance_rate",
    "response_hours_avg",
    "resolution_hours_avg",
]


def figures(rows):
    return {
        (row.team_id.name, row.user_id.login, row.customer_grade): [
            row[fname] for fname in MEASURES
        ]
        for row in rows
    }


class TestMonthlySnapshot(MonthlyReportCase):
    def test_each_measure_of_the_closed_month(self):
        """December's rows hold the hand-computed figures, by team, owner and
        grade: customers active at month end, follow-ups, won and lost
        opportunities, complaints received, tickets closed and their SLA."""
        self._run_month_end(CLOSING_DAY)
        rows = self._rows()
        self.assertEqual(
            figures(rows),
            {
                # customers, follow-ups required/done/compliance, won,
                # conversion, complaints, satisfaction, breached, SLA
                # compliance, response hours, resolution hours
                ("East China Key Accounts", "csp_rep", "a"): [
                    *(1, 2, 2, 50.0, 1, 50.0, 1, 5.0, 0, 100.0, 1.0, 10.0)
                ],
                ("East China Key Accounts", "csp_rep", "b"): [
                    *(1, 4, 3, 75.0, 0, 0.0, 0, 3.0, 1, 0.0, 3.0, 20.0)
                ],
                ("North China SMB", "csp_rep_other", "b"): [
                    *(1, 4, 4, 100.0, 1, 100.0, 1, 0.0, 0, 0.0, 0.0, 0.0)
                ],
            },
        )
        self.assertEqual(rows.industry_id, self.industry, "customer_north has none")
        self.assertFalse(any(rows.mapped("is_provisional")))
        self.assertEqual(self._month().state, "closed")

    def test_totals_are_rates_of_the_sums(self):
        """A pivot total is the true rate over the rows, not the average of
        their rates: compliance 8 on time of 10, conversion 2 won of 3."""
        self._run_month_end(CLOSING_DAY)
        [totals] = self.env["crm.monthly.report"]._read_group(
            [
                ("month_date", "=", DECEMBER),
                ("team_id", "in", (self.team_east | self.team_north).ids),
            ],
            [],
            [
                "followup_compliance_rate:avg",
                "conversion_rate:avg",
                "satisfaction_avg:avg",
                "sla_compliance_rate:avg",
                "response_hours_avg:avg",
                "resolution_hours_avg:avg",
                "customer_count:sum",
            ],
        )
        compliance, conversion, satisfaction, sla, response, resolution, count = totals
        self.assertAlmostEqual(compliance, 80.0)
        self.assertAlmostEqual(conversion, 200.0 / 3)
        self.assertAlmostEqual(satisfaction, 4.0)
        self.assertAlmostEqual(sla, 50.0)
        self.assertAlmostEqual(response, 2.0)
        self.assertAlmostEqual(resolution, 15.0)
        self.assertEqual(count, 3)

    def test_closed_month_never_changes(self):
        """Once closed, December's rows stay as they were whatever happens to
        the live data, however often the job runs; nobody writes or deletes
        them."""
        self._run_month_end(CLOSING_DAY)
        before = figures(self._rows())
        self.customer_b.write({"expected_annual_amount": 900000, "user_id": False})
        self._closed_lead(
            self.customer_north, self.rep_other, datetime(2026, 12, 30), won=True
        )
        self._run_month_end(datetime(2027, 1, 5, 6))
        self._run_month_end(datetime(2027, 2, 1, 6))
        self.assertEqual(figures(self._rows()), before)
        row = self._rows()[:1]
        with self.assertRaises(UserError):
            row.write({"customer_count": 99})
        with self.assertRaises(UserError):
            row.unlink()

    def test_sales_admin_rebuild_is_logged(self):
        """A sales admin may rebuild a closed month from today's data; the
        month's chatter says who did it. A team manager may not."""
        self._run_month_end(CLOSING_DAY)
        self._closed_lead(
            self.customer_north, self.rep_other, datetime(2026, 12, 30), won=True
        )
        month = self._month()
        with self.assertRaises(AccessError):
            month.with_user(self.team_manager).action_rebuild()
        month.with_user(self.sales_admin).action_rebuild()
        [north] = self._rows(team_id=self.team_north.id)
        self.assertEqual(north.won_count, 2)
        self.assertEqual(month.state, "closed")
        self.assertIn("rebuilt the report of 2026-12", month.message_ids[0].body)
        self.assertIn(self.sales_admin.name, month.message_ids[0].body)

    def test_month_in_progress_is_provisional(self):
        """The month in progress is shown at once, marked provisional, and
        refreshed by the next day's run."""
        self._run_month_end(CLOSING_DAY)
        january = self._rows(JANUARY)
        self.assertTrue(january)
        self.assertTrue(all(january.mapped("is_provisional")))
        self.assertEqual(self._month(JANUARY).state, "provisional")
        # customer_c, active since 2 January, counts in January only
        self.assertEqual(
            sum(
                self._rows(JANUARY, user_id=self.rep_teammate.id).mapped(
                    "customer_count"
                )
            ),
            1,
        )
        self.assertFalse(self._rows(user_id=self.rep_teammate.id))
        [north] = self._rows(JANUARY, team_id=self.team_north.id)
        self.assertEqual(north.won_count, 0)
        self._closed_lead(
            self.customer_north, self.rep_other, datetime(2027, 1, 4, 12), won=True
        )
        self._run_month_end(datetime(2027, 1, 5, 6))
        [north] = self._rows(JANUARY, team_id=self.team_north.id)
        self.assertEqual(north.won_count, 1, "won on 4 January, counted on the 5th")
        # the month closes at the first run after it ends
        self._run_month_end(datetime(2027, 2, 1, 6))
        self.assertEqual(self._month(JANUARY).state, "closed")
        self.assertFalse(any(self._rows(JANUARY).mapped("is_provisional")))

    def test_month_end_cron_twice_through_its_xmlid(self):
        """The scheduled job, run twice in a row through its xmlid, closes
        December once and keeps one set of rows."""
        cron = self.env.ref(f"{ADDON}.ir_cron_month_end")
        with freeze_time(CLOSING_DAY):
            cron.method_direct_trigger()
            first = figures(self._rows())
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(figures(self._rows()), first)
        self.assertEqual(len(self._rows()), 3)
        self.assertTrue(self._month().report_sent)


class TestMonthlyReportAccess(MonthlyReportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(CLOSING_DAY):
            cls.env["crm.monthly.report.month"]._cron_month_end()

    def _visible(self, user):
        return {
            (row.team_id.name, row.user_id.login)
            for row in self._rows()
            .with_user(user)
            .search([("id", "in", self._rows().ids)])
        }

    def test_rows_by_role(self):
        """A rep reads their own rows, a team manager those of their teams,
        a sales admin all."""
        east_rep = ("East China Key Accounts", "csp_rep")
        north = ("North China SMB", "csp_rep_other")
        self.assertEqual(self._visible(self.rep), {east_rep})
        self.assertEqual(self._visible(self.rep_teammate), set())
        self.assertEqual(self._visible(self.team_manager), {east_rep})
        self.assertEqual(self._visible(self.sales_admin), {east_rep, north})
        self.assertEqual(self._visible(self.all_documents), {east_rep, north})

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_nobody_writes_a_row(self):
        """Not even a sales admin changes or deletes a snapshot row."""
        row = self._rows()[:1]
        for user in (self.rep, self.team_manager, self.sales_admin):
            with self.assertRaises(AccessError):
                row.with_user(user).write({"customer_count": 7})
            with self.assertRaises(AccessError):
                row.with_user(user).unlink()


@tagged("post_install", "-at_install")
class TestMonthlyReportRpc(JsonRpcMatrixMixin, CrmStandardProcessHttpCase):
    rpc_model = "crm.monthly.report"

    def test_rep_reads_only_own_rows_over_json_rpc(self):
        """Over JSON-RPC a rep reads their own rows and cannot write one."""
        # two owners of one team, their December rows built directly
        team = self.env["crm.team"].create({"name": "RPC team"})
        users = [
            self.env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "password": login,
                    "groups_id": [
                        (6, 0, [self.env.ref("sales_team.group_sale_salesman").id])
                    ],
                }
            )
            for login in ("csp_rpc_rep", "csp_rpc_other")
        ]
        team.member_ids = [(6, 0, [u.id for u in users])]
        for user in users:
            self.env["res.partner"].create(
                {
                    "name": f"Customer of {user.login}",
                    "is_company": True,
                    "profile_state": "active",
                    "user_id": user.id,
                    "team_id": team.id,
                }
            )
        self.env["crm.monthly.report"]._build(self.env.company, DECEMBER)
        rows = self.env["crm.monthly.report"].search([("team_id", "=", team.id)])
        self.assertEqual(len(rows), 2)
        self.authenticate("csp_rpc_rep", "csp_rpc_rep")
        found = self._call(
            "search_read", [[("team_id", "=", team.id)]], {"fields": ["user_id"]}
        )
        self.assertEqual([row["user_id"][0] for row in found], [users[0].id])
        own = rows.filtered(lambda r: r.user_id == users[0])
        self.assertEqual(self._writable({"own": own}, {"customer_count": 9}), set())
