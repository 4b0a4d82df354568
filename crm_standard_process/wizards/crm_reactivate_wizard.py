"""Reactivate archived customers, with the reason why (sales admins)."""

from odoo import fields, models


class CrmReactivateWizard(models.TransientModel):
    _name = "crm.reactivate.wizard"
    _description = "Reactivate Archived Customers"

    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        context={"active_test": False},  # archived customers are inactive
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.partner_ids.action_reactivate_profile(self.reason)
        return {"type": "ir.actions.act_window_close"}
