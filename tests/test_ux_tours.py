"""Issue 14 in the browser: work lands on the right desk, the homes lead to it,
and the ticket filters narrow, as a rep and as a team manager."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ADDON, CrmStandardProcessHttpCase, complete_draft_customer

REVIEW = f"{ADDON}.mail_activity_type_profile_review"


@tagged("post_install", "-at_install")
class TestUxTours(CrmStandardProcessHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="csp_ux_manager", groups=f"{ADDON}.group_sale_team_manager"
        )
        cls.rep = new_test_user(
            cls.env, login="csp_ux_rep", groups="sales_team.group_sale_salesman"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Tour Desk Team",
                "user_id": cls.manager.id,
                "member_ids": [Command.link(cls.rep.id)],
            }
        )

    def test_rep_profile_lands_in_the_team_and_its_review_with_the_manager(self):
        """A rep creates and submits a profile in the browser: it gets the rep's
        team and account manager, and its review goes to the team manager."""
        self.start_tour(
            "/odoo", "crm_standard_process_submit_review_tour", login=self.rep.login
        )
        customer = self.env["res.partner"].search([("name", "=", "Tour Robotics Ltd")])
        self.assertEqual(customer.team_id, self.team)
        self.assertEqual(customer.account_manager_id, self.rep)
        review = customer.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(REVIEW)
        )
        self.assertEqual(review.user_id, self.manager)

    def test_rep_day_leads_to_the_draft_and_who_gets_its_followups(self):
        """My Day counts the rep's draft; a click opens it, its follow-up tab
        names the account manager, and it goes to review."""
        customer = complete_draft_customer(
            self.env, "Tour Day Draft", self.rep, expected_annual_amount=900000
        )
        self.start_tour(
            "/odoo", "crm_standard_process_my_day_tour", login=self.rep.login
        )
        self.assertEqual(customer.profile_state, "to_review")
        self.assertEqual(customer.activity_ids.user_id, self.manager)

    def test_manager_home_leads_to_the_profile_to_review(self):
        """The manager's home counts the team's profile to review; a click opens
        it with its missing verification, and the activation asks first."""
        customer = complete_draft_customer(self.env, "Tour Desk Works", self.rep)
        customer.with_user(self.rep).action_submit_review()
        self.start_tour(
            "/odoo", "crm_standard_process_manager_home_tour", login=self.manager.login
        )
        self.assertEqual(customer.profile_state, "active")

    def _tickets(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Filter Customer",
                "is_company": True,
                "profile_state": "active",
                "user_id": self.rep.id,
            }
        )
        Ticket = self.env["crm.complaint.ticket"]
        at_risk, on_track = Ticket.create(
            [
                {"subject": "Tour ticket at risk", "partner_id": customer.id},
                {"subject": "Tour ticket on track", "partner_id": customer.id},
            ]
        )
        at_risk.write({"sla_status": "at_risk"})
        on_track.write({"sla_status": "on_track"})
        self.assertEqual((at_risk | on_track).team_id, self.team)

    def test_at_risk_narrows_the_open_tickets_for_the_team_manager(self):
        """As team manager: Open and At Risk together list the open tickets at
        risk only."""
        self._tickets()
        self.start_tour(
            "/odoo", "crm_standard_process_ticket_filter_tour", login=self.manager.login
        )

    def test_at_risk_narrows_the_open_tickets_for_the_rep(self):
        """As rep, the same."""
        self._tickets()
        self.start_tour(
            "/odoo", "crm_standard_process_ticket_filter_tour", login=self.rep.login
        )
