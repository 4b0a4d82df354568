"""The customer: the profile collected (P1), composed with the process's capabilities.

``res.partner`` gathers here what a salesperson collects on a customer
company (industry, size, needs, expectations, decision maker, verification)
and composes the capabilities that act on it, each in its own mixin: the
review (``customer_review_mixin``), the grade (``customer_grade_mixin`` on
``grading_mixin``), possible duplicates (``duplicate_mixin``) and the
follow-up plan (``followup_target_mixin``), all behind the field guard
(``field_guard_mixin``). Its ``write`` runs their reactions in order.
"""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index, drop_index

from .crm_followup_greeting import month_day_sql
from .customer_grade_mixin import GRADE_INPUT_FIELDS
from .duplicate_mixin import WEBMAIL_DOMAINS
from .field_guard_mixin import GUARD_ENGINE, GUARD_MANAGER
from .mail_activity import KEEP_FOLLOWUPS_KEY

LEVELS = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
# Mainland China mobile numbers: what a personal phone looks like on a
# company contact, where the work phone is expected.
MOBILE_NUMBER = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
# Who verified the profile, and when: the customer process records them when
# the verification method is set, in the name of whoever sets it.
VERIFICATION_FIELDS = ("verified_by_id", "verified_date")
# The customer's columns copied on every partner for the record rules.
RULE_COLUMNS = {
    "customer_profile_state": "varchar",
    "customer_user_id": "int4",
    "customer_team_id": "int4",
}
# The finder of customers whose confirmed grade left their plan's
# (crm.followup.plan._regraded_customers) reads this partial index; keep the
# two predicates the same.
REGRADED_INDEX = "res_partner_regrade_pending_index"
REGRADED_PREDICATE = (
    "profile_state = 'active' AND active AND confirmed_grade IS NOT NULL"
    " AND confirmed_grade IS DISTINCT FROM followup_plan_grade"
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "crm.customer.review.mixin",
        "crm.customer.grade.mixin",
        "crm.duplicate.mixin",
        "crm.followup.target.mixin",
        "crm.data.update.mixin",
        "crm.quarterly.review.mixin",
        # the retention builds on the archive: listed first, it comes first
        "crm.customer.retention.mixin",
        "crm.customer.archive.mixin",
        "crm.customer.cooperation.mixin",
        "crm.customer.routing.mixin",
    ]
    _guard_readable_links = ("parent_id",)
    _guard_non_negative = ("expected_annual_amount", "annual_revenue")

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
    company_size = fields.Selection(
        [
            ("lt_300", "< 300 staff"),
            ("300_500", "300-500 staff"),
            ("gt_500", "> 500 staff"),
        ],
        tracking=True,
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
    need_clarity = fields.Selection(help="A clear need grades the customer at least B.")
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
    verified_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        tracking=True,
        help="Who set the verification method.",
    )
    verified_date = fields.Date(
        string="Verified On", readonly=True, copy=False, tracking=True
    )
    contact_warning = fields.Char(
        compute="_compute_contact_warning",
        help="A contact's phone looks personal, or their e-mail is not a "
        "company address.",
    )
    # The customer's standing, owner and team, kept on each of its contacts
    # too, so that the record rules read the partner's own row, not a
    # subquery over every partner (res_partner_security.xml).
    customer_profile_state = fields.Selection(
        related="commercial_partner_id.profile_state",
        string="Customer's Profile Status",
        store=True,
        index="btree_not_null",
    )
    customer_user_id = fields.Many2one(
        related="commercial_partner_id.user_id",
        string="Customer's Salesperson",
        store=True,
        index="btree_not_null",
    )
    customer_team_id = fields.Many2one(
        related="commercial_partner_id.team_id",
        string="Customer's Sales Team",
        store=True,
        index="btree_not_null",
    )
    complaint_ticket_ids = fields.One2many("crm.complaint.ticket", "partner_id")
    open_complaint_count = fields.Integer(compute="_compute_open_complaint_count")

    # computes

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

    # constraints

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

    @api.constrains("founding_date", "birthday")
    def _check_past_dates(self):
        today = fields.Date.context_today(self)
        for partner in self:
            for fname in ("founding_date", "birthday"):
                if partner[fname] and partner[fname] > today:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of %(partner)s cannot lie in the future.",
                            field=self._field_labels([fname]),
                            partner=partner.display_name,
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
        # created empty here, filled below once the columns they copy exist
        fill_rule_columns = not column_exists(cr, self._table, "customer_profile_state")
        if fill_rule_columns:
            for fname, column_type in RULE_COLUMNS.items():
                create_column(cr, self._table, fname, column_type)
        if not column_exists(cr, self._table, "grade_company_id"):
            create_column(cr, self._table, "grade_company_id", "int4")
            cr.execute(
                SQL(
                    "UPDATE res_partner SET grade_company_id = %s",
                    self._grade_company_sql("res_partner"),
                )
            )
        # the first won opportunity of each customer, from its won leads
        if not column_exists(cr, self._table, "cooperation_start_date"):
            create_column(cr, self._table, "cooperation_start_date", "date")
            self._fill_cooperation_start_dates()
        result = super()._auto_init()
        if fill_rule_columns:
            self._store_customer_columns()
        return result

    @api.model
    def _store_customer_columns(self):
        """SQL twin of the customer's standing, owner and team copied on every
        partner: one UPDATE, for a live database's partners at install and
        for partners inserted in bulk."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET customer_profile_state = customer.profile_state,
                       customer_user_id = customer.user_id,
                       customer_team_id = customer.team_id
                  FROM res_partner customer
                 WHERE customer.id = COALESCE(partner.commercial_partner_id, partner.id)
                """
            )
        )
        self.invalidate_model(list(RULE_COLUMNS))

    def init(self):
        result = super().init()
        cr = self.env.cr
        # before 18.0.1.2.0 the plan followed the grade in force
        drop_index(cr, "res_partner_regraded_customer_index", self._table)
        create_index(cr, REGRADED_INDEX, self._table, ["id"], where=REGRADED_PREDICATE)
        # The greetings finder (crm.followup.greeting._due_occasions) looks
        # important dates up by month and day.
        for fname in ("birthday", "founding_date", "cooperation_start_date"):
            create_index(
                cr,
                f"res_partner_{fname}_month_day_index",
                self._table,
                [month_day_sql(SQL.identifier(fname)).code],
                where=f"{fname} IS NOT NULL",
            )
        return result

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(VERIFICATION_FIELDS, GUARD_ENGINE),
            **dict.fromkeys(RULE_COLUMNS, GUARD_ENGINE),
            # archiving a customer of the process is the archive's business
            "active": GUARD_MANAGER,
        }

    def _guard_allows(self, fname, value):
        if fname == "active":
            return not any(self.sudo().mapped("profile_state"))
        return super()._guard_allows(fname, value)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Contacts follow their company: only the company is in the process.
            if vals.get("parent_id"):
                vals["profile_state"] = False
        partners = super().create(vals_list)
        partners.filtered("verification_method")._record_verification()
        return partners

    def write(self, vals):
        partners = self
        # a contact moving to another company takes its won leads along
        moving = (
            self.commercial_partner_id
            if {"parent_id", "is_company"} & vals.keys()
            else None
        )
        if vals.get("active") is False:
            # archiving keeps the customer's follow-ups (mail.activity.unlink)
            partners = self.with_context(
                **{KEEP_FOLLOWUPS_KEY: tuple(self.filtered("profile_state").ids)}
            )
        result = super(ResPartner, partners).write(vals)
        if moving is not None:
            (moving | self.commercial_partner_id)._store_cooperation_start_dates()
        if "verification_method" in vals:
            self._record_verification()
        if vals.get("proposed_followup_plan_id"):
            self._ask_followup_plan_approval()
        if GRADE_INPUT_FIELDS & vals.keys():
            self._grade_inputs_changed()
        if {"user_id", "team_id", "account_manager_id"} & vals.keys():
            self.filtered("profile_state")._reassign_followups()
        if vals.get("profile_state") == "active":
            self._record_activation()
        if "profile_state" in vals:
            self.filtered(
                lambda p: p.followup_activity_ids and p.profile_state != "active"
            )._stop_followups()
        return result

    # actions

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

    # business methods

    def _record_verification(self):
        """Who verified the profile and when: whoever set the method, today."""
        verified = self.filtered("verification_method")
        verified.sudo().write(
            {
                "verified_by_id": self.env.user.id,
                "verified_date": fields.Date.context_today(self),
            }
        )
        (self - verified).sudo().write(dict.fromkeys(VERIFICATION_FIELDS, False))
