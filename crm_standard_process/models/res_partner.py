import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..grading import GRADES, NEED_CLARITIES, grade_for, grade_sql

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
    duplicate_partner_ids = fields.Many2many(
        "res.partner",
        compute="_compute_duplicate_partner_ids",
        string="Possible Duplicates",
    )
    # P3: grading
    expected_annual_amount = fields.Monetary(
        currency_field="profile_currency_id",
        tracking=True,
        help="Expected yearly business with this customer, in the company currency.",
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
        "owner's company.",
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

    _sql_constraints = [
        (
            "archive_number_uniq",
            "unique(archive_number, company_id)",
            "This archive number is already used.",
        ),
    ]

    # computes

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_profile_currency_id(self):
        for partner in self:
            company = partner.company_id or self.env.company
            partner.profile_currency_id = company.currency_id

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

    @api.depends("company_id", "user_id.company_id")
    def _compute_grade_company_id(self):
        for partner in self:
            partner.grade_company_id = (
                partner.company_id or partner.user_id.company_id or self.env.company
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
            company = partner.grade_company_id or self.env.company
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

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Contacts follow their company: only the company is in the process.
            if vals.get("parent_id"):
                vals["profile_state"] = False
        return super().create(vals_list)

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
        self.write({"profile_state": "to_review", "send_back_reason": False})
        for partner in self:
            reviewer = partner.team_id.user_id
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
            partner.write(values)
        self._close_review_activities()
        return True

    def action_send_back(self, reason):
        """Return the profiles under review to draft, telling why."""
        self._check_can_review()
        if not (reason or "").strip():
            raise UserError(self.env._("Sending a profile back needs a reason."))
        if any(partner.profile_state != "to_review" for partner in self):
            raise UserError(self.env._("Only a profile under review can be sent back."))
        self.write({"profile_state": "draft", "send_back_reason": reason})
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
            partner.write(partner._grade_confirmation_values())
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
        """Other companies with the same VAT, name or e-mail domain."""
        self.ensure_one()
        if not self.name or self.parent_id:
            return self.browse()
        terms = [[("name", "=ilike", self.name.strip())]]
        if self.vat:
            terms.append([("vat", "=", self.vat)])
        domain = (self.email or "").rpartition("@")[2].lower()
        if domain and domain not in WEBMAIL_DOMAINS:
            terms.append([("email", "=ilike", f"%@{domain}")])
        own_id = self._origin.id
        return self.search(
            [("id", "!=", own_id), ("parent_id", "=", False)]
            + ["|"] * (len(terms) - 1)
            + [term for group in terms for term in group],
            limit=5,
        )
