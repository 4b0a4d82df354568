from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmFollowupDoneWizard(models.TransientModel):
    """Log a follow-up: the customer's feedback, changed needs, commitments,
    and where the opportunity now stands."""

    _name = "crm.followup.done.wizard"
    _description = "Log a Follow-up"

    activity_id = fields.Many2one(
        "mail.activity", string="Follow-up", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="activity_id.followup_partner_id")
    feedback = fields.Text(help="What the customer said; posted in the chatter.")
    needs_changed = fields.Text(string="Changed Needs")
    commitments = fields.Text(help="What either side promised to do next.")
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        domain="[('partner_id', 'child_of', partner_id), ('type', '=', 'opportunity')]",
    )
    lead_team_id = fields.Many2one(related="lead_id.team_id")
    stage_id = fields.Many2one(
        "crm.stage",
        string="Move to Stage",
        domain="['|', ('team_id', '=', False), ('team_id', '=', lead_team_id)]",
        help="Leave empty to keep the opportunity where it is.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        activity = self.env["mail.activity"].browse(values.get("activity_id"))
        if "lead_id" in fields_list and activity.followup_partner_id:
            values["lead_id"] = (
                self.env["crm.lead"]
                .search(
                    [
                        ("partner_id", "child_of", activity.followup_partner_id.id),
                        ("type", "=", "opportunity"),
                        *self.env["crm.lead"]._open_domain(),
                    ],
                    order="write_date desc, id desc",
                    limit=1,
                )
                .id
            )
        return values

    def action_done(self):
        self.ensure_one()
        activity = self.activity_id
        if (
            not activity.exists()
            or not activity.active
            or not activity.followup_plan_id
        ):
            raise UserError(self.env._("This follow-up is no longer open."))
        if self.stage_id and not self.lead_id:
            raise UserError(self.env._("Choose the opportunity whose stage moves."))
        if self.lead_id and self.lead_id.partner_id.commercial_partner_id != (
            activity.followup_partner_id
        ):
            raise UserError(
                self.env._(
                    "%(lead)s is not an opportunity of %(customer)s.",
                    lead=self.lead_id.display_name,
                    customer=activity.followup_partner_id.display_name,
                )
            )
        activity.sudo().write(
            {
                "followup_needs_changed": self.needs_changed,
                "followup_commitments": self.commitments,
            }
        )
        if self.stage_id and self.lead_id.stage_id != self.stage_id:
            self.lead_id.stage_id = self.stage_id
        activity.action_feedback(feedback=self._feedback_text())
        return {"type": "ir.actions.act_window_close"}

    def _feedback_text(self):
        lines = [self.feedback or ""]
        if self.needs_changed:
            lines.append(self.env._("Changed needs: %(text)s", text=self.needs_changed))
        if self.commitments:
            lines.append(self.env._("Commitments: %(text)s", text=self.commitments))
        if self.stage_id:
            lines.append(
                self.env._(
                    "%(lead)s moved to %(stage)s.",
                    lead=self.lead_id.display_name,
                    stage=self.stage_id.display_name,
                )
            )
        return "\n".join(line for line in lines if line) or False
