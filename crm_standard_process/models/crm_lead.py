import logging
from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.sql import column_exists, create_column

from ..tools import sla_clock
from ..tools.cron_batch import run_in_savepoints
from ..tools.grading import GRADES, NEED_CLARITIES, grade_for, grade_sql

_logger = logging.getLogger(__name__)

# P10 on the working calendar: "within 24 h" of capture is one working day,
# "within 48 h" of creation two (see sla_clock.moment_after_working_days).
ENTRY_DAYS = 1
FIRST_CONTACT_DAYS = 2
# The stale ladder, one step per stale period, in this order.
STALE_STEPS = [
    ("owner", "Owner Reminded"),
    ("manager", "Manager Notified"),
    ("pool", "Returned to Pool"),
]
NURTURE_TOUCH = "nurture"
STALE_REMINDER_TYPE = "crm_standard_process.mail_activity_type_stale_lead"
NURTURE_TOUCH_TYPE = "crm_standard_process.mail_activity_type_nurture_touch"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    customer_grade = fields.Selection(
        GRADES,
        string="Grade",
        compute="_compute_customer_grade",
        store=True,
        tracking=True,
        index="btree_not_null",
        help="The customer's grade; without a graded customer, the expected "
        "revenue against the company's grade thresholds, a clear need "
        "counting as B.",
    )
    need_clarity = fields.Selection(
        NEED_CLARITIES,
        tracking=True,
        help="A clear need grades the lead at least B; a vague one leaves it "
        "C unless the expected revenue says more, and can go to the nurture pool.",
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
    # P10 follow-up clock: real interactions only
    last_followup_date = fields.Datetime(
        string="Last Follow-up",
        readonly=True,
        copy=False,
        help="The last real interaction with the customer. Notes, automated "
        "activities, reminders and edits of the lead do not count.",
    )
    followup_clock_date = fields.Datetime(
        string="Follow-up Clock Start",
        default=lambda self: fields.Datetime.now(),
        readonly=True,
        copy=False,
        help="Start of the current period without follow-up: the last real "
        "interaction, else when the current salesperson got the lead.",
    )
    is_stale = fields.Boolean(
        string="Stale",
        compute="_compute_is_stale",
        search="_search_is_stale",
        help="Open and without real follow-up for the company's stale delay.",
    )
    stale_step = fields.Selection(
        STALE_STEPS,
        string="Stale Reminders",
        readonly=True,
        copy=False,
        help="How far the stale reminders went in the current period without "
        "follow-up; a real interaction or a new salesperson starts afresh.",
    )
    stale_step_date = fields.Datetime(
        string="Stale Reminder Sent On", readonly=True, copy=False
    )
    reminder_retry_date = fields.Datetime(
        readonly=True,
        copy=False,
        help="A reminder for this lead failed; it is tried again from then on.",
    )
    stale_due_date = fields.Datetime(
        string="Next Reminder On",
        compute="_compute_stale_due_date",
        store=True,
        index="btree_not_null",
        help="When the lead's next stale reminder or nurture touch falls due; "
        "empty when the lead is won, lost or at its last step.",
    )
    # P10 nurture pool: vague leads, touched lightly now and then
    in_nurture_pool = fields.Boolean(
        readonly=True,
        copy=False,
        tracking=True,
        help="A lead with a vague need, kept warm with a periodic light touch "
        "(news, industry information) instead of stale reminders.",
    )
    nurture_touch_date = fields.Datetime(
        string="Last Nurture Touch",
        readonly=True,
        copy=False,
        help="When the lead entered the nurture pool or was last given a touch.",
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
        entered: the rules apply from the installation on. Their grade is
        filled in SQL: a live database may hold 200,000 leads, which Odoo
        would otherwise grade one by one in Python at install."""
        if not column_exists(self.env.cr, "crm_lead", "capture_date"):
            create_column(self.env.cr, "crm_lead", "capture_date", "timestamp")
            self.env.cr.execute(SQL("UPDATE crm_lead SET capture_date = create_date"))
        for column, column_type in (
            ("is_entered_late", "boolean"),
            ("first_contact_deadline", "timestamp"),
        ):
            if not column_exists(self.env.cr, "crm_lead", column):
                create_column(self.env.cr, "crm_lead", column, column_type)
        if not column_exists(self.env.cr, "crm_lead", "customer_grade"):
            create_column(self.env.cr, "crm_lead", "customer_grade", "varchar")
            self._fill_customer_grade_in_sql()
        # The next reminder moment of existing leads: one statement, once the
        # columns it reads are there and filled.
        fill_stale_due = not column_exists(self.env.cr, "crm_lead", "stale_due_date")
        if fill_stale_due:
            create_column(self.env.cr, "crm_lead", "stale_due_date", "timestamp")
        result = super()._auto_init()
        if fill_stale_due:
            self._store_stale_due_dates()
        return result

    @api.model
    def _fill_customer_grade_in_sql(self, lead_ids=None):
        """SQL twin of ``_compute_customer_grade``, in one statement over the
        existing leads (all of them, or ``lead_ids``): the customer's grade,
        else the expected revenue and need clarity against the thresholds of
        the lead's company, or of the current company for a lead without one.
        At install the need clarity has no column yet (no lead has one) and
        the thresholds have theirs (res.company is set up first, with the
        defaults filled in)."""
        if lead_ids is not None and not lead_ids:
            return
        cr = self.env.cr
        clarity = None
        if column_exists(cr, "crm_lead", "need_clarity"):
            clarity = SQL.identifier("graded", "need_clarity")
        grade = grade_sql(
            SQL.identifier("graded", "expected_revenue"),
            SimpleNamespace(
                grade_a_threshold=SQL.identifier("company", "grade_a_threshold"),
                grade_b_threshold=SQL.identifier("company", "grade_b_threshold"),
            ),
            clarity=clarity,
        )
        if column_exists(cr, "res_partner", "customer_grade"):
            grade = SQL("COALESCE(customer.customer_grade, %s)", grade)
        cr.execute(
            SQL(
                """
                UPDATE crm_lead
                   SET customer_grade = filled.grade
                  FROM (
                    SELECT graded.id, %(grade)s AS grade
                      FROM crm_lead graded
                      JOIN res_company company
                        ON company.id = COALESCE(graded.company_id, %(current)s)
                 LEFT JOIN res_partner contact ON contact.id = graded.partner_id
                 LEFT JOIN res_partner customer
                        ON customer.id = contact.commercial_partner_id
                     %(only)s
                  ) filled
                 WHERE crm_lead.id = filled.id
                """,
                grade=grade,
                current=self.env.company.id,
                only=SQL("WHERE graded.id IN %s", tuple(lead_ids))
                if lead_ids is not None
                else SQL(),
            )
        )

    # computes

    @api.depends(
        "partner_id.commercial_partner_id.customer_grade",
        "expected_revenue",
        "need_clarity",
    )
    def _compute_customer_grade(self):
        for lead in self:
            customer_grade = lead.partner_id.commercial_partner_id.customer_grade
            lead.customer_grade = customer_grade or grade_for(
                lead.company_id or self.env.company,
                lead.expected_revenue,
                clarity=lead.need_clarity,
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
        sql_operators = {
            "=": "=",
            "!=": "!=",
            "<": "<",
            "<=": "<=",
            ">": ">",
            ">=": ">=",
        }
        if operator not in sql_operators:
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
            condition = SQL(
                "%s %s %s",
                next_date,
                SQL(sql_operators[operator]),
                fields.Date.to_date(value),
            )
        query = self._search([])
        query.add_where(condition)
        return [("id", "in", query)]

    @api.depends("capture_date", "create_date")
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

    @api.depends("followup_clock_date", "in_nurture_pool", "active", "stage_id.is_won")
    def _compute_is_stale(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.is_stale = bool(
                lead._is_open()
                and not lead.in_nurture_pool
                and lead.followup_clock_date
                and lead.followup_clock_date <= lead._stale_clock_limit(now)
            )

    @api.depends(
        "active",
        "stage_id.is_won",
        "company_id",
        "user_id",
        "in_nurture_pool",
        "nurture_touch_date",
        "followup_clock_date",
        "stale_step",
        "stale_step_date",
        "reminder_retry_date",
    )
    def _compute_stale_due_date(self):
        # the company delays are not dependencies: a change of them updates
        # the company's leads in one statement (_store_stale_due_dates)
        open_leads = self.filtered_domain(self._open_domain())
        for lead in self:
            lead.stale_due_date = lead in open_leads and lead._next_reminder_moment()

    def _search_is_stale(self, operator, value):
        sign = self._boolean_search_operator(operator, value)
        self.env["res.company"].flush_model(["stale_lead_days"])
        self.flush_model(["followup_clock_date", "company_id"])
        stale = self._search([("in_nurture_pool", "=", False), *self._open_domain()])
        stale.add_where(
            SQL(
                """EXISTS (
                    SELECT 1 FROM res_company company
                     WHERE company.id = COALESCE(%(lead_company)s, %(company)s)
                       AND %(stale)s)""",
                lead_company=SQL.identifier("crm_lead", "company_id"),
                company=self.env.company.id,
                stale=self._stale_clock_sql("crm_lead", fields.Datetime.now()),
            )
        )
        return [("id", sign, stale)]

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

    def write(self, vals):
        # A new salesperson gets a fresh period without follow-up; a same-value
        # write or a return to the pool (no salesperson) changes nothing.
        moved = self.browse()
        if vals.get("user_id") and "followup_clock_date" not in vals:
            moved = self.filtered(lambda lead: lead.user_id.id != vals["user_id"])
            moved.filtered("stale_step")._unlink_stale_reminders()
            if moved and moved == self:
                vals = {**vals, **self._followup_restart_values()}
                moved = self.browse()
        result = super().write(vals)
        if moved:  # some of the leads already had that salesperson
            super(CrmLead, moved).write(self._followup_restart_values())
        return result

    # mail

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if self._is_customer_contact(message):
            self._register_customer_contact(message.date)
        return result

    # actions

    def action_move_to_nurture_pool(self):
        """Park leads whose need is vague in the nurture pool."""
        not_vague = self.filtered(lambda lead: lead.need_clarity != "vague")
        if not_vague:
            raise UserError(
                self.env._(
                    "Only leads with a vague need go to the nurture pool; set the "
                    "need clarity of %(leads)s to Vague first.",
                    leads=", ".join(not_vague.mapped("display_name")),
                )
            )
        closed = self.filtered(lambda lead: not lead._is_open())
        if closed:
            raise UserError(
                self.env._(
                    "Won or lost leads do not go to the nurture pool: %(leads)s.",
                    leads=", ".join(closed.mapped("display_name")),
                )
            )
        leads = self.filtered(lambda lead: not lead.in_nurture_pool)
        leads._unlink_stale_reminders()
        leads.write(
            {
                "in_nurture_pool": True,
                "nurture_touch_date": fields.Datetime.now(),
                **self._followup_restart_values(),
            }
        )
        return True

    def action_leave_nurture_pool(self):
        """Back to the active pipeline, with a fresh follow-up period."""
        leads = self.filtered("in_nurture_pool")
        leads._unlink_nurture_touches()
        leads.write(
            {
                "in_nurture_pool": False,
                "nurture_touch_date": False,
                **self._followup_restart_values(),
            }
        )
        return True

    # business methods

    @api.model
    def _regrade_leads(self, companies):
        """Re-grade the companies' leads: the customer's grade, else the
        expected revenue and need clarity against the thresholds of the
        lead's company (the current company for a lead without one, as the
        compute does). One query per company finds the leads whose grade
        changes; one write per new grade stores it, tracked in the chatter,
        and recomputes what depends on it (the first-contact deadline)."""
        self.env.flush_all()
        regraded = defaultdict(list)
        for company in companies:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT regraded.id, regraded.new_grade
                      FROM (
                        SELECT graded.id, graded.customer_grade AS old_grade,
                               COALESCE(customer.customer_grade, %(grade)s) AS new_grade
                          FROM crm_lead graded
                     LEFT JOIN res_partner contact ON contact.id = graded.partner_id
                     LEFT JOIN res_partner customer
                            ON customer.id = contact.commercial_partner_id
                         WHERE graded.company_id = %(company)s
                            OR (graded.company_id IS NULL AND %(current)s)
                      ) regraded
                     WHERE regraded.old_grade IS DISTINCT FROM regraded.new_grade
                     ORDER BY regraded.id
                    """,
                    grade=grade_sql(
                        SQL.identifier("graded", "expected_revenue"),
                        company,
                        clarity=SQL.identifier("graded", "need_clarity"),
                    ),
                    company=company.id,
                    current=company == self.env.company,
                )
            )
            for lead_id, grade in rows:
                regraded[grade].append(lead_id)
        for grade, ids in regraded.items():
            self.browse(ids).with_context(active_test=False).write(
                {"customer_grade": grade}
            )

    def _working_calendar(self):
        """The calendar that counts the lead's working days, if its company has one."""
        return (self.company_id or self.env.company).resource_calendar_id or None

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

    def _stale_clock_limit(self, now):
        """The latest follow-up clock with which this lead is stale at ``now``."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return now - timedelta(days=company.stale_lead_days)

    @api.model
    def _stale_clock_sql(self, lead_alias, now):
        """SQL twin of ``_stale_clock_limit``: the lead ``lead_alias``, whose company
        is joined as ``company``, has had no follow-up for the stale delay."""
        return SQL(
            "%s + make_interval(days => company.stale_lead_days) <= %s",
            SQL.identifier(lead_alias, "followup_clock_date"),
            now,
        )

    def _next_reminder_moment(self):
        """When this open lead's next step falls due, False after its last one:
        a stale period starts at the follow-up clock; each later step waits the
        manager delay after the previous one (without it, the manager is told
        with the owner and the pool waits a stale delay); pool leads get a
        touch every nurture interval instead. A failed reminder waits for its
        retry date. Python twin of ``_next_reminder_sql``."""
        self.ensure_one()
        company = self.company_id or self.env.company
        if self.in_nurture_pool:
            start = self.nurture_touch_date or self.followup_clock_date
            days = company.nurture_touch_days
        elif not self.stale_step:
            start, days = self.followup_clock_date, company.stale_lead_days
        elif self.stale_step == "owner":
            start, days = self.stale_step_date, company.stale_manager_days
        elif (
            self.stale_step == "manager"
            and company.stale_return_to_pool
            and self.user_id
        ):
            start = self.stale_step_date
            days = company.stale_manager_days or company.stale_lead_days
        else:
            return False
        if not start:
            return False
        due = start + timedelta(days=days)
        return max(due, self.reminder_retry_date or due)

    @api.model
    def _next_reminder_sql(self):
        """SQL twin of ``_next_reminder_moment`` for the open lead ``lead``
        whose company is joined as ``company``."""
        due = SQL(
            """CASE
               WHEN lead.in_nurture_pool THEN
                    COALESCE(lead.nurture_touch_date, lead.followup_clock_date)
                    + make_interval(days => company.nurture_touch_days)
               WHEN lead.stale_step IS NULL THEN
                    lead.followup_clock_date
                    + make_interval(days => company.stale_lead_days)
               WHEN lead.stale_step = 'owner' THEN
                    lead.stale_step_date
                    + make_interval(days => company.stale_manager_days)
               WHEN lead.stale_step = 'manager'
                    AND company.stale_return_to_pool
                    AND lead.user_id IS NOT NULL THEN
                    lead.stale_step_date
                    + make_interval(days => CASE
                        WHEN company.stale_manager_days > 0
                        THEN company.stale_manager_days
                        ELSE company.stale_lead_days END)
               END"""
        )
        return SQL(
            "CASE WHEN %(due)s IS NOT NULL"
            " THEN GREATEST(%(due)s, lead.reminder_retry_date) END",
            due=due,
        )

    @api.model
    def _store_stale_due_dates(self, companies=None):
        """Recompute the next reminder moment of the open leads of
        ``companies`` (those without company with the current one), of all
        leads without ``companies``, in one statement; the others have none."""
        if companies is None:
            where = SQL("TRUE")
        else:
            where = SQL(
                "(lead.company_id IN %s OR (lead.company_id IS NULL AND %s))",
                tuple(companies.ids) or (None,),
                self.env.company in companies,
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET stale_due_date = %(due)s
                  FROM res_company company
                 WHERE company.id = COALESCE(lead.company_id, %(company)s)
                   AND lead.id IN %(open)s
                   AND %(where)s
                """,
                due=self._next_reminder_sql(),
                company=self.env.company.id,
                open=self.sudo()
                .with_context(active_test=False)
                ._search(self._open_domain())
                .subselect(),
                where=where,
            )
        )
        self.invalidate_model(["stale_due_date"])

    def _boolean_search_operator(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on a lead flag."))
        return "in" if (operator == "=") == value else "not in"

    @api.model
    def _followup_restart_values(self):
        return {
            "followup_clock_date": fields.Datetime.now(),
            "stale_step": False,
            "stale_step_date": False,
            "reminder_retry_date": False,
        }

    def _is_customer_contact(self, message):
        """Whether a message posted on the lead is a real interaction with the
        customer: a colleague marked a call, meeting or e-mail activity done
        (an activity type that counts as customer contact), or sent the
        customer a message. Notes, tracking, reminders and to-dos, automated
        posts (OdooBot) and the customer's own messages are not."""
        data = self.env["ir.model.data"]
        if message.mail_activity_type_id:
            if (
                message.subtype_id.id != data._xmlid_to_res_id("mail.mt_activities")
                or not message.mail_activity_type_id.is_customer_contact
            ):
                return False
        elif message.message_type not in ("comment", "email") or (
            message.subtype_id.id != data._xmlid_to_res_id("mail.mt_comment")
        ):
            return False
        author = message.author_id
        if not author or author.id == data._xmlid_to_res_id("base.partner_root"):
            return False
        return any(not user.share for user in author.sudo().user_ids)

    def _register_customer_contact(self, when):
        """A real interaction: first contact if none yet, last follow-up, and
        a new period without follow-up (the stale reminders start afresh)."""
        lead = self.sudo()
        values = {
            **self._followup_restart_values(),
            "last_followup_date": max(lead.last_followup_date or when, when),
            "followup_clock_date": max(lead.followup_clock_date or when, when),
        }
        if not lead.first_contact_date:
            values["first_contact_date"] = when
        if lead.stale_step:
            lead._unlink_stale_reminders()
        lead.write(values)

    def _unlink_stale_reminders(self):
        if self:
            self.sudo().activity_unlink([STALE_REMINDER_TYPE])

    def _unlink_owner_stale_reminders(self):
        """The salesperson's stale reminders; the team manager's stay."""
        reminders = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", self.env.ref(STALE_REMINDER_TYPE).id),
                ]
            )
        )
        owners = {lead.id: lead.user_id for lead in self}
        reminders.filtered(lambda a: a.user_id == owners[a.res_id]).unlink()

    def _unlink_nurture_touches(self):
        if self:
            self.sudo().activity_unlink([NURTURE_TOUCH_TYPE])

    # crons

    @api.model
    def _cron_stale_leads(self, batch_size=500):
        """Fire the next stale step of each lead without follow-up (owner,
        team manager, optionally back to the pool), once per period, and give
        the nurture pool its periodic touch."""
        now = fields.Datetime.now()
        self.env.flush_all()
        # Rows are claimed with SKIP LOCKED: a second worker running at the same
        # time takes other leads, and a claimed step is written before commit.
        self.env.cr.execute(
            SQL(
                "%s ORDER BY lead.stale_due_date, lead.id LIMIT %s"
                " FOR UPDATE OF lead SKIP LOCKED",
                self._due_reminders_query(now),
                batch_size,
            )
        )
        steps = dict(self.env.cr.fetchall())
        leads = self.browse(list(steps))
        done, _failed = run_in_savepoints(
            self.env,
            leads,
            lambda batch: batch._send_reminders(steps, now),
            # tried again tomorrow rather than at every call of this run
            lambda lead: lead.write({"reminder_retry_date": now + timedelta(days=1)}),
            _logger,
            lambda lead: f"Lead reminders for {lead.display_name}",
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT count(*) FROM (%s) due", self._due_reminders_query(now))
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(done), remaining=remaining)

    @api.model
    def _due_reminders_query(self, now):
        """The leads whose next step fell due (``stale_due_date``, see
        ``_next_reminder_moment``), with that step."""
        return SQL(
            """
            SELECT lead.id,
                   CASE WHEN lead.in_nurture_pool THEN %(nurture)s
                        WHEN lead.stale_step IS NULL THEN 'owner'
                        WHEN lead.stale_step = 'owner' THEN 'manager'
                        ELSE 'pool' END AS step
              FROM crm_lead lead
             WHERE lead.stale_due_date <= %(now)s
            """,
            nurture=NURTURE_TOUCH,
            now=now,
        )

    def _send_reminders(self, steps, now):
        """Fire each lead's due step (``steps``: lead id -> step) in a few
        batched statements: activities, chatter notes, one write per step."""
        by_step = defaultdict(lambda: self.browse())
        for lead in self:
            by_step[steps[lead.id]] |= lead
        # without a further delay, the team manager is told with the salesperson
        together = by_step["owner"].filtered(
            lambda lead: not (lead.company_id or self.env.company).stale_manager_days
        )
        stale_type = self.env.ref(STALE_REMINDER_TYPE)
        nurture_type = self.env.ref(NURTURE_TOUCH_TYPE)
        activities, notes = [], {}
        for step, leads in by_step.items():
            for lead in leads:
                lead_notes, told = [], self.env["res.users"]
                for lead_step in [step, "manager"] if lead in together else [step]:
                    user = lead._reminder_recipient(lead_step)
                    # a salesperson who manages the team gets one to-do, not two
                    if user and user not in told:
                        told |= user
                        activities.append(
                            lead._prepare_reminder_activity(
                                lead_step,
                                user,
                                nurture_type if step == NURTURE_TOUCH else stale_type,
                            )
                        )
                    if step != NURTURE_TOUCH:
                        lead_notes.append(lead._stale_note(lead_step, user))
                if lead_notes:
                    notes[lead.id] = " ".join(lead_notes)
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )
        if notes:
            self.browse(list(notes))._message_log_batch(notes)
        by_step["owner"] -= together
        by_step["manager"] |= together
        for step, leads in by_step.items():
            if step == NURTURE_TOUCH:
                leads.write({"nurture_touch_date": now, "reminder_retry_date": False})
                continue
            values = {
                "stale_step": step,
                "stale_step_date": now,
                "reminder_retry_date": False,
            }
            if step == "pool":
                leads._unlink_owner_stale_reminders()
                # the note above tells who had it; no tracking message per lead
                leads = leads.with_context(tracking_disable=True)
                values["user_id"] = False
            leads.write(values)

    def _reminder_recipient(self, step):
        """Who is told at ``step``: the salesperson, then the team manager;
        nobody when the lead returns to the pool (its note tells)."""
        if step == "owner":
            return self.user_id
        if step == "manager":
            return self.team_id._team_managers()[:1]
        if step == NURTURE_TOUCH:
            return self.user_id or self.team_id._team_managers()[:1]
        return self.env["res.users"]

    def _prepare_reminder_activity(self, step, user, activity_type):
        if step == NURTURE_TOUCH:
            summary = self.env._("Nurture touch: send news or industry information")
        elif step == "owner":
            summary = self.env._(
                "No follow-up since %(date)s: contact the customer",
                date=format_date(self.env, self.followup_clock_date),
            )
        else:
            summary = self.env._(
                "Stale lead: no follow-up since %(date)s (salesperson: %(owner)s)",
                date=format_date(self.env, self.followup_clock_date),
                owner=self.user_id.name or self.env._("none"),
            )
        return {
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "activity_type_id": activity_type.id,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
            "summary": summary,
            "automated": True,
        }

    def _stale_note(self, step, user):
        date = format_date(self.env, self.followup_clock_date)
        if step == "pool":
            return self.env._(
                "No follow-up since %(date)s: returned from %(owner)s to the "
                "unassigned pool.",
                date=date,
                owner=self.user_id.name,
            )
        if not user:
            return self.env._(
                "No follow-up since %(date)s; nobody to remind (no salesperson "
                "or team manager).",
                date=date,
            )
        if step == "owner":
            return self.env._(
                "No follow-up since %(date)s: %(user)s reminded.",
                date=date,
                user=user.name,
            )
        return self.env._(
            "Still no follow-up since %(date)s: team manager %(user)s notified.",
            date=date,
            user=user.name,
        )
