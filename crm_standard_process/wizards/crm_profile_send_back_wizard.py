from odoo import fields, models


class CrmProfileSendBackWizard(models.TransientModel):
    _name = "crm.profile.send.back.wizard"
    _description = "Send a Customer Profile Back to Draft"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    reason = fields.Text(required=True)

    def action_send_back(self):
        self.partner_ids.action_send_back(self.reason)
        return {"type": "ir.actions.act_window_close"}
