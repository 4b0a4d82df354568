"""The browser paths through the customer profile: the rep submits, the team
manager activates."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CrmStandardProcessHttpCase, complete_draft_customer


@tagged("post_install", "-at_install")
class TestProfileTours(CrmStandardProcessHttpCase):
    def test_rep_submits_a_new_customer_for_review(self):
        """A rep creates a profile with its key fields in the browser and submits it."""
        rep = new_test_user(
            self.env,
            login="csp_tour_submitter",
            groups="sales_team.group_sale_salesman",
        )
        self.start_tour(
            "/odoo", "crm_standard_process_submit_review_tour", login=rep.login
        )
        customer = self.env["res.partner"].search([("name", "=", "Tour Robotics Ltd")])
        self.assertEqual(customer.profile_state, "to_review")
        self.assertEqual(customer.user_id, rep)
        self.assertEqual(customer.child_ids.name, "Li Lei")

    def test_team_manager_activates_a_customer_of_the_team(self):
        """A team manager opens a customer waiting for review and activates it."""
        manager = new_test_user(
            self.env,
            login="csp_tour_manager",
            groups="crm_standard_process.group_sale_team_manager",
        )
        rep = new_test_user(
            self.env, login="csp_tour_member", groups="sales_team.group_sale_salesman"
        )
        team = self.env["crm.team"].create(
            {
                "name": "Tour Team",
                "user_id": manager.id,
                "member_ids": [Command.link(rep.id)],
            }
        )
        customer = complete_draft_customer(
            self.env, "Tour Review Works", rep, team_id=team.id
        )
        customer.with_user(rep).action_submit_review()
        self.start_tour(
            "/odoo", "crm_standard_process_activate_tour", login=manager.login
        )
        self.assertEqual(customer.profile_state, "active")
        self.assertTrue(customer.archive_number.startswith("B2B-"))
