"""The team-manager role in the standard Sales access selection."""

from .common import TEAM_MANAGER_GROUP, CrmStandardProcessCase


class TestSalesAccessGroups(CrmStandardProcessCase):
    def test_team_manager_sits_between_own_and_all_documents(self):
        """The user form offers Own < Own Team < All Documents < Administrator."""
        chain = [
            self.env.ref(xmlid)
            for xmlid in (
                "sales_team.group_sale_salesman",
                TEAM_MANAGER_GROUP,
                "sales_team.group_sale_salesman_all_leads",
                "sales_team.group_sale_manager",
            )
        ]
        user_fields = self.env["res.users"].fields_get()
        sales_selection = next(
            field["selection"]
            for name, field in user_fields.items()
            if name.startswith("sel_groups_")
            and chain[0].id in dict(field["selection"])
        )
        offered = [group_id for group_id, _label in sales_selection if group_id]
        self.assertEqual(offered, [group.id for group in chain])

    def test_all_documents_users_hold_the_team_manager_role(self):
        """The "All Documents" role implies the team manager's, never narrowing it."""
        self.assertIn(
            self.env.ref(TEAM_MANAGER_GROUP),
            self.all_documents.groups_id,
        )
        self.assertIn(self.env.ref(TEAM_MANAGER_GROUP), self.sales_admin.groups_id)
