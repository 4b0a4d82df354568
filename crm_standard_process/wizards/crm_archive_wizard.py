"""Archive customers with a reason and a date, or, for a salesperson, request it."""

from odoo import api, fields, models


class CrmArchiveWizard(models.TransientModel):
    _name = "crm.archive.wizard"
    _description = "Archive Customers"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    reason_id = fields.Many2one(
        "crm.archive.reason",
        required=True,
        default=lambda self: self.env["crm.archive.reason"].search([], limit=1),
    )
    archive_date = fields.Date(
        default=fields.Date.context_today,
        help="When the cooperation ended; the retention period counts from it.",
    )
    can_archive = fields.Boolean(compute="_compute_can_archive")

    @api.depends("partner_ids")
    @api.depends_context("uid")
    def _compute_can_archive(self):
        for wizard in self:
            wizard.can_archive = wizard.partner_ids._can_archive()

    def action_confirm(self):
        self.ensure_one()
        if self.partner_ids._can_archive():
            self.partner_ids.action_archive_profile(self.reason_id, self.archive_date)
        else:
            self.partner_ids.action_request_archive(self.reason_id)
        return {"type": "ir.actions.act_window_close"}
