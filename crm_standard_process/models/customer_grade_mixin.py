"""The customer's grade: computed, overridden, proposed, confirmed by a manager.

Customers only (``res.partner``), on top of the shared grading rule
(``crm.grading.mixin``). The grade in force is the override when there is
one, else the grade the inputs give. On an active profile a salesperson's
change of the inputs or of the override is a *proposal*: the grade shows "to
confirm" and a manager is asked; the follow-up plan follows the *confirmed*
grade only, so nothing moves until a manager of the customer's team (or a
sales admin) confirms. A manager's own change is confirmed at once.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools.grading import GRADES
from .field_guard_mixin import GUARD_ADMIN, GUARD_ENGINE, GUARD_MANAGER

# Writing one of these may change the grade in force.
GRADE_INPUT_FIELDS = {
    "expected_annual_amount",
    "is_industry_benchmark",
    "need_clarity",
    "grade_override",
    "company_id",
    "user_id",
}
GRADE_CONFIRMATION_ACTIVITY = (
    "crm_standard_process.mail_activity_type_grade_confirmation"
)


class CrmCustomerGradeMixin(models.AbstractModel):
    _name = "crm.customer.grade.mixin"
    _inherit = ["crm.grading.mixin", "crm.field.guard.mixin"]
    _description = "Customer Grade and its Confirmation"
    _grade_amount_field = "expected_annual_amount"
    _grade_benchmark_field = "is_industry_benchmark"
    _guard_non_negative = ("expected_annual_amount",)

    profile_currency_id = fields.Many2one(
        "res.currency", compute="_compute_profile_currency_id"
    )
    expected_annual_amount = fields.Monetary(
        currency_field="profile_currency_id",
        tracking=True,
        help="Expected yearly business with this customer, in the currency of "
        "the company whose thresholds grade it.",
    )
    is_industry_benchmark = fields.Boolean(
        tracking=True, help="Graded A whatever the amount."
    )
    computed_grade = fields.Selection(
        GRADES,
        compute="_compute_computed_grade",
        store=True,
        help="The grade the thresholds give.",
    )
    grade_override = fields.Selection(GRADES, tracking=True, copy=False)
    grade_override_reason = fields.Text(tracking=True, copy=False)
    grade_differs = fields.Boolean(
        compute="_compute_customer_grade", store=True, string="Grade Overridden"
    )
    confirmed_grade = fields.Selection(GRADES, readonly=True, copy=False, tracking=True)
    grade_confirmed_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    grade_confirmed_date = fields.Datetime(
        readonly=True, copy=False, string="Grade Confirmed On"
    )
    grade_to_confirm = fields.Boolean(
        compute="_compute_grade_to_confirm",
        search="_search_grade_to_confirm",
        help="The grade in force has not been confirmed by a manager.",
    )

    # computes

    @api.depends("grade_company_id.currency_id")
    def _compute_profile_currency_id(self):
        # The amounts are in the currency of the thresholds that grade them:
        # no conversion, no rate date, the same for every user and the cron.
        for partner in self:
            partner.profile_currency_id = (
                partner.grade_company_id or partner._main_company()
            ).currency_id

    @api.depends(
        "profile_state",
        "expected_annual_amount",
        "is_industry_benchmark",
        "need_clarity",
        "grade_company_id",
    )
    def _compute_computed_grade(self):
        for partner in self:
            if not partner.profile_state and not partner.expected_annual_amount:
                partner.computed_grade = False
            else:
                partner.computed_grade = partner._input_grade()

    @api.depends("computed_grade", "grade_override")
    def _compute_customer_grade(self):
        for partner in self:
            partner.customer_grade = partner.grade_override or partner.computed_grade
            partner.grade_differs = bool(
                partner.grade_override
                and partner.grade_override != partner.computed_grade
            )

    @api.depends("customer_grade", "confirmed_grade")
    def _compute_grade_to_confirm(self):
        for partner in self:
            partner.grade_to_confirm = bool(
                partner.customer_grade
                and partner.customer_grade != partner.confirmed_grade
            )

    def _search_grade_to_confirm(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Grade to Confirm."))
        to_confirm = SQL(
            "(%s IS NOT NULL AND %s IS DISTINCT FROM %s)",
            SQL.identifier("res_partner", "customer_grade"),
            SQL.identifier("res_partner", "customer_grade"),
            SQL.identifier("res_partner", "confirmed_grade"),
        )
        self.flush_model(["customer_grade", "confirmed_grade"])
        query = self._search([])
        query.add_where(
            to_confirm if (operator == "=") == value else SQL("NOT %s", to_confirm)
        )
        return [("id", "in", query)]

    # constraints

    @api.constrains("grade_override", "grade_override_reason")
    def _check_grade_override_reason(self):
        for partner in self:
            if (
                partner.grade_override
                and not (partner.grade_override_reason or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Overriding the grade of %(customer)s needs a reason.",
                        customer=partner.display_name,
                    )
                )

    # CRUD

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(
                (
                    "computed_grade",
                    "customer_grade",
                    "grade_differs",
                    "grade_company_id",
                ),
                GUARD_ENGINE,
            ),
            **dict.fromkeys(
                ("confirmed_grade", "grade_confirmed_by_id", "grade_confirmed_date"),
                GUARD_ADMIN,
            ),
        }

    # actions

    def action_confirm_grade(self):
        """A manager confirms the grade in force; the follow-up plan follows."""
        self._check_can_review()
        if not all(self.mapped("customer_grade")):
            raise UserError(
                self.env._("Only a graded customer's grade can be confirmed.")
            )
        for partner in self:
            partner._write_guarded(partner._grade_confirmation_values())
        self.sudo().activity_unlink([GRADE_CONFIRMATION_ACTIVITY])
        self._follow_grade_plan()
        return True

    # business methods

    def _grade_confirmation_values(self):
        return {
            "confirmed_grade": self.customer_grade,
            "grade_confirmed_by_id": self.env.user.id,
            "grade_confirmed_date": fields.Datetime.now(),
        }

    def _grade_inputs_changed(self):
        """After a write of the grade inputs: on active profiles, a manager's
        new grade is confirmed at once; anyone else's waits for a manager,
        who is asked to confirm it."""
        changed = self.filtered(
            lambda p: p.profile_state == "active" and p.grade_to_confirm
        )
        if not changed:
            return
        if changed._guard_user_holds(GUARD_MANAGER):
            changed.action_confirm_grade()
            return
        for partner in changed:
            reviewer = partner._profile_reviewer()
            if reviewer and not partner.sudo().activity_search(
                [GRADE_CONFIRMATION_ACTIVITY]
            ):
                partner._schedule_for(
                    reviewer,
                    GRADE_CONFIRMATION_ACTIVITY,
                    lambda record: record._review_task_summary(
                        GRADE_CONFIRMATION_ACTIVITY
                    ),
                )

    @api.model
    def _regrade_batch(self, company, after_id, limit):
        """Re-grade the next customers ``company`` grades (see
        ``crm.grading.mixin._regrade_batch``) in one UPDATE, and log each
        change in its chatter in the same statement. A grade that was
        confirmed moves with the thresholds, confirmed as they were by whoever
        changed them (the follow-up job then moves the plan); a proposal
        waiting for confirmation keeps waiting."""
        self.env.flush_all()
        claimed, seen, last_id, skipped_id = self._claim_regrade_batch(
            SQL(
                """
                SELECT id FROM res_partner
                 WHERE grade_company_id = %s AND computed_grade IS NOT NULL
                   AND id > %s
              ORDER BY id LIMIT %s
                """,
                company.id,
                after_id,
                limit,
            ),
            SQL(
                """
                SELECT res_partner.id
                  FROM res_partner
                  JOIN res_company company
                    ON company.id = res_partner.grade_company_id
                 WHERE res_partner.id IN (SELECT id FROM batch)
                   AND res_partner.computed_grade IS DISTINCT FROM %s
                """,
                self._input_grade_sql("res_partner", "company"),
            ),
        )
        if not claimed:
            return seen, last_id, skipped_id, 0
        author = company.regrade_requested_by_id or self.env.user
        in_lang = self.with_context(lang=author.lang or self.env.lang).env
        changed = self.env.execute_query(
            SQL(
                """
                WITH regraded AS (
                    SELECT res_partner.id,
                           res_partner.computed_grade AS old_grade,
                           res_partner.customer_grade AS old_customer_grade,
                           %(grade)s AS new_grade
                      FROM res_partner
                      JOIN res_company company
                        ON company.id = res_partner.grade_company_id
                     WHERE res_partner.id = ANY(%(ids)s)
                ),
                changed AS (
                    UPDATE res_partner partner
                       SET computed_grade = regraded.new_grade,
                           customer_grade =
                               COALESCE(partner.grade_override, regraded.new_grade),
                           grade_differs = partner.grade_override IS NOT NULL
                               AND partner.grade_override != regraded.new_grade,
                           confirmed_grade = CASE
                               WHEN partner.confirmed_grade
                                    = regraded.old_customer_grade
                               THEN COALESCE(partner.grade_override,
                                             regraded.new_grade)
                               ELSE partner.confirmed_grade END,
                           write_uid = %(uid)s,
                           write_date = %(now)s
                      FROM regraded
                     WHERE partner.id = regraded.id
                       AND regraded.old_grade IS DISTINCT FROM regraded.new_grade
                 RETURNING partner.id, regraded.old_grade, regraded.new_grade
                ),
                %(log)s
                SELECT COUNT(*) FROM changed
                """,
                grade=self._input_grade_sql("res_partner", "company"),
                ids=claimed,
                uid=self.env.uid,
                now=self.env.cr.now(),
                log=self._regrade_log_sql(
                    author,
                    lambda old, new: in_lang._(
                        "Computed grade changed from %(old)s to %(new)s after the "
                        "grade thresholds changed.",
                        old=old,
                        new=new,
                    ),
                ),
            )
        )[0][0]
        if changed:
            self.invalidate_model(
                [
                    "computed_grade",
                    "customer_grade",
                    "grade_differs",
                    "confirmed_grade",
                    "write_uid",
                    "write_date",
                    "message_ids",
                ]
            )
        return seen, last_id, skipped_id, changed
