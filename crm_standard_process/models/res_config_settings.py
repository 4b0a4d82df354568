from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    grade_a_threshold = fields.Monetary(
        related="company_id.grade_a_threshold",
        currency_field="company_currency_id",
        readonly=False,
    )
    grade_b_threshold = fields.Monetary(
        related="company_id.grade_b_threshold",
        currency_field="company_currency_id",
        readonly=False,
    )
    regrade_state = fields.Selection(related="company_id.regrade_state")
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    stale_lead_days = fields.Integer(
        related="company_id.stale_lead_days", readonly=False
    )
    stale_manager_days = fields.Integer(
        related="company_id.stale_manager_days", readonly=False
    )
    stale_return_to_pool = fields.Boolean(
        related="company_id.stale_return_to_pool", readonly=False
    )
    nurture_touch_days = fields.Integer(
        related="company_id.nurture_touch_days", readonly=False
    )
    followup_greeting_days = fields.Integer(
        related="company_id.followup_greeting_days", readonly=False
    )
    followup_log_delay_days = fields.Integer(
        related="company_id.followup_log_delay_days", readonly=False
    )
    churn_silence_days = fields.Integer(
        related="company_id.churn_silence_days", readonly=False
    )
    churn_satisfaction_drop = fields.Float(
        related="company_id.churn_satisfaction_drop", readonly=False
    )
    churn_low_satisfaction = fields.Integer(
        related="company_id.churn_low_satisfaction", readonly=False
    )
    churn_on_breach = fields.Boolean(
        related="company_id.churn_on_breach", readonly=False
    )
    high_value_satisfaction = fields.Float(
        related="company_id.high_value_satisfaction", readonly=False
    )
    retention_years = fields.Integer(
        related="company_id.retention_years", readonly=False
    )
    archive_candidate_days = fields.Integer(
        related="company_id.archive_candidate_days", readonly=False
    )
    activation_requires_verification = fields.Boolean(
        related="company_id.activation_requires_verification", readonly=False
    )
