"""The team manager's browser path through the monthly report."""

from odoo import Command, fields
from odoo.addons.crm_standard_process.tools import period
from odoo.tests import new_test_user, tagged

from .common import CrmStandardProcessHttpCase


@tagged("post_install", "-at_install")
class TestMonthlyReportTour(CrmStandardProcessHttpCase):
    def test_team_manager_reads_the_report_and_downloads_the_pdf(self):
        """A team manager opens the monthly report, switches to the graph,
        filters by a rep of the team and downloads the PDF."""
        manager = new_test_user(
            self.env,
            login="csp_tour_report_manager",
            groups="crm_standard_process.group_sale_team_manager",
        )
        reps = [
            new_test_user(
                self.env,
                login=login,
                name=name,
                groups="sales_team.group_sale_salesman",
            )
            for login, name in (
                ("csp_tour_report_rep", "Tour Rep Liu"),
                ("csp_tour_report_other", "Tour Rep Zhao"),
            )
        ]
        team = self.env["crm.team"].create(
            {
                "name": "Tour Report Team",
                "user_id": manager.id,
                "member_ids": [Command.link(rep.id) for rep in reps],
            }
        )
        for rep in reps:
            for grade_amount in (800000, 200000):
                self.env["res.partner"].create(
                    {
                        "name": f"Tour customer of {rep.name} {grade_amount}",
                        "is_company": True,
                        "profile_state": "active",
                        "user_id": rep.id,
                        "team_id": team.id,
                        "expected_annual_amount": grade_amount,
                    }
                )
        this_month = period.month_start(fields.Date.context_today(self.env.user))
        Report = self.env["crm.monthly.report"]
        Report._build(self.env.company, period.previous_month(this_month))
        Report._build(self.env.company, this_month, provisional=True)
        self.start_tour(
            "/odoo", "crm_standard_process_monthly_report_tour", login=manager.login
        )
