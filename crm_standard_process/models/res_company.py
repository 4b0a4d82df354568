from odoo import api, fields, models
from odoo.exceptions import ValidationError

# the company delays a lead's next reminder moment (crm.lead.stale_due_date) uses
LEAD_REMINDER_DELAYS = {
    "stale_lead_days",
    "stale_manager_days",
    "stale_return_to_pool",
    "nurture_touch_days",
}


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
    followup_greeting_days = fields.Integer(
        string="Greeting Days Ahead",
        default=7,
        help="How many days before a contact's birthday, the customer's founding "
        "anniversary or the anniversary of the first won opportunity the greeting "
        "task is scheduled.",
    )
    followup_log_delay_days = fields.Integer(
        string="Follow-up Logging Delay",
        default=1,
        help="A follow-up is on time when logged no later than this many working "
        "days after its due date.",
    )

    activation_requires_verification = fields.Boolean(
        string="Verification Required Before Activation",
        help="A customer profile is activated only once someone recorded how "
        "the customer was verified (official website, business registry, "
        "phone/e-mail).",
    )

    # P10 lead discipline
    stale_lead_days = fields.Integer(
        string="Stale After (days)",
        default=7,
        help="Days without a real follow-up after which a lead's salesperson "
        "is reminded.",
    )
    stale_manager_days = fields.Integer(
        string="Notify Team Manager After (days)",
        default=0,
        help="Days after the salesperson's reminder, still without follow-up, "
        "after which the team manager is notified; as many again before the "
        "optional return to the unassigned pool. 0: the team manager is "
        "notified with the salesperson, and the pool comes one stale delay later.",
    )
    stale_return_to_pool = fields.Boolean(
        string="Return Stale Leads to the Pool",
        help="After the team manager's notification and the same delay again, "
        "a lead still without follow-up loses its salesperson.",
    )
    nurture_touch_days = fields.Integer(
        string="Nurture Touch Every (days)",
        default=30,
        help="Leads in the nurture pool get a light touch (news, industry "
        "information) this often.",
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

    @api.constrains("stale_lead_days", "stale_manager_days", "nurture_touch_days")
    def _check_lead_discipline_delays(self):
        for company in self:
            if (
                min(company.stale_lead_days, company.nurture_touch_days) <= 0
                or company.stale_manager_days < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The stale-lead and nurture delays of %(company)s must be "
                        "positive numbers of days, the team manager's further "
                        "delay 0 or more.",
                        company=company.name,
                    )
                )

    @api.constrains("followup_greeting_days", "followup_log_delay_days")
    def _check_followup_delays(self):
        for company in self:
            if not 0 <= company.followup_greeting_days <= 60:
                raise ValidationError(
                    self.env._(
                        "Greetings of %(company)s are scheduled 0 to 60 days ahead.",
                        company=company.name,
                    )
                )
            if not 0 <= company.followup_log_delay_days <= 10:
                raise ValidationError(
                    self.env._(
                        "The follow-up logging delay of %(company)s lies between 0 "
                        "and 10 working days.",
                        company=company.name,
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        if {"grade_a_threshold", "grade_b_threshold"} & vals.keys():
            self.env["res.partner"]._regrade_customers(self)
            self.env["crm.lead"]._regrade_leads(self)
        if LEAD_REMINDER_DELAYS & vals.keys():
            self.env.flush_all()
            self.env["crm.lead"]._store_stale_due_dates(self)
        return result
