"""Grading: the A/B/C grade of customers and leads against company thresholds.

Shared by ``res.partner`` and ``crm.lead``. Each grades its own inputs (an
expected yearly amount, a need clarity, a benchmark flag for customers)
against the thresholds of its *grade company*: its company, else its owner's,
else the main company, never the current user's, so that a record gets the
same grade whoever (or whichever cron) computes it. The rule itself lives in
``tools/grading.py``, once, for Python and for SQL.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.grading import GRADES, NEED_CLARITIES, grade_for, grade_sql


class CrmGradingMixin(models.AbstractModel):
    _name = "crm.grading.mixin"
    _description = "A/B/C Grading"

    # The record's inputs to the rule: its expected yearly amount, and
    # whether it is an industry benchmark (None: no such input).
    _grade_amount_field = None
    _grade_benchmark_field = None

    need_clarity = fields.Selection(
        NEED_CLARITIES,
        tracking=True,
        help="A clear need grades at least B; a vague one leaves C unless the "
        "expected amount says more.",
    )
    customer_grade = fields.Selection(
        GRADES,
        string="Grade",
        compute="_compute_customer_grade",
        store=True,
        tracking=True,
        index="btree_not_null",
        help="The grade in force. A customer: its override, else the grade its "
        "inputs give. A lead: its customer's grade, else its own inputs'.",
    )
    grade_company_id = fields.Many2one(
        "res.company",
        compute="_compute_grade_company_id",
        store=True,
        index="btree_not_null",
        help="Whose thresholds and delays apply: the company, else the "
        "owner's company, else the main company.",
    )

    # computes

    @api.depends("company_id", "user_id.company_id")
    def _compute_grade_company_id(self):
        # Never the current user's company (see the module docstring).
        main_company = self._main_company()
        for record in self:
            record.grade_company_id = (
                record.company_id or record.user_id.company_id or main_company
            )

    def _compute_customer_grade(self):
        raise NotImplementedError  # each model says what is in force

    # business methods

    @api.model
    def _main_company(self):
        """The company of records with no company and no owner."""
        return (
            self.env.ref("base.main_company", raise_if_not_found=False)
            or self.env["res.company"].sudo().search([], order="id", limit=1)
        ).sudo()

    def _input_grade(self):
        """The grade the record's own inputs give, against its thresholds."""
        self.ensure_one()
        benchmark = self._grade_benchmark_field
        return grade_for(
            self.grade_company_id or self._main_company(),
            self[self._grade_amount_field],
            benchmark=benchmark and self[benchmark],
            clarity=self.need_clarity,
        )

    @api.model
    def _input_grade_sql(self, alias, company_alias):
        """SQL twin of ``_input_grade`` for the row ``alias`` of this model,
        its grade company joined as ``company_alias``."""
        benchmark = self._grade_benchmark_field
        return grade_sql(
            SQL.identifier(alias, self._grade_amount_field),
            _ThresholdColumns(company_alias),
            benchmark=benchmark and SQL.identifier(alias, benchmark),
            clarity=SQL.identifier(alias, "need_clarity"),
        )

    @api.model
    def _grade_company_sql(self, alias):
        """SQL twin of ``_compute_grade_company_id`` for the row ``alias``."""
        return SQL(
            """COALESCE(%s, (SELECT owner.company_id FROM res_users owner
                              WHERE owner.id = %s), %s)""",
            SQL.identifier(alias, "company_id"),
            SQL.identifier(alias, "user_id"),
            self._main_company().id,
        )


class _ThresholdColumns:
    """The thresholds of a company row joined in a query, as the rule reads
    them off a company record."""

    def __init__(self, alias):
        self.grade_a_threshold = SQL.identifier(alias, "grade_a_threshold")
        self.grade_b_threshold = SQL.identifier(alias, "grade_b_threshold")
