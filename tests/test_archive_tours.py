"""The browser paths of P8: a team manager archives a customer with a reason;
the sales admin places a legal hold on an archived one."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ADDON, CrmStandardProcessHttpCase, complete_draft_customer


@tagged("post_install", "-at_install")
class TestArchiveTours(CrmStandardProcessHttpCase):
    def _team_customer(self, name):
        manager = new_test_user(
            self.env,
            login=f"csp_tour_{name.split()[1].lower()}_manager",
            groups=f"{ADDON}.group_sale_team_manager",
        )
        rep = new_test_user(
            self.env,
            login=f"csp_tour_{name.split()[1].lower()}_rep",
            groups="sales_team.group_sale_salesman",
        )
        team = self.env["crm.team"].create(
            {
                "name": f"{name} team",
                "user_id": manager.id,
                "member_ids": [Command.link(rep.id)],
            }
        )
        customer = complete_draft_customer(self.env, name, rep, team_id=team.id)
        customer.action_submit_review()
        customer.action_activate()
        return customer, manager

    def test_team_manager_archives_a_customer_with_a_reason(self):
        """In the browser, the team manager archives the team's customer."""
        customer, manager = self._team_customer("Tour Archive Works")
        self.start_tour(
            "/odoo", "crm_standard_process_archive_tour", login=manager.login
        )
        self.assertEqual(customer.profile_state, "archived")
        self.assertEqual(
            customer.archive_reason_id,
            self.env.ref(f"{ADDON}.archive_reason_project_closed"),
        )
        self.assertFalse(customer.active)

    def test_sales_admin_places_a_legal_hold(self):
        """In the browser, the sales admin places a legal hold, with a reason."""
        customer, manager = self._team_customer("Tour Hold Works")
        customer.with_user(manager).action_archive_profile(
            self.env.ref(f"{ADDON}.archive_reason_terminated")
        )
        admin = new_test_user(
            self.env,
            login="csp_tour_hold_admin",
            groups="sales_team.group_sale_manager",
        )
        self.start_tour(
            "/odoo", "crm_standard_process_legal_hold_tour", login=admin.login
        )
        self.assertTrue(customer.legal_hold)
        self.assertIn("Warranty claim", customer.legal_hold_reason)
