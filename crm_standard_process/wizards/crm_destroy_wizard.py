"""Destroy a customer's personal data now, on a data-subject request (sales admins)."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmDestroyWizard(models.TransientModel):
    _name = "crm.destroy.wizard"
    _description = "Destroy a Customer's Personal Data"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )
    is_archived = fields.Boolean(compute="_compute_is_archived")
    reason_id = fields.Many2one(
        "crm.archive.reason",
        string="Archive Reason",
        help="The customer is not archived yet: it is archived for this reason first.",
    )
    confirm = fields.Boolean(
        string="I understand that this cannot be undone",
        help="The customer's names, contacts, messages, attachments and every "
        "other personal data are destroyed for good; the record stays, "
        "anonymised, with its figures.",
    )

    @api.depends("partner_id")
    def _compute_is_archived(self):
        for wizard in self:
            wizard.is_archived = wizard.partner_id.profile_state == "archived"

    def action_confirm(self):
        self.ensure_one()
        if not self.confirm:
            raise UserError(
                self.env._(
                    "Tick the confirmation: the personal data is destroyed for good."
                )
            )
        customer = self.partner_id
        if customer.profile_state != "archived":
            if not self.reason_id:
                raise UserError(
                    self.env._(
                        "%(customer)s is not archived yet: choose the reason it is "
                        "archived for.",
                        customer=customer.display_name,
                    )
                )
            customer.action_archive_profile(self.reason_id)
        customer.action_destroy_personal_data()
        return {"type": "ir.actions.act_window_close"}
