"""Grading: the A/B/C grade of customers and leads against company thresholds.

Shared by ``res.partner`` and ``crm.lead``. Each grades its own inputs (an
expected yearly amount, a need clarity, a benchmark flag for customers)
against the thresholds of its *grade company*: its company, else its owner's,
else the main company, never the current user's, so that a record gets the
same grade whoever (or whichever cron) computes it. The rule itself lives in
``tools/grading.py``, once, for Python and for SQL.
"""

import json

from markupsafe import Markup

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

    # re-grading after a threshold change (res.company._cron_regrade)

    @api.model
    def _regrade_batch(self, company, after_id, limit):
        """Re-grade, after ``company``'s thresholds changed, the next
        ``limit`` records it grades after id ``after_id``, in id order.

        Returns ``(seen, last_id, skipped_id, changed)``: how many records
        the batch held, the last id of it, the first id of it another
        transaction holds (None when none: those are skipped, not waited
        for, and the caller starts again from there), and how many changed
        grade."""
        raise NotImplementedError

    @api.model
    def _claim_regrade_batch(self, batch, changing):
        """Lock the rows of ``batch`` (an SQL query of ids, in id order) whose
        grade changes (``changing``: an SQL query of the ids among them,
        reading the batch as ``batch``) for this transaction, skipping those
        another transaction holds. A row keeping its grade is neither locked
        nor written: a lock writes the row as an update would. Returns
        ``(claimed ids, seen, last id, first skipped id or None)``."""
        rows = self.env.execute_query(
            SQL(
                """
                WITH batch AS (%(batch)s),
                changing AS (%(changing)s),
                claimed AS (
                    SELECT id FROM %(table)s
                     WHERE id IN (SELECT id FROM changing)
                       FOR NO KEY UPDATE SKIP LOCKED
                )
                SELECT batch.id, changing.id IS NOT NULL, claimed.id IS NOT NULL
                  FROM batch
             LEFT JOIN changing ON changing.id = batch.id
             LEFT JOIN claimed ON claimed.id = batch.id
              ORDER BY batch.id
                """,
                batch=batch,
                changing=changing,
                table=SQL.identifier(self._table),
            )
        )
        claimed = [row_id for row_id, _changes, locked in rows if locked]
        skipped = [row_id for row_id, changes, locked in rows if changes and not locked]
        return (
            claimed,
            len(rows),
            rows[-1][0] if rows else None,
            skipped[0] if skipped else None,
        )

    @api.model
    def _regrade_log_sql(self, author, note, tracked_field=None):
        """Data-modifying CTEs (to follow ``WITH changed AS (...)``, whose
        rows are ``(id, old_grade, new_grade)``) that log each change in its
        record's chatter in one INSERT: ``note(old label, new label)`` as the
        note, in the language of the context, from ``author`` (a res.users);
        with a tracking value of ``tracked_field`` when given. What
        ``_message_log_batch`` writes, set-based: a re-grade may change a
        hundred thousand grades."""
        labels = dict(GRADES)
        notes = {
            f"{old or '-'}{new}": str(
                Markup("<p>%s</p>") % note(labels.get(old, "-"), labels[new])
            )
            for old in (None, *labels)
            for new in labels
            if old != new
        }
        now = self.env.cr.now()
        logged = SQL(
            """
            logged AS (
                INSERT INTO mail_message (
                    model, res_id, body, message_type, subtype_id, is_internal,
                    author_id, email_from, reply_to, message_id,
                    email_add_signature, date,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(model)s, changed.id, note.value, 'notification',
                       %(subtype)s, TRUE, %(author)s, %(email_from)s,
                       %(reply_to)s, %(message_id)s, FALSE, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM changed
                  JOIN jsonb_each_text(%(notes)s::jsonb) AS note
                    ON note.key = COALESCE(changed.old_grade, '-')
                                  || changed.new_grade
             RETURNING id, res_id
            )
            """,
            model=self._name,
            now=now,
            uid=self.env.uid,
            notes=json.dumps(notes),
            **self._note_header_sql_values(author.partner_id.id),
        )
        if not tracked_field:
            return logged
        return SQL(
            """%(logged)s,
            tracked AS (
                INSERT INTO mail_tracking_value (
                    field_id, old_value_char, new_value_char, mail_message_id,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(field)s, old_label.label, new_label.label, logged.id,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM logged
                  JOIN changed ON changed.id = logged.res_id
             LEFT JOIN jsonb_each_text(%(labels)s::jsonb) AS old_label(grade, label)
                    ON old_label.grade = changed.old_grade
                  JOIN jsonb_each_text(%(labels)s::jsonb) AS new_label(grade, label)
                    ON new_label.grade = changed.new_grade
            )
            """,
            logged=logged,
            field=self.env["ir.model.fields"]._get(self._name, tracked_field).id,
            uid=self.env.uid,
            now=now,
            labels=json.dumps(labels),
        )


class _ThresholdColumns:
    """The thresholds of a company row joined in a query, as the rule reads
    them off a company record."""

    def __init__(self, alias):
        self.grade_a_threshold = SQL.identifier(alias, "grade_a_threshold")
        self.grade_b_threshold = SQL.identifier(alias, "grade_b_threshold")
