import re
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index

from ..tools.field_guard import field_labels, write_checked
from ..tools.grading import GRADES, NEED_CLARITIES, grade_for, grade_sql
from .crm_followup_greeting import month_day_sql

PROFILE_STATES = [
    ("draft", "Draft"),
    ("to_review", "To Review"),
    ("active", "Active"),
    ("archived", "Archived"),
]
LEVELS = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
# Mainland China mobile numbers: what a personal phone looks like on a
# company contact, where the work phone is expected.
MOBILE_NUMBER = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
WEBMAIL_DOMAINS = {
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
}
# Fields whose presence the completeness indicator counts, key fields first.
KEY_FIELDS = ("name", "child_ids", "need_type_id", "source_id")
PROFILE_FIELDS = (
    "industry_id",
    "company_size",
    "annual_revenue",
    "founding_date",
    "street",
    "main_business",
    "need_description",
    "cooperation_background",
    "decision_maker_id",
    "verification_method",
    "expected_annual_amount",
)
# What the plan in force records of its approval: only managers (or the
# process itself, as superuser) write them.
FOLLOWUP_APPROVAL_FIELDS = {
    "followup_plan_id",
    "followup_plan_grade",
    "followup_plan_approved_by_id",
    "followup_plan_approved_date",
}
# The review's own record: set by the review buttons only, after their checks
# (submit, activate, send back, confirm grade). Writing them directly would skip
# the review, so only sales admins may (to correct a mistake).
REVIEW_FIELDS = {
    "profile_state",
    "archive_number",
    "send_back_reason",
    "confirmed_grade",
    "grade_confirmed_by_id",
    "grade_confirmed_date",
}
# Writing one of these may change the grade, and so the follow-up plan.
GRADE_INPUT_FIELDS = {
    "expected_annual_amount",
    "is_industry_benchmark",
    "need_clarity",
    "grade_override",
    "profile_state",
    "company_id",
    "user_id",
}


# What the duplicate keys are, in Python for each write and in SQL to fill the
# columns of a live database at install.
DUPLICATE_KEYS_SQL = SQL(
    """
    UPDATE res_partner
       SET company_name_key = NULLIF(
               lower(btrim(regexp_replace(name, '\\s+', ' ', 'g'))), ''),
           email_domain = NULLIF(
               lower(btrim(substring(email FROM '@([^@]*)$'))), '')
     WHERE parent_id IS NULL
       AND (name IS NOT NULL OR email IS NOT NULL)
    """
)


def _name_key(name):
    return re.sub(r"\s+", " ", name or "").strip().lower() or False


