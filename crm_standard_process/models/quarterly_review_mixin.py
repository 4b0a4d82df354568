"""The quarterly review of a customer: high value, churn risk and why, once a quarter.

Customers only (``res.partner``). The first run of the month-end job after
a quarter ends (``crm.monthly.report.month``) reviews every active customer
of each company in one UPDATE (``_review_quarter``):

* **churn risk** when a signal fires, each one configurable per company
  (Settings): no contact for ``churn_silence_days`` (from the last done
  follow-up, logged customer contact on the customer or one of its leads,
  else from its activation), satisfaction falling (the quarter's average at
  least ``churn_satisfaction_drop`` below the previous quarter's, or a score
  at or below ``churn_low_satisfaction``), a complaint whose SLA was
  breached in the quarter;
* **high value** when the opportunities won over the last 12 months reach
  the company's grade-A threshold, or a grade-A customer kept an average
  satisfaction of at least ``high_value_satisfaction`` over those 12 months
  without any breached complaint.

A customer newly flagged gets one task, once per quarter: a retention task
for its owner (its team managers are told), a one-to-one plan for its
account manager. The tasks are created in batches by the job
(``_create_review_tasks``), from markers the UPDATE leaves. Only the review
writes these fields.
"""

import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index

from ..tools import period, quarterly_review
from ..tools.cron_batch import run_in_savepoints
from .field_guard_mixin import GUARD_ENGINE

_logger = logging.getLogger(__name__)

RETENTION_ACTIVITY = "crm_standard_process.mail_activity_type_retention"
ONE_TO_ONE_ACTIVITY = "crm_standard_process.mail_activity_type_one_to_one_plan"
REVIEW_FIELDS = (
    "activation_date",
    "last_contact_date",
    "quarterly_review_date",
    "is_high_value",
    "is_churn_risk",
    "churn_signal_silence",
    "churn_signal_satisfaction",
    "churn_signal_low_score",
    "churn_signal_breach",
    "quarter_satisfaction_avg",
    "previous_satisfaction_avg",
    "quarter_low_score",
    "quarter_breach_count",
    "won_revenue_12m",
    "churn_task_pending",
    "high_value_task_pending",
)
# The review task finder (``_create_review_tasks``) reads this partial index.
TASK_INDEX = "res_partner_review_task_pending_index"
TASK_PREDICATE = "churn_task_pending OR high_value_task_pending"
FLAGGED_INDEX = "res_partner_quarterly_flagged_index"


