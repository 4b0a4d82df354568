"""The browser path: a rep logs in, opens CRM and one of their customers."""

from odoo.tests import new_test_user, tagged

from .common import CrmStandardProcessHttpCase


@tagged("post_install", "-at_install")
class TestRepTour(CrmStandardProcessHttpCase):
    def test_rep_opens_crm_and_a_customer(self):
        """A rep reaches their customer's form from the CRM app."""
        rep = new_test_user(
            self.env, login="csp_tour_rep", groups="sales_team.group_sale_salesman"
        )
        self.env["res.partner"].create(
            {
                "name": "Tour Customer Ltd",
                "is_company": True,
                "user_id": rep.id,
                "profile_state": "active",
            }
        )
        self.start_tour("/odoo", "crm_standard_process_rep_tour", login=rep.login)