def _email_domain(email):
    if "@" not in (email or ""):
        return False
    return email.rpartition("@")[2].strip().lower() or False


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The standard name and user_id gain tracking; team_id is the partner's
    # sales team.
    name = fields.Char(tracking=True)
    user_id = fields.Many2one(tracking=True)
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        tracking=True,
        index="btree_not_null",
        domain="company_id and [('company_id', 'in', [company_id, False])] or []",
        help="The sales team in charge of this customer.",
    )
    profile_state = fields.Selection(
        PROFILE_STATES,
        string="Profile Status",
        tracking=True,
        copy=False,
        index="btree_not_null",
        group_expand=True,  # kanban columns in process order, empty ones too
        help="Empty for partners outside the customer process "
        "(colleagues, vendors, plain contacts).",
    )
    customer_type = fields.Selection(
        [("b2b", "Business (B2B)"), ("b2c", "Consumer (B2C)")],
        default="b2b",
        tracking=True,
        help="Prefixes the archive number.",
    )
    archive_number = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Given at activation, per customer type and year.",
    )
    # P1: collection
    company_size = fields.Selection(
        [
            ("lt_300", "< 300 staff"),
            ("300_500", "300-500 staff"),
            ("gt_500", "> 500 staff"),
        ],
        tracking=True,
    )
    profile_currency_id = fields.Many2one(
        "res.currency", compute="_compute_profile_currency_id"
    )
    annual_revenue = fields.Monetary(currency_field="profile_currency_id")
    founding_date = fields.Date()
    main_business = fields.Text()
    source_id = fields.Many2one(
        "utm.source", string="Source Channel", tracking=True, ondelete="set null"
    )
    need_type_id = fields.Many2one("crm.need.type", tracking=True, ondelete="restrict")
    need_description = fields.Text(string="Needs and Pain Points")
    need_priority = fields.Selection(LEVELS)
    need_clarity = fields.Selection(
        NEED_CLARITIES,
        tracking=True,
        help="A clear need grades the customer at least B.",
    )
    cooperation_background = fields.Text()
    expected_response_speed = fields.Selection(LEVELS)
    expected_service_quality = fields.Selection(LEVELS)
    price_sensitivity = fields.Selection(LEVELS)
    decision_maker_id = fields.Many2one(
        "res.partner",
        string="Key Decision Maker",
        domain="[('parent_id', '=', id)]",
        tracking=True,
    )
    decision_maker_function = fields.Char(
        related="decision_maker_id.function", string="Decision Maker Position"
    )
    verification_method = fields.Selection(
        [
            ("website", "Official Website"),
            ("registry", "Business Registry Lookup"),
            ("phone_email", "Phone / E-mail Confirmation"),
        ],
        tracking=True,
    )
    verified_by_id = fields.Many2one("res.users")
    verified_date = fields.Date(string="Verified On")
    contact_warning = fields.Char(
        compute="_compute_contact_warning",
        help="A contact's phone looks personal, or their e-mail is not a "
        "company address.",
    )
    profile_completeness = fields.Integer(
        compute="_compute_profile_completeness", string="Completeness (%)"
    )
    missing_key_fields = fields.Char(compute="_compute_profile_completeness")
    send_back_reason = fields.Text(readonly=True, copy=False)
    company_name_key = fields.Char(
        compute="_compute_duplicate_keys",
        store=True,
        index="btree_not_null",
        help="The company's name in lower case, spaces trimmed: possible "
        "duplicates are looked up on it through an index.",
    )
    email_domain = fields.Char(
        compute="_compute_duplicate_keys",
        store=True,
        index="btree_not_null",
        help="The domain of the company's e-mail address, in lower case.",
    )
    duplicate_partner_ids = fields.Many2many(
        "res.partner",
        compute="_compute_duplicate_partner_ids",
        string="Possible Duplicates",
    )
    # P3: grading
    expected_annual_amount = fields.Monetary(
        currency_field="profile_currency_id",
        tracking=True,
        help="Expected yearly business with this customer, in the currency of "
        "the company whose thresholds grade it.",
    )
    is_industry_benchmark = fields.Boolean(
        tracking=True, help="Graded A whatever the amount."
    )
    grade_company_id = fields.Many2one(
        "res.company",
        compute="_compute_grade_company_id",
        store=True,
        index="btree_not_null",
        help="Whose thresholds grade this customer: its company, else its "
        "owner's company, else the main company.",
    )
    computed_grade = fields.Selection(
        GRADES,
        compute="_compute_computed_grade",
        store=True,
        help="The grade the thresholds give.",
    )
    grade_override = fields.Selection(GRADES, tracking=True, copy=False)
    grade_override_reason = fields.Text(tracking=True, copy=False)
    customer_grade = fields.Selection(
        GRADES,
        string="Grade",
        compute="_compute_customer_grade",
        store=True,
        tracking=True,
        index="btree_not_null",
        help="The grade in force: the override when there is one, else the "
        "computed grade.",
    )
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

    complaint_ticket_ids = fields.One2many("crm.complaint.ticket", "partner_id")
    open_complaint_count = fields.Integer(compute="_compute_open_complaint_count")

    # P4/P5: follow-up plan and important dates
    account_manager_id = fields.Many2one(
        "res.users",
        tracking=True,
        index="btree_not_null",
        domain="[('share', '=', False)]",
        help="Leads the follow-ups of plans run by the account manager; empty: "
        "the sales team's leader.",
    )
    followup_plan_id = fields.Many2one(
        "crm.followup.plan",
        string="Follow-up Plan",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The approved plan in force: the scheduler creates its follow-ups.",
    )
    followup_plan_grade = fields.Selection(
        GRADES,
        string="Plan Approved for Grade",
        readonly=True,
        copy=False,
        help="When the customer's grade moves away from it, the customer follows "
        "the plan of the new grade.",
    )
    proposed_followup_plan_id = fields.Many2one(
        "crm.followup.plan",
        string="Proposed Plan",
        copy=False,
        tracking=True,
        ondelete="set null",
        help="A different plan the salesperson proposes; it applies once a "
        "manager approves it.",
    )
    followup_plan_state = fields.Selection(
        [("proposed", "Waiting for Approval"), ("approved", "Approved")],
        string="Plan Status",
        compute="_compute_followup_plan_state",
        store=True,
        tracking=True,
    )
    followup_plan_approved_by_id = fields.Many2one(
        "res.users",
        string="Plan Approved By",
        readonly=True,
        copy=False,
        help="Empty when the plan followed a grade change by itself.",
    )
    followup_plan_approved_date = fields.Datetime(
        string="Plan Approved On", readonly=True, copy=False
    )
    followup_retry_date = fields.Date(
        string="Follow-up Retry Date",
        readonly=True,
        copy=False,
        help="Scheduling this customer's follow-ups failed; the scheduler tries "
        "again from this day.",
    )
    followup_activity_ids = fields.One2many(
        "mail.activity", "followup_partner_id", string="Follow-ups"
    )
    next_followup_date = fields.Date(
        string="Next Follow-up",
        compute="_compute_next_followup_date",
        store=True,
        index="btree_not_null",
        help="The due date of the next open follow-up of the customer's plan.",
    )
    followup_compliance_ids = fields.One2many(
        "crm.followup.compliance", "partner_id", string="Follow-up Compliance"
    )
    birthday = fields.Date(help="A greeting task is scheduled ahead of it each year.")
    cooperation_start_date = fields.Date(
        string="Customer Since",
        compute="_compute_cooperation_start_date",
        help="The day the customer's first opportunity was won; its anniversary "
        "gets a greeting task.",
    )

    _sql_constraints = [
        (
            "archive_number_uniq",
            "unique(archive_number, company_id)",
            "This archive number is already used.",
        ),
    ]

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
        "child_ids.phone", "child_ids.mobile", "child_ids.email", "phone", "email"
    )
    def _compute_contact_warning(self):
        for partner in self:
            people = (
                partner.child_ids.filtered(lambda p: p.type == "contact") or partner
            )
            warnings = []
            for person in people:
                phone = re.sub(r"[\s\-()]", "", person.phone or "")
                if phone and MOBILE_NUMBER.match(phone):
                    warnings.append(
                        self.env._(
                            "%(name)s: the phone looks personal", name=person.name
                        )
                    )
                domain = (person.email or "").rpartition("@")[2].lower()
                if domain in WEBMAIL_DOMAINS:
                    warnings.append(
                        self.env._(
                            "%(name)s: the e-mail is not a company address",
                            name=person.name,
                        )
                    )
            partner.contact_warning = "; ".join(warnings)

    @api.depends(*KEY_FIELDS, *PROFILE_FIELDS)
    def _compute_profile_completeness(self):
        labels = self._key_field_labels()
        for partner in self:
            missing = [fname for fname in KEY_FIELDS if not partner[fname]]
            filled = (
                len(KEY_FIELDS)
                - len(missing)
                + sum(1 for fname in PROFILE_FIELDS if partner[fname])
            )
            partner.profile_completeness = round(
                100 * filled / (len(KEY_FIELDS) + len(PROFILE_FIELDS))
            )
            partner.missing_key_fields = ", ".join(labels[fname] for fname in missing)

    @api.depends("name", "email", "parent_id")
    def _compute_duplicate_keys(self):
        # Only companies (partners without a parent) are compared; keep in
        # step with DUPLICATE_KEYS_SQL, which fills the columns at install.
        for partner in self:
            is_company = not partner.parent_id
            partner.company_name_key = is_company and _name_key(partner.name)
            partner.email_domain = is_company and _email_domain(partner.email)

    @api.depends("name", "vat", "email")
    def _compute_duplicate_partner_ids(self):
        for partner in self:
            partner.duplicate_partner_ids = partner._find_duplicates()

    @api.depends("complaint_ticket_ids.state")
    def _compute_open_complaint_count(self):
        counts = dict(
            self.env["crm.complaint.ticket"]._read_group(
                [
                    ("partner_id", "in", self.ids),
                    ("state", "in", ("new", "in_progress")),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.open_complaint_count = counts.get(partner._origin, 0)

    @api.depends("followup_plan_id", "proposed_followup_plan_id")
    def _compute_followup_plan_state(self):
        for partner in self:
            if (
                partner.proposed_followup_plan_id
                and partner.proposed_followup_plan_id != partner.followup_plan_id
            ):
                partner.followup_plan_state = "proposed"
            else:
                partner.followup_plan_state = partner.followup_plan_id and "approved"

    @api.depends(
        "followup_activity_ids.date_deadline",
        "followup_activity_ids.active",
        "followup_activity_ids.followup_plan_id",
    )
    def _compute_next_followup_date(self):
        next_dates = dict(
            self.env["mail.activity"]._read_group(
                [
                    ("followup_partner_id", "in", self._origin.ids),
                    ("followup_plan_id", "!=", False),
                ],
                ["followup_partner_id"],
                ["date_deadline:min"],
            )
        )
        for partner in self:
            partner.next_followup_date = next_dates.get(partner._origin, False)

    def _compute_cooperation_start_date(self):
        starts = self._cooperation_start_dates()
        for partner in self:
            partner.cooperation_start_date = starts.get(
                partner.commercial_partner_id.id, False
            )

    @api.depends("company_id", "user_id.company_id")
    def _compute_grade_company_id(self):
        # Never the current user's company: the same customer must get the
        # same grade whoever (or whichever cron) computes it.
        main_company = self._main_company()
        for partner in self:
            partner.grade_company_id = (
                partner.company_id or partner.user_id.company_id or main_company
            )

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
                continue
            company = partner.grade_company_id or self._main_company()
            partner.computed_grade = grade_for(
                company,
                partner.expected_annual_amount,
                benchmark=partner.is_industry_benchmark,
                clarity=partner.need_clarity,
            )

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

    # constraints and onchanges

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

    @api.constrains("team_id", "company_id")
    def _check_team_company(self):
        # Not check_company=True: a customer shared between companies (no
        # company) may still be followed by any company's team.
        for partner in self.sudo():
            team_company = partner.team_id.company_id
            if (
                partner.company_id
                and team_company
                and team_company != partner.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(customer)s belongs to %(company)s; its sales team "
                        "%(team)s belongs to %(team_company)s.",
                        customer=partner.display_name,
                        company=partner.company_id.name,
                        team=partner.team_id.name,
                        team_company=team_company.name,
                    )
                )

    # CRUD

    def _auto_init(self):
        # A live database may hold a million partners: the new stored computed
        # columns are created (and filled) here in SQL, which spares Odoo
        # computing them in Python for every partner at install. Partners
        # outside the process have no grade and no follow-up: those stay empty.
        cr = self.env.cr
        for fname, column_type in (
            ("next_followup_date", "date"),
            ("followup_plan_state", "varchar"),
            ("computed_grade", "varchar"),
            ("customer_grade", "varchar"),
            ("grade_differs", "boolean"),
        ):
            if not column_exists(cr, self._table, fname):
                create_column(cr, self._table, fname, column_type)
        if not column_exists(cr, self._table, "grade_company_id"):
            create_column(cr, self._table, "grade_company_id", "int4")
            # the same rule as _compute_grade_company_id
            cr.execute(
                SQL(
                    """
                    UPDATE res_partner partner
                       SET grade_company_id = owner.company_id
                      FROM res_users owner
                     WHERE owner.id = partner.user_id
                       AND partner.company_id IS NULL
                    """
                )
            )
            cr.execute(
                SQL(
                    "UPDATE res_partner SET grade_company_id = COALESCE("
                    "company_id, %s) WHERE grade_company_id IS NULL",
                    self._main_company().id,
                )
            )
        if not column_exists(cr, self._table, "company_name_key"):
            create_column(cr, self._table, "company_name_key", "varchar")
            create_column(cr, self._table, "email_domain", "varchar")
            cr.execute(DUPLICATE_KEYS_SQL)
        return super()._auto_init()

    def init(self):
        result = super().init()
        # The follow-up job's finder of re-graded customers
        # (crm.followup.plan._regraded_customers): a few among a million
        # partners, in id order. Same predicate as the finder's.
        create_index(
            self.env.cr,
            "res_partner_regraded_customer_index",
            self._table,
            ["id"],
            where="profile_state = 'active' AND active"
            " AND customer_grade IS NOT NULL"
            " AND customer_grade IS DISTINCT FROM followup_plan_grade",
        )
        # The greetings finder (crm.followup.greeting._due_occasions) looks
        # important dates up by month and day.
        for fname in ("birthday", "founding_date"):
            create_index(
                self.env.cr,
                f"res_partner_{fname}_month_day_index",
                self._table,
                [month_day_sql(SQL.identifier(fname)).code],
                where=f"{fname} IS NOT NULL",
            )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Contacts follow their company: only the company is in the process.
            if vals.get("parent_id"):
                vals["profile_state"] = False
            # A new customer starts as a draft, whoever creates it.
            self.browse()._check_review_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_review_fields(vals)
        if FOLLOWUP_APPROVAL_FIELDS & vals.keys() and not self.env.su:
            self._check_can_review()
        result = super().write(vals)
        if vals.get("proposed_followup_plan_id"):
            self._ask_followup_plan_approval()
        if GRADE_INPUT_FIELDS & vals.keys():
            self._follow_grade_plan()
        if {"user_id", "team_id", "account_manager_id"} & vals.keys():
            self.filtered("profile_state")._reassign_followups()
        if {"profile_state", "active"} & vals.keys():
            self.filtered(
                lambda p: (
                    p.followup_activity_ids
                    and (p.profile_state != "active" or not p.active)
                )
            )._stop_followups()
        return result

    # actions

    def action_submit_review(self):
        for partner in self:
            if partner.profile_state != "draft":
                raise UserError(
                    self.env._(
                        "Only a draft profile can be submitted; "
                        "%(customer)s is %(state)s.",
                        customer=partner.display_name,
                        state=partner._state_label(),
                    )
                )
            if partner.missing_key_fields:
                raise UserError(
                    self.env._(
                        "%(customer)s cannot be submitted for review; please fill in: "
                        "%(missing)s.",
                        customer=partner.display_name,
                        missing=partner.missing_key_fields,
                    )
                )
        self._write_review_values(
            {"profile_state": "to_review", "send_back_reason": False}
        )
        for partner in self:
            reviewer = partner._profile_reviewer()
            if reviewer:
                partner.activity_schedule(
                    "crm_standard_process.mail_activity_type_profile_review",
                    summary=self.env._("Review the customer profile"),
                    user_id=reviewer.id,
                )
        return True

    def action_activate(self):
        self._check_can_review()
        for partner in self:
            if partner.profile_state != "to_review":
                raise UserError(
                    self.env._(
                        "Only a profile under review can be activated; %(customer)s "
                        "is %(state)s.",
                        customer=partner.display_name,
                        state=partner._state_label(),
                    )
                )
        for partner in self:
            values = {"profile_state": "active"}
            if not partner.archive_number:
                values["archive_number"] = partner._next_archive_number()
            if partner.customer_grade:
                values.update(partner._grade_confirmation_values())
            partner._write_review_values(values)
        self._close_review_activities()
        self.filtered(lambda p: not p.followup_plan_id)._approve_grade_followup_plan()
        return True

    def action_send_back(self, reason):
        """Return the profiles under review to draft, telling why."""
        self._check_can_review()
        if not (reason or "").strip():
            raise UserError(self.env._("Sending a profile back needs a reason."))
        if any(partner.profile_state != "to_review" for partner in self):
            raise UserError(self.env._("Only a profile under review can be sent back."))
        self._write_review_values(
            {"profile_state": "draft", "send_back_reason": reason}
        )
        for partner in self:
            partner.message_post(
                body=self.env._("Sent back to draft: %(reason)s", reason=reason),
                partner_ids=partner.user_id.partner_id.ids,
            )
        self._close_review_activities()
        return True

    def action_open_send_back_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Back to Draft"),
            "res_model": "crm.profile.send.back.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.ids},
        }

    def action_confirm_grade(self):
        self._check_can_review()
        if not all(self.mapped("customer_grade")):
            raise UserError(
                self.env._("Only a graded customer's grade can be confirmed.")
            )
        for partner in self:
            partner._write_review_values(partner._grade_confirmation_values())
        return True

    def action_view_complaint_tickets(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard_process.crm_complaint_ticket_action"
        )
        action["domain"] = [("partner_id", "child_of", self.commercial_partner_id.ids)]
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
            "search_default_filter_open": 1,
        }
        return action

    def action_start_customer_process(self):
        """Bring an existing partner into the customer process, as a draft."""
        self.filtered(lambda p: not p.profile_state and not p.parent_id).write(
            {"profile_state": "draft"}
        )
        return True

    def action_approve_followup_plan(self):
        """Managers approve the plans the salespeople proposed."""
        self._check_can_review()
        proposed = self.filtered(lambda p: p.followup_plan_state == "proposed")
        if proposed != self:
            raise UserError(
                self.env._(
                    "No follow-up plan waits for approval on %(customers)s.",
                    customers=", ".join((self - proposed).mapped("display_name")),
                )
            )
        groups = defaultdict(lambda: self.browse())
        for partner in self:
            groups[partner.proposed_followup_plan_id, partner.customer_grade] |= partner
        for (plan, grade), partners in groups.items():
            partners._apply_followup_plan(plan, grade, approver=self.env.user)
        return True

    def action_reject_followup_plan(self):
        """Managers turn a proposal down; the plan in force stays."""
        self._check_can_review()
        proposed = self.filtered(lambda p: p.followup_plan_state == "proposed")
        for partner in proposed:
            partner.message_post(
                body=self.env._(
                    "The proposed follow-up plan %(plan)s was not approved.",
                    plan=partner.proposed_followup_plan_id.display_name,
                ),
                partner_ids=partner.user_id.partner_id.ids,
            )
        proposed.write({"proposed_followup_plan_id": False})
        proposed._close_plan_approval_activities()
        return True

    def action_view_followups(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard_process.mail_activity_action_followup"
        )
        action["domain"] = [("followup_partner_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action

    def action_log_followup(self):
        """Open the logging wizard on the customer's next open follow-up."""
        self.ensure_one()
        followup = self.env["mail.activity"].search(
            [("followup_partner_id", "=", self.id), ("followup_plan_id", "!=", False)],
            order="date_deadline, id",
            limit=1,
        )
        if not followup:
            raise UserError(
                self.env._(
                    "%(customer)s has no open follow-up to log.",
                    customer=self.display_name,
                )
            )
        return followup.action_open_followup_done_wizard()

    # business methods

    @api.model
    def _regrade_customers(self, companies):
        """Re-grade the companies' customers in one UPDATE after a threshold
        change, and log each change in its chatter."""
        self.env.flush_all()
        changed = {}
        for company in companies:
            self.env.cr.execute(
                SQL(
                    """
                    WITH regraded AS (
                        SELECT id, computed_grade AS old_grade, %(grade)s AS new_grade
                          FROM res_partner
                         WHERE grade_company_id = %(company)s
                           AND computed_grade IS NOT NULL
                           FOR UPDATE
                    )
                    UPDATE res_partner partner
                       SET computed_grade = regraded.new_grade,
                           customer_grade =
                               COALESCE(partner.grade_override, regraded.new_grade),
                           grade_differs = partner.grade_override IS NOT NULL
                               AND partner.grade_override != regraded.new_grade
                      FROM regraded
                     WHERE partner.id = regraded.id
                       AND regraded.old_grade IS DISTINCT FROM regraded.new_grade
                 RETURNING partner.id, regraded.old_grade, regraded.new_grade
                    """,
                    grade=grade_sql(
                        SQL.identifier("res_partner", "expected_annual_amount"),
                        company,
                        benchmark=SQL.identifier(
                            "res_partner", "is_industry_benchmark"
                        ),
                        clarity=SQL.identifier("res_partner", "need_clarity"),
                    ),
                    company=company.id,
                )
            )
            changed.update(
                {pid: (old, new) for pid, old, new in self.env.cr.fetchall()}
            )
        if not changed:
            return
        self.invalidate_model(["computed_grade", "customer_grade", "grade_differs"])
        labels = dict(GRADES)
        self.browse(list(changed))._message_log_batch(
            {
                pid: self.env._(
                    "Computed grade changed from %(old)s to %(new)s after the grade "
                    "thresholds changed.",
                    old=labels.get(old, "-"),
                    new=labels[new],
                )
                for pid, (old, new) in changed.items()
            }
        )

    def _check_can_review(self):
        """Team managers review the customers of their teams; sales admins all."""
        user = self.env.user
        if user.has_group("sales_team.group_sale_manager") or self.env.su:
            return
        if not user.has_group("crm_standard_process.group_sale_team_manager"):
            raise AccessError(
                self.env._(
                    "Only team managers and sales admins review customer profiles."
                )
            )
        my_teams = self.env["crm.team"].search(
            [
                "|",
                ("user_id", "=", user.id),
                ("crm_team_member_ids.user_id", "=", user.id),
            ]
        )
        foreign = self.filtered(lambda p: p.team_id not in my_teams)
        if foreign:
            raise AccessError(
                self.env._(
                    "You review the customers of your own teams only: %(customers)s.",
                    customers=", ".join(foreign.mapped("display_name")),
                )
            )

    def _check_review_fields(self, vals):
        """Refuse writing the review's own fields outside the review buttons.

        Reps may only bring a partner into the process as a draft; sales admins
        may correct anything; the buttons write through ``_write_review_values``.
        """
        protected = REVIEW_FIELDS & vals.keys()
        if vals.get("profile_state") in (False, "draft") and not any(
            self.mapped("profile_state")
        ):
            protected.discard("profile_state")
        if (
            not protected
            or self.env.su
            or self.env.user.has_group("sales_team.group_sale_manager")
        ):
            return
        raise AccessError(
            self.env._(
                "%(fields)s change only through the review buttons (submit, "
                "activate, send back, confirm grade); ask a sales admin to correct "
                "them.",
                fields=field_labels(self, protected),
            )
        )

    def _write_review_values(self, vals):
        """Write the review's own fields, for a button whose checks passed."""
        return write_checked(self, vals)

    def _profile_reviewer(self):
        """Who is asked to review this profile: the team leader if a team
        manager, else a team manager member of the team, else a sales admin of
        the company; never whoever submits it (a review needs a second pair of
        eyes), unless no one else can review."""
        self.ensure_one()
        submitter = self.env.user
        candidates = self.sudo().team_id._team_managers()
        admins = (
            self.env.ref("sales_team.group_sale_manager")
            .sudo()
            .users.filtered(
                lambda user: (
                    user.active
                    and not user.share
                    and (not self.company_id or self.company_id in user.company_ids)
                )
            )
            .sorted("id")
        )
        others = (candidates | admins) - submitter
        return others[:1] or admins[:1]

    @api.model
    def _main_company(self):
        """The company that grades customers of no company and no owner."""
        return (
            self.env.ref("base.main_company", raise_if_not_found=False)
            or self.env["res.company"].sudo().search([], order="id", limit=1)
        ).sudo()

    def _grade_confirmation_values(self):
        return {
            "confirmed_grade": self.customer_grade,
            "grade_confirmed_by_id": self.env.user.id,
            "grade_confirmed_date": fields.Datetime.now(),
        }

    def _next_archive_number(self):
        code = f"crm_standard_process.archive_number.{self.customer_type or 'b2b'}"
        number = (
            self.env["ir.sequence"]
            .with_company(self.company_id or self.env.company)
            .next_by_code(code)
        )
        if not number:
            raise UserError(
                self.env._(
                    "The archive number sequence %(code)s is missing.", code=code
                )
            )
        return number

    def _close_review_activities(self):
        self.activity_unlink(["crm_standard_process.mail_activity_type_profile_review"])

    # follow-up plan

    def _approve_grade_followup_plan(self):
        """Approve, as the current user, the plan of each customer's grade."""
        Plan = self.env["crm.followup.plan"]
        groups = defaultdict(lambda: self.browse())
        for partner in self.filtered("customer_grade"):
            plan = Plan._for_grade(partner.customer_grade, partner.grade_company_id)
            groups[plan, partner.customer_grade] |= partner
        for (plan, grade), partners in groups.items():
            if plan:
                partners._apply_followup_plan(plan, grade, approver=self.env.user)

    def _follow_grade_plan(self, today=None):
        """Customers whose grade changed since their plan was approved take
        the plan of their new grade."""
        regraded = self.filtered(
            lambda p: (
                p.followup_plan_id
                and p.customer_grade
                and p.customer_grade != p.followup_plan_grade
            )
        )
        Plan = self.env["crm.followup.plan"]
        plans, groups = {}, defaultdict(lambda: self.browse())
        for partner in regraded:
            key = (partner.customer_grade, partner.grade_company_id)
            if key not in plans:
                plans[key] = Plan._for_grade(*key)
            groups[plans[key], partner.customer_grade] |= partner
        for (plan, grade), partners in groups.items():
            partners._apply_followup_plan(plan, grade, today=today)

    def _apply_followup_plan(self, plan, grade, approver=None, today=None):
        """Put ``plan`` in force on these customers, approved for ``grade`` by
        ``approver`` (none: it followed the grade). Open follow-ups of another
        plan that are not due yet give way to the new plan's; each customer's
        chatter says so."""
        today = today or fields.Date.context_today(self)
        old_plans = {partner.id: partner.followup_plan_id for partner in self}
        old_grades = {partner.id: partner.followup_plan_grade for partner in self}
        approved = bool(plan and approver)
        self._write_followup_plan_values(
            {
                "followup_plan_id": plan.id,
                "followup_plan_grade": grade,
                "followup_plan_approved_by_id": approver.id if approved else False,
                "followup_plan_approved_date": fields.Datetime.now() if plan else False,
                "followup_retry_date": False,
            }
        )
        # A proposal of the plan now in force is settled; others keep waiting.
        settled = self.filtered(lambda p: plan and p.proposed_followup_plan_id == plan)
        settled._close_plan_approval_activities()
        settled.sudo().with_context(tracking_disable=True).write(
            {"proposed_followup_plan_id": False}
        )
        other_plans = [("followup_plan_id", "!=", False)]
        if plan:
            other_plans.append(("followup_plan_id", "!=", plan.id))
        replaced = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("followup_partner_id", "in", self.ids),
                    *other_plans,
                    ("followup_due_date", ">=", today),
                ]
            )
        )
        replaced_counts = defaultdict(int)
        for activity in replaced:
            replaced_counts[activity.followup_partner_id.id] += 1
        replaced.unlink()
        self.env["crm.followup.plan"]._schedule(self, today)
        self._message_log_batch(
            {
                partner.id: partner._followup_plan_note(
                    old_plans[partner.id],
                    old_grades[partner.id],
                    approver,
                    replaced_counts[partner.id],
                )
                for partner in self
                if old_plans[partner.id] != plan or approver
            }
        )

    def _write_followup_plan_values(self, values):
        """Write the plan in force, fields of this addon's own that nothing
        tracks or syncs, on these customers in one UPDATE: base
        ``res.partner.write`` checks each partner's users and syncs its
        contacts one partner at a time, which a batch of re-graded customers
        does not need. The fields depending on them are recomputed as after a
        write (tracking disabled, as before)."""
        if not self:
            return
        partners = self.sudo().with_context(tracking_disable=True)
        partners.flush_recordset(list(values))
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET %s, write_uid = %s, write_date = %s"
                " WHERE id IN %s",
                SQL(", ").join(
                    SQL(
                        "%s = %s",
                        SQL.identifier(fname),
                        self._fields[fname].convert_to_column(value, self),
                    )
                    for fname, value in values.items()
                ),
                self.env.uid,
                self.env.cr.now(),
                tuple(self.ids),
            )
        )
        partners.invalidate_recordset([*values, "write_uid", "write_date"])
        partners.modified(list(values))
        partners.flush_recordset(["followup_plan_state"])

    def _followup_plan_note(self, old_plan, old_grade, approver, replaced):
        plan = self.followup_plan_id
        labels = dict(GRADES)
        if not plan:
            note = self.env._(
                "No follow-up plan for grade %(grade)s: the follow-ups of "
                "%(old_plan)s stop.",
                grade=labels[self.customer_grade],
                old_plan=old_plan.display_name,
            )
        elif approver:
            note = self.env._(
                "Follow-up plan %(plan)s approved by %(user)s.",
                plan=plan.display_name,
                user=approver.name,
            )
        else:
            note = self.env._(
                "The grade changed from %(old)s to %(new)s: the follow-up plan "
                "changed from %(old_plan)s to %(plan)s.",
                old=labels.get(old_grade, "-"),
                new=labels[self.customer_grade],
                old_plan=old_plan.display_name,
                plan=plan.display_name,
            )
        if replaced:
            note += " " + self.env._(
                "%(count)s open follow-up(s) of the former plan were replaced.",
                count=replaced,
            )
        return note

    def _reassign_followups(self):
        """Open follow-ups and greetings go to whoever now runs them."""
        if not self:
            return
        followups = (
            self.env["mail.activity"]
            .sudo()
            .search([("followup_partner_id", "in", self.ids)])
        )
        by_user = defaultdict(lambda: followups.browse())
        for activity in followups:
            role = activity.followup_plan_id.responsible or "owner"
            user = activity.followup_partner_id._followup_responsible(role)
            if user and user != activity.user_id:
                by_user[user] |= activity
        for user, activities in by_user.items():
            activities.write({"user_id": user.id})

    def _stop_followups(self):
        """Customers leaving the process have nothing left to follow up."""
        self.env["mail.activity"].sudo().search(
            [("followup_partner_id", "in", self.ids)]
        ).unlink()

    def _ask_followup_plan_approval(self):
        """The team leader is asked to approve a proposed plan."""
        for partner in self.filtered(lambda p: p.followup_plan_state == "proposed"):
            reviewer = partner._profile_reviewer()
            if reviewer and not partner.sudo().activity_search(
                ["crm_standard_process.mail_activity_type_plan_approval"]
            ):
                partner.sudo().activity_schedule(
                    "crm_standard_process.mail_activity_type_plan_approval",
                    summary=self.env._(
                        "Approve the follow-up plan %(plan)s",
                        plan=partner.proposed_followup_plan_id.display_name,
                    ),
                    user_id=reviewer.id,
                )

    def _close_plan_approval_activities(self):
        self.sudo().activity_unlink(
            ["crm_standard_process.mail_activity_type_plan_approval"]
        )

    def _followup_responsible(self, role):
        """Who runs a follow-up of ``role``: the account manager (else the sales
        team's leader) or the salesperson, each standing in for the other."""
        account_manager = self.account_manager_id or self.team_id.user_id
        if role == "account_manager":
            return account_manager or self.user_id
        return self.user_id or account_manager

    def _followup_calendar(self, user):
        """The working calendar of ``user``, else of the customer's company;
        ``None`` counts every day."""
        calendar = (
            user.resource_calendar_id
            or (self.company_id or user.company_id).resource_calendar_id
        )
        return calendar or None

    def _cooperation_start_dates(self):
        """Customer id -> the day its first opportunity was won."""
        if not self.ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                "SELECT customer_id, start_date FROM (%s) AS cooperation"
                " WHERE customer_id IN %s",
                self._cooperation_start_sql(),
                tuple(self.commercial_partner_id.ids),
            )
        )
        return dict(rows)

    @api.model
    def _cooperation_start_sql(self):
        """One row per customer with a won opportunity: (customer_id, start_date)."""
        self.env["crm.lead"].flush_model(["partner_id", "stage_id", "date_closed"])
        return SQL(
            """
            SELECT contact.commercial_partner_id AS customer_id,
                   MIN(lead.date_closed)::date AS start_date
              FROM crm_lead lead
              JOIN crm_stage stage ON stage.id = lead.stage_id AND stage.is_won
              JOIN res_partner contact ON contact.id = lead.partner_id
             WHERE lead.active AND lead.date_closed IS NOT NULL
          GROUP BY contact.commercial_partner_id
            """
        )

    def _key_field_labels(self):
        fields_info = self.fields_get(list(KEY_FIELDS), ["string"])
        labels = {fname: fields_info[fname]["string"] for fname in KEY_FIELDS}
        labels["child_ids"] = self.env._("at least one contact")
        return labels

    def _state_label(self):
        return dict(self._fields["profile_state"]._description_selection(self.env)).get(
            self.profile_state, self.env._("outside the customer process")
        )

    def _find_duplicates(self):
        """Other companies with the same VAT, name or e-mail domain: equality on
        indexed columns, so that the lookup stays an index lookup on a million
        partners."""
        self.ensure_one()
        name_key = _name_key(self.name)
        if not name_key or self.parent_id:
            return self.browse()
        terms = [[("company_name_key", "=", name_key)]]
        if self.vat:
            terms.append([("vat", "=", self.vat)])
        domain = _email_domain(self.email)
        if domain and domain not in WEBMAIL_DOMAINS:
            terms.append([("email_domain", "=", domain)])
        own_id = self._origin.id
        return self.search(
            [("id", "!=", own_id), ("parent_id", "=", False)]
            + ["|"] * (len(terms) - 1)
            + [term for group in terms for term in group],
            limit=5,
        )