class CrmQuarterlyReviewMixin(models.AbstractModel):
    _name = "crm.quarterly.review.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "Quarterly Review of a Customer"

    activation_date = fields.Date(
        string="Active Since",
        readonly=True,
        copy=False,
        help="When the profile was last activated: the quarterly review counts "
        "the silence from it when the customer was never contacted, and the "
        "monthly report counts the customer from that month on.",
    )
    last_contact_date = fields.Date(
        string="Last Contact",
        readonly=True,
        copy=False,
        help="At the last quarterly review: the last follow-up done, or "
        "customer contact logged on the customer or one of its opportunities.",
    )
    quarterly_review_date = fields.Date(
        string="Reviewed for Quarter",
        readonly=True,
        copy=False,
        help="The first day of the quarter the last quarterly review looked at.",
    )
    is_high_value = fields.Boolean(
        string="High Value",
        readonly=True,
        copy=False,
        help="Set by the quarterly review: the opportunities won over the last "
        "12 months reach the grade-A threshold, or a grade-A customer stayed "
        "satisfied without any breached complaint.",
    )
    is_churn_risk = fields.Boolean(
        string="Churn Risk",
        readonly=True,
        copy=False,
        help="Set by the quarterly review when one of the churn signals fired; "
        "the reason says which.",
    )
    churn_risk_reason = fields.Char(
        compute="_compute_churn_risk_reason",
        help="The churn signals that fired at the last quarterly review.",
    )
    churn_signal_silence = fields.Boolean(
        string="Signal: No Contact", readonly=True, copy=False
    )
    churn_signal_satisfaction = fields.Boolean(
        string="Signal: Satisfaction Falling", readonly=True, copy=False
    )
    churn_signal_low_score = fields.Boolean(
        string="Signal: Low Satisfaction Score", readonly=True, copy=False
    )
    churn_signal_breach = fields.Boolean(
        string="Signal: Breached Complaint", readonly=True, copy=False
    )
    quarter_satisfaction_avg = fields.Float(
        string="Quarter Satisfaction",
        readonly=True,
        copy=False,
        digits=(3, 2),
        aggregator="avg",
        help="Average satisfaction of the tickets closed in the reviewed quarter.",
    )
    previous_satisfaction_avg = fields.Float(
        string="Previous Quarter Satisfaction",
        readonly=True,
        copy=False,
        digits=(3, 2),
        aggregator="avg",
    )
    quarter_low_score = fields.Integer(
        string="Lowest Score in Quarter", readonly=True, copy=False, aggregator="min"
    )
    quarter_breach_count = fields.Integer(
        string="Breached Complaints in Quarter", readonly=True, copy=False
    )
    won_revenue_12m = fields.Float(
        string="Won over 12 Months",
        digits=(16, 0),
        readonly=True,
        copy=False,
        help="Expected revenue of the opportunities won over the 12 months "
        "ending with the reviewed quarter.",
    )
    churn_task_pending = fields.Boolean(
        string="Retention Task to Create", readonly=True, copy=False
    )
    high_value_task_pending = fields.Boolean(
        string="One-to-one Plan Task to Create", readonly=True, copy=False
    )

    # computes

    @api.depends(
        "is_churn_risk",
        "churn_signal_silence",
        "churn_signal_satisfaction",
        "churn_signal_low_score",
        "churn_signal_breach",
        "last_contact_date",
        "quarterly_review_date",
        "quarter_satisfaction_avg",
        "previous_satisfaction_avg",
        "quarter_low_score",
        "quarter_breach_count",
    )
    def _compute_churn_risk_reason(self):
        for partner in self:
            partner.churn_risk_reason = (
                " ".join(partner._churn_reasons()) if partner.is_churn_risk else False
            )

    def _churn_reasons(self):
        """The signals that fired, one complete sentence each."""
        reasons = []
        if self.churn_signal_silence:
            if self.last_contact_date:
                reasons.append(
                    self.env._(
                        "No contact since %(date)s.",
                        date=fields.Date.to_string(self.last_contact_date),
                    )
                )
            else:
                reasons.append(self.env._("No contact recorded since the activation."))
        if self.churn_signal_satisfaction:
            reasons.append(
                self.env._(
                    "Satisfaction fell from %(previous).1f to %(current).1f.",
                    previous=self.previous_satisfaction_avg,
                    current=self.quarter_satisfaction_avg,
                )
            )
        if self.churn_signal_low_score:
            reasons.append(
                self.env._(
                    "A satisfaction score of %(score)s in the quarter.",
                    score=self.quarter_low_score,
                )
            )
        if self.churn_signal_breach:
            reasons.append(
                self.env._(
                    "Complaints with a breached SLA in the quarter: %(count)s.",
                    count=self.quarter_breach_count,
                )
            )
        return reasons

    # CRUD

    def _auto_init(self):
        # Customers active before the install count from their creation: one
        # UPDATE, not a compute per partner.
        cr = self.env.cr
        if (
            self._auto
            and column_exists(cr, self._table, "profile_state")
            and not column_exists(cr, self._table, "activation_date")
        ):
            create_column(cr, self._table, "activation_date", "date")
            cr.execute(
                SQL(
                    "UPDATE %s SET activation_date = create_date::date"
                    " WHERE profile_state IN ('active', 'archived')",
                    SQL.identifier(self._table),
                )
            )
        return super()._auto_init()

    def init(self):
        result = super().init()
        if self._auto:
            create_index(
                self.env.cr, TASK_INDEX, self._table, ["id"], where=TASK_PREDICATE
            )
            create_index(
                self.env.cr,
                FLAGGED_INDEX,
                self._table,
                ["id"],
                where="is_churn_risk OR is_high_value",
            )
        return result

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(REVIEW_FIELDS, GUARD_ENGINE),
        }

    # business methods

    def _record_activation(self):
        """The profiles just activated: their activation date is today."""
        self.sudo().write({"activation_date": fields.Date.context_today(self)})

    @api.model
    def _review_quarter(self, company, quarter):
        """Review the active customers of ``company`` for the quarter starting
        on ``quarter``, in one UPDATE; mark the newly flagged ones for their
        task. Returns ``{team id: [newly churn-risk customer ids]}`` (``False``
        for customers without a team)."""
        self.env.flush_all()
        tz = company.resource_calendar_id.tz or "UTC"
        last = period.month_end(quarter + relativedelta(months=2))
        previous = quarter - relativedelta(months=3)
        year_ago = quarter + relativedelta(months=3, years=-1)
        q_start, q_end = period.utc_bounds(quarter, last, tz)
        p_start = period.utc_bounds(previous, previous, tz)[0]
        y_start = period.utc_bounds(year_ago, year_ago, tz)[0]
        data = self.env["ir.model.data"]
        values = {
            "company": company.id,
            "tz": tz,
            "quarter": quarter,
            "last": last,
            "q_start": q_start,
            "q_end": q_end,
            "p_start": p_start,
            "y_start": y_start,
            "silence_days": company.churn_silence_days,
            "drop": company.churn_satisfaction_drop,
            "low_score": company.churn_low_satisfaction,
            "on_breach": company.churn_on_breach,
            "threshold": company.grade_a_threshold,
            "hv_satisfaction": company.high_value_satisfaction,
            "mt_comment": data._xmlid_to_res_id("mail.mt_comment"),
            "mt_activities": data._xmlid_to_res_id("mail.mt_activities"),
        }
        rows = self.env.execute_query(quarterly_review.review_sql(values))
        self._clear_review_of_inactive(company, quarter)
        self.env["res.partner"].invalidate_model(list(REVIEW_FIELDS))
        new_risks = {}
        for partner_id, team_id in rows:
            new_risks.setdefault(team_id or False, []).append(partner_id)
        return new_risks

    @api.model
    def _clear_review_of_inactive(self, company, quarter):
        """Customers that are no longer active lose their flags."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner
                   SET is_churn_risk = FALSE, is_high_value = FALSE,
                       churn_signal_silence = FALSE,
                       churn_signal_satisfaction = FALSE,
                       churn_signal_low_score = FALSE, churn_signal_breach = FALSE,
                       churn_task_pending = FALSE, high_value_task_pending = FALSE,
                       quarterly_review_date = %(quarter)s
                 WHERE (is_churn_risk OR is_high_value)
                   AND COALESCE(company_id, grade_company_id) = %(company)s
                   AND (profile_state IS DISTINCT FROM 'active' OR NOT active)
                """,
                quarter=quarter,
                company=company.id,
            )
        )

    @api.model
    def _create_review_tasks(self, batch_size=500):
        """One batch of the tasks the last reviews asked for: a retention task
        for the owner of a new churn risk, a one-to-one plan for the account
        manager of a new high-value customer. Claims the customers with SKIP
        LOCKED (two workers share the work) and clears their markers; returns
        ``(done, remaining)``."""
        self.env["res.partner"].flush_model(
            ["churn_task_pending", "high_value_task_pending"]
        )
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT id FROM res_partner
                     WHERE %s
                  ORDER BY id
                     LIMIT %s
                       FOR NO KEY UPDATE SKIP LOCKED
                    """,
                    SQL(TASK_PREDICATE),
                    batch_size,
                )
            )
        ]
        partners = self.env["res.partner"].sudo().browse(ids)
        run_in_savepoints(
            self.env,
            partners,
            lambda batch: batch._schedule_review_tasks(),
            lambda partner: partner._clear_review_task_markers(),
            _logger,
            lambda partner: f"Quarterly review task of customer {partner.id}",
        )
        remaining = self.env.execute_query(
            SQL("SELECT COUNT(*) FROM res_partner WHERE %s", SQL(TASK_PREDICATE))
        )[0][0]
        return len(ids), remaining

    def _schedule_review_tasks(self):
        for partner in self:
            if partner.churn_task_pending and partner.is_churn_risk:
                owner = partner._followup_responsible("salesperson")
                if owner:
                    partner._schedule_review_task(owner, RETENTION_ACTIVITY)
            if partner.high_value_task_pending and partner.is_high_value:
                manager = partner._followup_responsible("account_manager")
                if manager:
                    partner._schedule_review_task(manager, ONE_TO_ONE_ACTIVITY)
        self._clear_review_task_markers()

    def _schedule_review_task(self, user, activity_type):
        """The review's task for ``user`` on this customer, in their language,
        saying why."""
        record = self.with_context(lang=user.lang or self.env.lang)
        activity = self.env.ref(activity_type)
        if activity_type == RETENTION_ACTIVITY:
            note = escape(" ".join(record._churn_reasons()))
        else:
            amount = f"{self.won_revenue_12m:,.0f}"
            note = escape(
                record.env._(
                    "Opportunities won over the last 12 months: %(amount)s. Agree "
                    "a one-to-one plan with the customer.",
                    amount=amount,
                )
            )
        record.sudo().activity_schedule(
            activity_type,
            date_deadline=activity.with_context(lang=user.lang)._get_date_deadline(),
            summary=activity.with_context(lang=user.lang).summary,
            note=Markup("<p>%s</p>") % note,
            user_id=user.id,
        )

    def _clear_review_task_markers(self):
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET churn_task_pending = FALSE,"
                " high_value_task_pending = FALSE WHERE id IN %s",
                tuple(self.ids) or (None,),
            )
        )
        self.invalidate_recordset(["churn_task_pending", "high_value_task_pending"])
