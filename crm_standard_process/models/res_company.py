from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    grade_a_threshold = fields.Monetary(
        currency_field="currency_id",
        default=500000.0,
        help="Expected yearly business from which a customer is graded A.",
    )
    grade_b_threshold = fields.Monetary(
        currency_field="currency_id",
        default=100000.0,
        help="Expected yearly business from which a customer is graded B; below it, C.",
    )

    @api.constrains("grade_a_threshold", "grade_b_threshold")
    def _check_grade_thresholds(self):
        for company in self:
            if company.grade_b_threshold <= 0 or company.grade_a_threshold <= 0:
                raise ValidationError(
                    self.env._(
                        "The grade thresholds of %(company)s must be positive.",
                        company=company.name,
                    )
                )
            if company.grade_a_threshold <= company.grade_b_threshold:
                raise ValidationError(
                    self.env._(
                        "The grade A threshold of %(company)s must be above its "
                        "grade B threshold.",
                        company=company.name,
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        if {"grade_a_threshold", "grade_b_threshold"} & vals.keys():
            self.env["res.partner"]._regrade_customers(self)
            self.env["crm.lead"]._regrade_leads(self)
        return result
