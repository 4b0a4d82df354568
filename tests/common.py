"""The fixture every test of the project starts from.

::

    East China Key Accounts (team_east)      North China SMB (team_north)
      leader:  team_manager                    leader:  sales_admin
      members: rep, rep_teammate               members: rep_other
      leads:   lead_rep, lead_teammate,        leads:   lead_other_team
               lead_team_manager
                                 lead_unassigned (no owner, no team)

    all_documents: "User: All Documents", in no team
    sales_admin:   "Administrator" of Sales

Tests outside ``odoo.addons.*`` get no ``test_module``/``test_tags`` from
Odoo's MetaCase; ``AddonTestMixin`` sets them once for every test class.
"""

from odoo.tests.common import HttpCase, TransactionCase, new_test_user

ADDON = "crm_standard_process"
TEAM_MANAGER_GROUP = f"{ADDON}.group_sale_team_manager"


class AddonTestMixin:
    test_module = ADDON
    test_tags = {"standard", "at_install", ADDON}


class CrmStandardProcessCase(AddonTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

        def user(login, groups):
            return new_test_user(cls.env, login=login, groups=groups)

        cls.rep = user("csp_rep", "sales_team.group_sale_salesman")
        cls.rep_teammate = user("csp_rep_teammate", "sales_team.group_sale_salesman")
        cls.rep_other = user("csp_rep_other", "sales_team.group_sale_salesman")
        cls.team_manager = user("csp_team_manager", TEAM_MANAGER_GROUP)
        cls.all_documents = user(
            "csp_all_documents", "sales_team.group_sale_salesman_all_leads"
        )
        cls.sales_admin = user("csp_sales_admin", "sales_team.group_sale_manager")

        Team = cls.env["crm.team"]
        cls.team_east = Team.create(
            {
                "name": "East China Key Accounts",
                "user_id": cls.team_manager.id,
                "member_ids": [(6, 0, (cls.rep | cls.rep_teammate).ids)],
            }
        )
        cls.team_north = Team.create(
            {
                "name": "North China SMB",
                "user_id": cls.sales_admin.id,
                "member_ids": [(6, 0, cls.rep_other.ids)],
            }
        )

        Lead = cls.env["crm.lead"]
        cls.lead_rep = Lead.create(cls._lead_values("rep", cls.rep, cls.team_east))
        cls.lead_teammate = Lead.create(
            cls._lead_values("teammate", cls.rep_teammate, cls.team_east)
        )
        cls.lead_team_manager = Lead.create(
            cls._lead_values("team manager", cls.team_manager, cls.team_east)
        )
        cls.lead_other_team = Lead.create(
            cls._lead_values("other team", cls.rep_other, cls.team_north)
        )
        cls.lead_unassigned = Lead.create(
            cls._lead_values("unassigned", cls.env["res.users"], cls.env["crm.team"])
        )

    @classmethod
    def _lead_values(cls, label, user, team):
        return {
            "name": f"Lead of {label}",
            "type": "opportunity",
            "user_id": user.id,
            "team_id": team.id,
        }


class CrmStandardProcessHttpCase(AddonTestMixin, HttpCase):
    pass
