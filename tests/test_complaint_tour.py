"""The rep's browser path through a complaint ticket."""

from odoo.tests import new_test_user, tagged

from .common import CrmStandardProcessHttpCase


@tagged("post_install", "-at_install")
class TestComplaintTour(CrmStandardProcessHttpCase):
    def test_rep_starts_handling_a_complaint(self):
        """A rep opens a new complaint of their customer from the CRM app and
        starts handling it: the response is recorded."""
        rep = new_test_user(
            self.env, login="csp_tour_handler", groups="sales_team.group_sale_salesman"
        )
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Gearbox Co.",
                "is_company": True,
                "user_id": rep.id,
                "profile_state": "active",
            }
        )
        ticket = self.env["crm.complaint.ticket"].create(
            {
                "subject": "Tour gearbox noise",
                "partner_id": customer.id,
                "user_id": rep.id,
            }
        )
        self.assertEqual(ticket.state, "new")
        self.start_tour("/odoo", "crm_standard_process_ticket_tour", login=rep.login)
        self.assertEqual(ticket.state, "in_progress")
        self.assertTrue(ticket.responded_date)
