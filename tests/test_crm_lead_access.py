"""Own / team / all access to leads: the permission matrix of P9."""

from odoo.tests.common import users

from .common import CrmStandardProcessCase, PermissionMatrixMixin

LEADS = [
    "lead_rep",
    "lead_teammate",
    "lead_team_manager",
    "lead_other_team",
    "lead_unassigned",
]
# role -> lead -> the operations allowed: r(ead) w(rite) c(reate) u(nlink)
EXPECTED = {
    "csp_rep": {
        "lead_rep": "rwc",
        "lead_teammate": "",
        "lead_team_manager": "",
        "lead_other_team": "",
        "lead_unassigned": "rwc",
    },
    "csp_team_manager": {
        "lead_rep": "rwc",
        "lead_teammate": "rwc",
        "lead_team_manager": "rwc",
        "lead_other_team": "",
        "lead_unassigned": "rwc",
    },
    "csp_all_documents": dict.fromkeys(LEADS, "rwc"),
    "csp_sales_admin": dict.fromkeys(LEADS, "rwcu"),
}


class TestCrmLeadAccess(PermissionMatrixMixin, CrmStandardProcessCase):
    def _observed(self, lead):
        lead = lead.with_user(self.env.user)
        values = {
            "name": "Created like " + lead.sudo().name,
            "user_id": lead.sudo().user_id.id,
            "team_id": lead.sudo().team_id.id,
        }
        checks = {
            "r": lambda: lead.read(["name", "user_id", "team_id"]),
            "w": lambda: lead.write({"description": "Met at the trade fair"}),
            "c": lambda: lead.create(values),
            "u": lambda: lead.unlink(),
        }
        return self._allowed_operations(checks)

    def _assert_matrix(self):
        expected = EXPECTED[self.env.user.login]
        observed = {name: self._observed(getattr(self, name)) for name in expected}
        self.assertEqual(observed, expected)

    @users("csp_rep")
    def test_rep_reaches_own_and_unassigned_leads_only(self):
        """A rep reads, edits and creates their own and unassigned leads, no others."""
        self._assert_matrix()

    @users("csp_team_manager")
    def test_team_manager_reaches_the_leads_of_their_team(self):
        """A team manager reaches their team's leads besides own and unassigned ones."""
        self._assert_matrix()

    @users("csp_all_documents")
    def test_all_documents_user_reaches_every_lead(self):
        """An "All Documents" user reaches every lead, without deleting."""
        self._assert_matrix()

    @users("csp_sales_admin")
    def test_sales_admin_reaches_and_deletes_every_lead(self):
        """A sales admin does everything to every lead."""
        self._assert_matrix()

    @users("csp_team_manager")
    def test_team_manager_follows_team_membership_changes(self):
        """A rep joining the manager's team brings their leads into view at once."""
        lead = self.lead_other_team.with_user(self.env.user)
        self.assertFalse(lead.has_access("read"))
        self.team_east.sudo().member_ids |= self.rep_other
        self.env.invalidate_all()
        self.assertFalse(
            lead.has_access("read"),
            "the lead still belongs to the other team",
        )
        lead.sudo().team_id = self.team_east
        self.assertTrue(lead.has_access("read"))

    @users("csp_team_manager")
    def test_team_member_without_leading_sees_team_leads(self):
        """A team manager who is a member, not the leader, of a team sees its leads."""
        self.team_north.sudo().member_ids |= self.env.user
        self.env.invalidate_all()
        self.assertTrue(
            self.lead_other_team.with_user(self.env.user).has_access("read")
        )
