"""Why customer profiles are archived: terminated, long inactivity, project closed."""

from odoo import api, fields, models


class CrmArchiveReason(models.Model):
    _name = "crm.archive.reason"
    _description = "Customer Archive Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    customer_count = fields.Integer(
        string="Customers", compute="_compute_customer_count"
    )

    _sql_constraints = [
        (
            "name_uniq",
            "unique(name)",
            "An archive reason with this name already exists.",
        ),
    ]

    @api.depends_context("uid")
    def _compute_customer_count(self):
        counts = dict(
            self.env["res.partner"]
            .with_context(active_test=False)
            ._read_group(
                [("archive_reason_id", "in", self.ids)],
                ["archive_reason_id"],
                ["__count"],
            )
        )
        for reason in self:
            reason.customer_count = counts.get(reason, 0)

    def action_view_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard_process.res_partner_action_archived_customers"
        )
        action["domain"] = [("archive_reason_id", "=", self.id)]
        return action
