"""Sales teams: who manages them, which the current user manages, and their desk.

The team's desk (``crm.process.desk.mixin``) is the team manager's home: what
waits for the team's review and what runs late in it.
"""

from odoo import models

# the desk is registered before the team that composes it
from . import process_desk_mixin  # noqa: F401

TEAM_MANAGER_GROUP = "crm_standard_process.group_sale_team_manager"


class CrmTeam(models.Model):
    _name = "crm.team"
    _inherit = ["crm.team", "crm.process.desk.mixin"]

    def _team_managers(self):
        """Who manages these teams, leader first, then members by id: active
        internal users holding the team-manager role or one that implies it. A
        leader who is a plain rep is left out, as they could not act on what
        they are sent (review a profile, open a teammate's lead or ticket)."""
        teams = self.sudo()
        return (teams.user_id | teams.member_ids.sorted("id")).filtered(
            lambda user: (
                user.active and not user.share and user.has_group(TEAM_MANAGER_GROUP)
            )
        )

    def _managed_by_me(self):
        """These teams that the current user leads or is a member of: the
        teams whose records a team manager acts on."""
        user = self.env.user
        return self.sudo().filtered(
            lambda team: team.user_id == user or user in team.member_ids
        )

    # the manager's home (crm.process.desk.mixin)

    def _desk_items(self):
        return (
            "review",
            "grade",
            "plan",
            "followup_overdue",
            "ticket_risk",
            "ticket_breached",
            "stale_lead",
            "first_contact",
            "compliance",
        )

    def _desk_scope(self, model):
        if model == "mail.activity":
            return [("followup_partner_id.team_id", "=", self.id)]
        return [("team_id", "=", self.id)]
