"""P6/P9: who reaches which complaint tickets."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from .complaint_common import ComplaintCase


class TestComplaintAccess(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.after_sales = new_test_user(
            cls.env, "csp_after_sales", groups="base.group_user"
        )
        other_customer = cls.env["res.partner"].create(
            {
                "name": "Beifang Steel",
                "is_company": True,
                "profile_state": "active",
                "user_id": cls.rep_other.id,
                "team_id": cls.team_north.id,
            }
        )
        cls.ticket_own = cls._ticket(handler_id=cls.after_sales.id)
        cls.ticket_other_team = cls._ticket(
            partner_id=other_customer.id, handler_id=False
        )
        cls.ticket_handled = cls._ticket(
            partner_id=other_customer.id, handler_id=cls.rep_teammate.id
        )

    def _readable(self, user):
        names = ("ticket_own", "ticket_other_team", "ticket_handled")
        return {
            name
            for name in names
            if getattr(self, name).with_user(user).has_access("read")
        }

    def test_matrix(self):
        """Reps, handlers, team managers and admins reach their tickets only."""
        expected = {
            self.rep: {"ticket_own"},
            self.rep_teammate: {"ticket_handled"},
            self.after_sales: {"ticket_own"},
            self.team_manager: {"ticket_own"},
            self.all_documents: {"ticket_own", "ticket_other_team", "ticket_handled"},
            self.sales_admin: {"ticket_own", "ticket_other_team", "ticket_handled"},
        }
        observed = {user: self._readable(user) for user in expected}
        self.assertEqual(
            {user.login: names for user, names in observed.items()},
            {user.login: names for user, names in expected.items()},
        )

    @mute_logger("odoo.models")
    def test_rep_cannot_write_another_teams_ticket(self):
        """Writing a ticket out of reach is refused and changes nothing."""
        with self.assertRaises(AccessError):
            self.ticket_other_team.with_user(self.rep).write({"priority": "2"})
        self.assertEqual(self.ticket_other_team.priority, "1")

    def test_handler_works_the_ticket_through(self):
        """An after-sales handler without Sales rights works their ticket through."""
        ticket = self.ticket_own.with_user(self.after_sales)
        ticket.action_start()
        ticket.resolution = "<p>Firmware updated</p>"
        ticket.action_solve()
        self.assertEqual(ticket.state, "solved")
