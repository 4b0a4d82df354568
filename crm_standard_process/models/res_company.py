"""The company's settings of the process: grade thresholds, follow-up and lead
delays; and the re-grade after a threshold change, in committed batches."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools.cron_batch import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)

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
    # The re-grade after a threshold change (_cron_regrade): which records are
    # being re-graded, and the last id done, where the next batch starts.
    regrade_state = fields.Selection(
        [("customers", "Re-grading Customers"), ("leads", "Re-grading Leads")],
        string="Re-grade",
        readonly=True,
        copy=False,
        help="The grade thresholds changed: the customers, then the leads, are "
        "being re-graded in the background.",
    )
    regrade_cursor = fields.Integer(readonly=True, copy=False)
    regrade_requested_by_id = fields.Many2one(
        "res.users",
        string="Re-grade Requested By",
        readonly=True,
        copy=False,
        help="Who changed the thresholds: the grade changes are logged in their "
        "name and language.",
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

    # P7 quarterly review: the churn signals and the high-value rule
    churn_silence_days = fields.Integer(
        string="No Contact For (days)",
        default=90,
        help="A customer without a follow-up done or a logged contact for this "
        "many days is a churn risk at the quarterly review; 0 turns the signal "
        "off.",
    )
    churn_satisfaction_drop = fields.Float(
        string="Satisfaction Drop",
        default=1.0,
        help="A customer whose average satisfaction in the quarter is this much "
        "below the previous quarter's is a churn risk; 0 turns the signal off.",
    )
    churn_low_satisfaction = fields.Integer(
        string="Low Satisfaction Score",
        default=2,
        help="A customer who gave this score or a lower one in the quarter is a "
        "churn risk; 0 turns the signal off.",
    )
    churn_on_breach = fields.Boolean(
        string="Breached Complaint Signal",
        default=True,
        help="A customer with a complaint whose SLA was breached in the quarter "
        "is a churn risk.",
    )
    high_value_satisfaction = fields.Float(
        string="High-value Satisfaction",
        default=4.0,
        help="A grade-A customer whose average satisfaction over the last 12 "
        "months reaches this score, without any breached complaint, is high "
        "value (as is any customer whose won business over 12 months reaches "
        "the grade A threshold).",
    )

    @api.constrains(
        "churn_silence_days",
        "churn_satisfaction_drop",
        "churn_low_satisfaction",
        "high_value_satisfaction",
    )
    def _check_quarterly_review_signals(self):
        for company in self:
            if (
                not 0 <= company.churn_silence_days <= 3650
                or not 0 <= company.churn_satisfaction_drop <= 4
                or not 0 <= company.churn_low_satisfaction <= 5
                or not 1 <= company.high_value_satisfaction <= 5
            ):
                raise ValidationError(
                    self.env._(
                        "The quarterly review settings of %(company)s are out of "
                        "range: no contact for 0 to 3650 days, a satisfaction "
                        "drop of 0 to 4 points, a low score of 0 to 5 and a "
                        "high-value satisfaction of 1 to 5.",
                        company=company.name,
                    )
                )

    # P8 archiving and retention
    retention_years = fields.Integer(
        string="Retention Period (years)",
        default=3,
        help="How long after a customer is archived its personal data is "
        "destroyed, unless it is under legal hold.",
    )
    archive_candidate_days = fields.Integer(
        string="Archive Candidates After (days)",
        default=365,
        help="Active customers without any contact, order, opportunity or "
        "ticket for this many days are shown as archive candidates.",
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

    @api.constrains("retention_years", "archive_candidate_days")
    def _check_retention(self):
        for company in self:
            if not 1 <= company.retention_years <= 30:
                raise ValidationError(
                    self.env._(
                        "The retention period of %(company)s must lie between 1 and "
                        "30 years, not %(years)s.",
                        company=company.name,
                        years=company.retention_years,
                    )
                )
            if company.archive_candidate_days <= 0:
                raise ValidationError(
                    self.env._(
                        "The inactivity delay of the archive candidates of "
                        "%(company)s must be a positive number of days.",
                        company=company.name,
                    )
                )

    def write(self, vals):
        thresholds = {"grade_a_threshold", "grade_b_threshold"} & vals.keys()
        before = {
            company.id: (company.grade_a_threshold, company.grade_b_threshold)
            for company in (self if thresholds else self.browse())
        }
        result = super().write(vals)
        if thresholds:
            self.filtered(
                lambda c: before[c.id] != (c.grade_a_threshold, c.grade_b_threshold)
            )._request_regrade()
        if LEAD_REMINDER_DELAYS & vals.keys():
            self.env.flush_all()
            self.env["crm.lead"]._store_stale_due_dates(self)
        if "retention_years" in vals:
            self.env["res.partner"]._store_retention_dates(self)
        return result

    # re-grading after a threshold change

    def _request_regrade(self):
        """The thresholds changed: record that these companies' grades are
        stale and have the re-grade job run soon. The save itself re-grades
        nothing: a million customers are re-graded in committed batches, never
        all locked at once by the Settings' transaction."""
        if not self:
            return
        self.sudo().write(
            {
                "regrade_state": "customers",
                "regrade_cursor": 0,
                "regrade_requested_by_id": self.env.user.id,
            }
        )
        cron = self.env.ref(
            "crm_standard_process.ir_cron_regrade", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_regrade(self, batch_size=5000):
        """Re-grade, after a threshold change, the customers and then the
        leads of each company concerned: one batch of up to ``batch_size``
        records a call, in id order from where the last batch stopped, then
        report what remains (the cron runner commits and calls again).

        Rows another transaction holds are skipped, not waited for: the job
        starts again from the first of them, and when it cannot get past it,
        tries again a minute later. A concurrent change of the same rows
        (serialization failure, deadlock) rolls the batch back to its
        savepoint and tries again a minute later too; nothing is lost, the
        batch is done again whole."""
        companies = self.sudo().search([("regrade_state", "!=", False)], order="id")
        budget, done, retry = batch_size, 0, False
        for company in companies:
            while budget > 0 and company.regrade_state and not retry:
                try:
                    with self.env.cr.savepoint():
                        seen, moved = company._regrade_step(budget)
                except CONCURRENCY_ERRORS:
                    _logger.info(
                        "Re-grading %s met a concurrent change; retrying soon",
                        company.name,
                    )
                    company.invalidate_recordset()
                    retry = True
                    break
                budget -= max(seen, 1)
                done += seen if moved else 0
                retry = not moved
            if budget <= 0 or retry:
                break
        remaining = self._regrade_remaining()
        if retry:
            self.env.ref("crm_standard_process.ir_cron_regrade").sudo()._trigger(
                fields.Datetime.now() + timedelta(minutes=1)
            )
        elif companies and not remaining:
            # the plans follow the new confirmed grades
            self.env.ref(
                "crm_standard_process.ir_cron_followup_regrade"
            ).sudo()._trigger()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _regrade_step(self, limit):
        """One batch of this company's re-grade: its customers, then its
        leads. Returns how many records the batch held and whether the
        re-grade moved on (False: the first record left is held by another
        transaction)."""
        self.ensure_one()
        Model = self.env[
            "res.partner" if self.regrade_state == "customers" else "crm.lead"
        ]
        seen, last_id, skipped_id, _changed = Model.sudo()._regrade_batch(
            self, self.regrade_cursor, limit
        )
        if skipped_id:
            cursor = skipped_id - 1
            values = {"regrade_cursor": cursor}
        elif seen < limit:
            cursor = None
            values = {
                "regrade_state": "leads"
                if self.regrade_state == "customers"
                else False,
                "regrade_cursor": 0,
            }
        else:
            cursor = last_id
            values = {"regrade_cursor": cursor}
        moved = cursor != self.regrade_cursor
        self.sudo().write(values)
        return seen, moved

    @api.model
    def _regrade_remaining(self):
        """About how many records the pending re-grades still have to look at:
        the ids left after each one's cursor (an index lookup, not a count)."""
        pending = self.sudo().search([("regrade_state", "!=", False)])
        if not pending:
            return 0
        self.env.flush_all()
        partners, leads = self.env.execute_query(
            SQL(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM res_partner),"
                " (SELECT COALESCE(MAX(id), 0) FROM crm_lead)"
            )
        )[0]
        return sum(
            max(partners - company.regrade_cursor, 0) + leads
            if company.regrade_state == "customers"
            else max(leads - company.regrade_cursor, 0)
            for company in pending
        )
