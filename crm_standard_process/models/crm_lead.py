"""Leads and opportunities (P10): grade, intake within a working day, first contact.

``crm.lead`` grades itself (``crm.grading.mixin``: its customer's grade,
else its expected revenue and need clarity against its grade company's
thresholds), measures its intake (entered within one working day of
capture) and its first contact (A and B leads within two working days), and
composes its follow-up discipline (``lead_followup_mixin``: the follow-up
clock, the stale ladder, the nurture pool), all behind the field guard.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from ..tools import sla_clock
from .customer_cooperation_mixin import COOPERATION_LEAD_FIELDS
from .field_guard_mixin import GUARD_ENGINE

# P10 on the working calendar: "within 24 h" of capture is one working day,
# "within 48 h" of creation two (see sla_clock.moment_after_working_days).
ENTRY_DAYS = 1
FIRST_CONTACT_DAYS = 2
# Set by the process only: the grade, the intake and first-contact clocks.
LEAD_ENGINE_FIELDS = (
    "customer_grade",
    "grade_company_id",
    "is_entered_late",
    "first_contact_deadline",
    "first_contact_date",
)
SEARCH_OPERATORS = {"=", "!=", "<", "<=", ">", ">="}


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = [
        "crm.lead",
        "crm.grading.mixin",
        "crm.lead.followup.mixin",
        "crm.archived.customer.lock.mixin",
    ]
    _grade_amount_field = "expected_revenue"
    _guard_readable_links = ("partner_id",)

    need_clarity = fields.Selection(
        help="A clear need grades the lead at least B; a vague one leaves it "
        "C unless the expected revenue says more, and can go to the nurture pool.",
    )
    grade_is_known = fields.Boolean(
        string="Grade Known",
        compute="_compute_grade_is_known",
        help="The grade rests on something: a customer in the customer process "
        "(or with an expected yearly amount), or the lead's own expected revenue "
        "or need clarity. Without any, a lead is C by default, which no badge "
        "shows.",
    )
    # P10 intake: entered within a working day of capture (the defaults read
    # the clock when called, as the constraint does, mocked clocks included)
    capture_date = fields.Datetime(
        string="Captured On",
        default=lambda self: fields.Datetime.now(),
        copy=False,
        help="When the lead was met or received (trade fair, call, web form); "
        "it should be entered within one working day.",
    )
    is_entered_late = fields.Boolean(
        string="Entered Late",
        compute="_compute_is_entered_late",
        store=True,
        help="Entered more than one working day (24 hours) after its capture.",
    )
    # P10 first contact: A/B leads within two working days (48 hours)
    first_contact_deadline = fields.Datetime(
        compute="_compute_first_contact_deadline",
        store=True,
        index="btree_not_null",
        help="A and B leads are contacted within two working days (48 hours) of "
        "their creation, or of becoming A or B.",
    )
    first_contact_date = fields.Datetime(
        string="First Contacted On",
        readonly=True,
        copy=False,
        help="The first real interaction with the customer: a call, meeting or "
        "e-mail activity marked done, or a message sent to the customer.",
    )
    first_contact_overdue = fields.Boolean(
        compute="_compute_first_contact_overdue",
        search="_search_first_contact_overdue",
        help="An open A or B lead past its first-contact deadline without any "
        "real interaction.",
    )
    next_followup_date = fields.Date(
        string="Next Follow-up",
        compute="_compute_next_followup_date",
        search="_search_next_followup_date",
        help="The earliest of the customer's next planned follow-up and this "
        "opportunity's own next activity.",
    )

    def _auto_init(self):
        """On a database with leads, the existing ones get no first-contact
        deadline nor lateness after the fact, and count as captured when
        entered: the rules apply from the installation on. Their grade
        company and grade are filled in SQL: a live database may hold 200,000
        leads, which Odoo would otherwise grade one by one in Python."""
        cr = self.env.cr
        if not column_exists(cr, "crm_lead", "capture_date"):
            create_column(cr, "crm_lead", "capture_date", "timestamp")
            cr.execute(SQL("UPDATE crm_lead SET capture_date = create_date"))
        for column, column_type in (
            ("is_entered_late", "boolean"),
            ("first_contact_deadline", "timestamp"),
        ):
            if not column_exists(cr, "crm_lead", column):
                create_column(cr, "crm_lead", column, column_type)
        if not column_exists(cr, "crm_lead", "grade_company_id"):
            create_column(cr, "crm_lead", "grade_company_id", "int4")
            cr.execute(
                SQL(
                    "UPDATE crm_lead SET grade_company_id = %s",
                    self._grade_company_sql("crm_lead"),
                )
            )
        fill_grade = not column_exists(cr, "crm_lead", "customer_grade")
        if fill_grade:
            create_column(cr, "crm_lead", "customer_grade", "varchar")
        # the next reminder moment of existing leads: one statement, once the
        # columns it reads are there and filled
        fill_stale_due = not column_exists(cr, "crm_lead", "stale_due_date")
        if fill_stale_due:
            create_column(cr, "crm_lead", "stale_due_date", "timestamp")
        result = super()._auto_init()
        if fill_grade:
            self._fill_customer_grade_in_sql()
        if fill_stale_due:
            self._store_stale_due_dates()
        return result

    @api.model
    def _fill_customer_grade_in_sql(self, lead_ids=None):
        """SQL twin of ``_compute_customer_grade``, in one statement over the
        existing leads (all of them, or ``lead_ids``)."""
        if lead_ids is not None and not lead_ids:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead
                   SET customer_grade = filled.grade
                  FROM (%(graded)s) filled
                 WHERE crm_lead.id = filled.id
                """,
                graded=self._graded_leads_sql(
                    SQL("graded.id IN %s", tuple(lead_ids))
                    if lead_ids is not None
                    else SQL("TRUE")
                ),
            )
        )
        self.invalidate_model(["customer_grade"])

    @api.model
    def _graded_leads_sql(self, where):
        """(id, old grade, grade) of the leads matching ``where`` (over the
        alias ``graded``): the rule of ``_compute_customer_grade`` in SQL."""
        return SQL(
            """
            SELECT graded.id, graded.customer_grade AS old_grade,
                   COALESCE(customer.customer_grade, %(grade)s) AS grade,
                   graded.grade_company_id
              FROM crm_lead graded
              JOIN res_company company ON company.id = graded.grade_company_id
         LEFT JOIN res_partner contact ON contact.id = graded.partner_id
         LEFT JOIN res_partner customer ON customer.id = contact.commercial_partner_id
             WHERE %(where)s
            """,
            grade=self._input_grade_sql("graded", "company"),
            where=where,
        )

    # computes

    @api.depends(
        "partner_id.commercial_partner_id.customer_grade",
        "expected_revenue",
        "need_clarity",
        "grade_company_id",
    )
    def _compute_customer_grade(self):
        for lead in self:
            lead.customer_grade = (
                lead.partner_id.commercial_partner_id.customer_grade
                or lead._input_grade()
            )

    @api.depends(
        "customer_grade",
        "partner_id.commercial_partner_id.customer_grade",
        "expected_revenue",
        "need_clarity",
    )
    def _compute_grade_is_known(self):
        for lead in self:
            lead.grade_is_known = bool(
                lead.customer_grade
                and (
                    lead.partner_id.commercial_partner_id.customer_grade
                    or lead.expected_revenue
                    or lead.need_clarity
                )
            )

    @api.depends(
        "partner_id.commercial_partner_id.next_followup_date", "activity_date_deadline"
    )
    def _compute_next_followup_date(self):
        for lead in self:
            dates = [
                lead.partner_id.commercial_partner_id.next_followup_date,
                lead.activity_date_deadline,
            ]
            lead.next_followup_date = min(filter(None, dates), default=False)

    def _search_next_followup_date(self, operator, value):
        if operator not in SEARCH_OPERATORS:
            raise UserError(self.env._("Unsupported search on Next Follow-up Date."))
        self.env.flush_all()
        # LEAST ignores NULLs: the earliest of the two dates that exist.
        next_date = SQL(
            """LEAST(
                (SELECT customer.next_followup_date
                   FROM res_partner contact
                   JOIN res_partner customer
                     ON customer.id = contact.commercial_partner_id
                  WHERE contact.id = %(partner)s),
                (SELECT MIN(activity.date_deadline)
                   FROM mail_activity activity
                  WHERE activity.res_model = 'crm.lead'
                    AND activity.res_id = %(lead)s
                    AND activity.active))""",
            partner=SQL.identifier("crm_lead", "partner_id"),
            lead=SQL.identifier("crm_lead", "id"),
        )
        if value is False or value is None:
            if operator not in ("=", "!="):
                raise UserError(
                    self.env._("Unsupported search on Next Follow-up Date.")
                )
            condition = SQL(
                "%s IS NULL" if operator == "=" else "%s IS NOT NULL", next_date
            )
        else:
            try:
                day = fields.Date.to_date(value)
            except (TypeError, ValueError):
                raise UserError(
                    self.env._(
                        "Next Follow-up Date: %(value)s is not a date.", value=value
                    )
                ) from None
            condition = SQL("%s %s %s", next_date, SQL(operator), day)
        query = self._search([])
        query.add_where(condition)
        return [("id", "in", query)]

    @api.depends("capture_date", "create_date", "grade_company_id")
    def _compute_is_entered_late(self):
        for lead in self:
            captured, created = lead.capture_date, lead.create_date
            if not (captured and created) or created <= captured:
                lead.is_entered_late = False  # the usual case: entered as captured
                continue
            lead.is_entered_late = created > sla_clock.moment_after_working_days(
                captured, ENTRY_DAYS, lead._working_calendar()
            )

    @api.depends("customer_grade")
    def _compute_first_contact_deadline(self):
        # From the moment the lead is A or B: its creation (the transaction's
        # time, as create_date), or its upgrade later on; a lead keeps its
        # deadline while it stays A or B.
        now = self.env.cr.now()
        for lead in self:
            if lead.customer_grade not in ("a", "b"):
                lead.first_contact_deadline = False
            elif not lead.first_contact_deadline:
                lead.first_contact_deadline = sla_clock.moment_after_working_days(
                    now, FIRST_CONTACT_DAYS, lead._working_calendar()
                )

    @api.depends(
        "customer_grade",
        "first_contact_deadline",
        "first_contact_date",
        "active",
        "stage_id.is_won",
    )
    def _compute_first_contact_overdue(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.first_contact_overdue = bool(
                lead._is_open()
                and lead.customer_grade in ("a", "b")
                and not lead.first_contact_date
                and lead.first_contact_deadline
                and lead.first_contact_deadline <= now
            )

    def _search_first_contact_overdue(self, operator, value):
        overdue = self._search(
            [
                ("customer_grade", "in", ("a", "b")),
                ("first_contact_date", "=", False),
                ("first_contact_deadline", "<=", fields.Datetime.now()),
                *self._open_domain(),
            ]
        )
        return [("id", self._boolean_search_operator(operator, value), overdue)]

    # constraints

    @api.constrains("capture_date")
    def _check_capture_date(self):
        now = fields.Datetime.now()
        for lead in self:
            if lead.capture_date and lead.capture_date > now:
                raise ValidationError(
                    self.env._(
                        "The capture date of %(lead)s cannot lie in the future.",
                        lead=lead.display_name,
                    )
                )

    # CRUD

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(LEAD_ENGINE_FIELDS, GUARD_ENGINE),
        }

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads.filtered(
            lambda lead: lead.stage_id.is_won and lead.date_closed
        )._cooperation_customers()._store_cooperation_start_dates()
        return leads

    def write(self, vals):
        moved = self._leads_changing_owner(vals)
        # a lead won, un-won, lost, reassigned moves its customers' start
        customers = (
            self._cooperation_customers()
            if COOPERATION_LEAD_FIELDS & vals.keys()
            else None
        )
        result = super().write(vals)
        moved._restart_followup_period()
        if customers is not None:
            (customers | self._cooperation_customers())._store_cooperation_start_dates()
        return result

    def unlink(self):
        customers = self._cooperation_customers()
        result = super().unlink()
        customers._store_cooperation_start_dates()
        return result

    # mail

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if self._is_customer_contact(message):
            self._register_customer_contact(message.date)
        return result

    # business methods

    @api.model
    def _regrade_batch(self, company, after_id, limit):
        """Re-grade the next leads ``company``'s thresholds grade, by the lead's
        own grade company or by its customer's (see
        ``crm.grading.mixin._regrade_batch``; the customers are re-graded
        first), in one UPDATE with what depends on the grade (the
        first-contact deadline of leads becoming A or B), and track each new
        grade in the lead's chatter in the same statement."""
        self.env.flush_all()
        claimed, seen, last_id, skipped_id = self._claim_regrade_batch(
            SQL(
                """
                SELECT lead.id
                  FROM crm_lead lead
             LEFT JOIN res_partner contact ON contact.id = lead.partner_id
             LEFT JOIN res_partner customer
                    ON customer.id = contact.commercial_partner_id
                 WHERE lead.id > %(after)s
                   AND (lead.grade_company_id = %(company)s
                        OR (customer.grade_company_id = %(company)s
                            AND customer.customer_grade IS NOT NULL))
              ORDER BY lead.id LIMIT %(limit)s
                """,
                after=after_id,
                company=company.id,
                limit=limit,
            ),
            SQL(
                "SELECT id FROM (%s) AS regraded"
                " WHERE old_grade IS DISTINCT FROM grade",
                self._graded_leads_sql(SQL("graded.id IN (SELECT id FROM batch)")),
            ),
        )
        if not claimed:
            return seen, last_id, skipped_id, 0
        # the first-contact deadline of a lead becoming A or B, as its compute
        # gives it: two working days from now on its grade company's calendar
        now = self.env.cr.now()
        companies = self.env["res.company"].sudo().search([])
        deadlines = [
            sla_clock.moment_after_working_days(
                now, FIRST_CONTACT_DAYS, c.resource_calendar_id or None
            )
            for c in companies
        ]
        author = company.regrade_requested_by_id or self.env.user
        in_lang = self.with_context(lang=author.lang or self.env.lang).env
        changed = self.env.execute_query(
            SQL(
                """
                WITH regraded AS (%(graded)s),
                changed AS (
                    UPDATE crm_lead lead
                       SET customer_grade = regraded.grade,
                           first_contact_deadline = CASE
                               WHEN regraded.grade IN ('a', 'b')
                               THEN COALESCE(lead.first_contact_deadline,
                                             deadline.moment)
                               END,
                           write_uid = %(uid)s,
                           write_date = %(now)s
                      FROM regraded
                 LEFT JOIN unnest(%(companies)s::int[], %(deadlines)s::timestamp[])
                           AS deadline(company_id, moment)
                        ON deadline.company_id = regraded.grade_company_id
                     WHERE lead.id = regraded.id
                       AND regraded.old_grade IS DISTINCT FROM regraded.grade
                 RETURNING lead.id, regraded.old_grade,
                           regraded.grade AS new_grade
                ),
                %(log)s
                SELECT COUNT(*) FROM changed
                """,
                graded=self._graded_leads_sql(SQL("graded.id = ANY(%s)", claimed)),
                uid=self.env.uid,
                now=now,
                companies=companies.ids,
                deadlines=deadlines,
                log=self._regrade_log_sql(
                    author,
                    lambda old, new: in_lang._(
                        "Grade changed from %(old)s to %(new)s after the grade "
                        "thresholds changed.",
                        old=old,
                        new=new,
                    ),
                    tracked_field="customer_grade",
                ),
            )
        )[0][0]
        if changed:
            self.invalidate_model(
                [
                    "customer_grade",
                    "first_contact_deadline",
                    "write_uid",
                    "write_date",
                    "message_ids",
                ]
            )
        return seen, last_id, skipped_id, changed

    def _cooperation_customers(self):
        """The customers whose cooperation start these leads weigh in."""
        return (
            self.sudo().with_context(active_test=False).partner_id.commercial_partner_id
        )

    def _working_calendar(self):
        """The calendar that counts the lead's working days, if its grade
        company has one."""
        return (
            self.grade_company_id or self._main_company()
        ).resource_calendar_id or None

    def _is_open(self):
        """Whether this lead is open, as ``_open_domain`` says."""
        self.ensure_one()
        return bool(self.filtered_domain(self._open_domain()))

    @api.model
    def _open_domain(self):
        """The open leads and opportunities: not lost (archived) nor won. The
        one definition the flags, their filters and the stale job use."""
        return [
            ("active", "=", True),
            "|",
            ("stage_id", "=", False),
            ("stage_id.is_won", "=", False),
        ]

    def _boolean_search_operator(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on a lead flag."))
        return "in" if (operator == "=") == value else "not in"

    # crons

    @api.model
    def _cron_stale_leads(self, batch_size=500):
        """Fire the next stale step of each lead without follow-up (owner,
        team manager, optionally back to the pool), once per period, and give
        the nurture pool its periodic touch: one batch a call (see
        ``crm.escalation.mixin``)."""
        self._run_escalations(fields.Datetime.now(), batch_size)
