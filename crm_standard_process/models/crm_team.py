"""Sales teams: who manages them, and which the current user manages."""

from odoo import models

TEAM_MANAGER_GROUP = "crm_standard_process.group_sale_team_manager"


class CrmTeam(models.Model):
    _inherit = "crm.team"

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
