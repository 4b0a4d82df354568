"""The rep's browser path through the customer profile."""

from odoo.tests import new_test_user, tagged

from .common import CrmStandardProcessHttpCase


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
