"""The customer profile's review: draft, to review, active, and the archive number.

Customers only (``res.partner``). A salesperson fills a profile and submits
it once its key fields are there; a team manager of its team (or a sales
admin) activates it, which gives it its archive number and confirms its
grade, or sends it back with a reason. The review's own fields change only
through these buttons (the field guard keeps them from direct writes; a
sales admin may correct them).
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from .field_guard_mixin import GUARD_ADMIN

PROFILE_STATES = [
    ("draft", "Draft"),
    ("to_review", "To Review"),
    ("active", "Active"),
    ("archived", "Archived"),
]
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
# The review's own record: set by the review buttons only, after their checks.
REVIEW_FIELDS = (
    "profile_state",
    "archive_number",
    "send_back_reason",
)
REVIEW_ACTIVITY = "crm_standard_process.mail_activity_type_profile_review"


class CrmCustomerReviewMixin(models.AbstractModel):
    _name = "crm.customer.review.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "Customer Profile Review"

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
    send_back_reason = fields.Text(readonly=True, copy=False)
    profile_completeness = fields.Integer(
        compute="_compute_profile_completeness", string="Completeness (%)"
    )
    missing_key_fields = fields.Char(compute="_compute_profile_completeness")
    review_warning = fields.Text(
        compute="_compute_review_warning",
        help="What a reviewer should know before activating the profile: "
        "missing key fields, a missing verification.",
    )
    review_info = fields.Char(
        compute="_compute_review_warning",
        help="The profile's completeness and the profile fields still empty.",
    )

    _sql_constraints = [
        (
            "archive_number_uniq",
            "unique(archive_number, company_id)",
            "This archive number is already used.",
        ),
    ]

    # computes

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

    @api.depends(
        "missing_key_fields",
        "profile_completeness",
        "verification_method",
        "verified_by_id",
        "verified_date",
        "company_id.activation_requires_verification",
        "grade_company_id.activation_requires_verification",
    )
    def _compute_review_warning(self):
        labels = self.fields_get(list(PROFILE_FIELDS), ["string"])
        for partner in self:
            warnings = []
            if partner.missing_key_fields:
                warnings.append(
                    self.env._(
                        "Key fields missing: %(fields)s.",
                        fields=partner.missing_key_fields,
                    )
                )
            if not partner._is_verified():
                if partner._verification_required():
                    warnings.append(
                        self.env._(
                            "Not verified: your company requires the verification "
                            "(official website, business registry or phone/e-mail) "
                            "before activation."
                        )
                    )
                else:
                    warnings.append(
                        self.env._(
                            "Not verified: no one has checked the customer's "
                            "identity yet (official website, business registry or "
                            "phone/e-mail)."
                        )
                    )
            partner.review_warning = "\n".join(warnings)
            empty = [labels[f]["string"] for f in PROFILE_FIELDS if not partner[f]]
            partner.review_info = (
                self.env._(
                    "%(percent)s%% complete; still empty: %(fields)s.",
                    percent=partner.profile_completeness,
                    fields=", ".join(empty),
                )
                if empty
                else False
            )

    # constraints

    @api.constrains("archive_number", "company_id")
    def _check_archive_number_unique(self):
        """One customer per archive number and company, customers of no
        company included (the SQL constraint lets NULL companies repeat)."""
        numbered = self.filtered("archive_number")
        if not numbered:
            return
        self.flush_model(["archive_number", "company_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT partner.archive_number
                     FROM res_partner partner
                     JOIN res_partner other
                       ON other.archive_number = partner.archive_number
                      AND other.id != partner.id
                      AND other.company_id IS NOT DISTINCT FROM partner.company_id
                    WHERE partner.id IN %s
                    LIMIT 1""",
                tuple(numbered.ids),
            )
        )
        if rows:
            raise ValidationError(
                self.env._(
                    "The archive number %(number)s is already used.", number=rows[0][0]
                )
            )

    # CRUD

    def init(self):
        result = super().init()
        index = "res_partner_archive_number_no_company_uniq"
        if self._auto and not index_exists(self.env.cr, index):
            # the SQL constraint, for customers of no company
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON res_partner (archive_number)"
                    " WHERE company_id IS NULL AND archive_number IS NOT NULL",
                    SQL.identifier(index),
                )
            )
        return result

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(REVIEW_FIELDS, GUARD_ADMIN),
        }

    def _guard_allows(self, fname, value):
        # Anyone brings a partner into the process, as a draft.
        if fname == "profile_state" and value in (False, "draft"):
            return not any(self.sudo().mapped("profile_state"))
        return super()._guard_allows(fname, value)

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
        self._write_guarded({"profile_state": "to_review", "send_back_reason": False})
        for partner in self:
            reviewer = partner._profile_reviewer()
            if reviewer:
                partner._schedule_for(
                    reviewer,
                    REVIEW_ACTIVITY,
                    lambda record: record._review_task_summary(REVIEW_ACTIVITY),
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
        unverified = self.filtered(
            lambda p: p._verification_required() and not p._is_verified()
        )
        if unverified:
            raise UserError(
                self.env._(
                    "Your company requires a verified profile before activation: "
                    "record how %(customers)s was verified (official website, "
                    "business registry or phone/e-mail) on its Customer Profile "
                    "tab, then activate it.",
                    customers=", ".join(unverified.mapped("display_name")),
                )
            )
        for partner in self:
            values = {"profile_state": "active"}
            if not partner.archive_number:
                values["archive_number"] = partner._next_archive_number()
            if partner.customer_grade:
                values.update(partner._grade_confirmation_values())
            partner._write_guarded(values)
        self._close_review_activities()
        self.filtered(lambda p: not p.followup_plan_id)._approve_grade_followup_plan()
        return True

    def action_send_back(self, reason):
        """Return the profiles under review to draft, telling why."""
        self._check_can_review()
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Sending a profile back needs a reason."))
        if any(partner.profile_state != "to_review" for partner in self):
            raise UserError(self.env._("Only a profile under review can be sent back."))
        self._write_guarded({"profile_state": "draft", "send_back_reason": reason})
        for partner in self:
            # written for the salesperson it notifies, in their language
            partner.message_post(
                body=partner._in_owners_words().env._(
                    "Sent back to draft: %(reason)s", reason=reason
                ),
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

    def action_start_customer_process(self):
        """Bring an existing partner into the customer process, as a draft."""
        self.filtered(lambda p: not p.profile_state and not p.parent_id).write(
            {"profile_state": "draft"}
        )
        return True

    # business methods

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
        managed = self.sudo().team_id._managed_by_me()
        foreign = self.filtered(lambda p: p.sudo().team_id not in managed)
        if foreign:
            raise AccessError(
                self.env._(
                    "You review the customers of your own teams only: %(customers)s.",
                    customers=", ".join(foreign.mapped("display_name")),
                )
            )

    def _profile_reviewer(self, submitter=None):
        """Who is asked to review this profile: the team leader if a team
        manager, else a team manager member of the team, else a sales admin of
        the company; never ``submitter`` (by default whoever submits it: a
        review needs a second pair of eyes), unless no one else can review."""
        self.ensure_one()
        submitter = submitter or self.env.user
        # whoever asks may just have handed the customer to another team
        company = self.sudo().company_id
        candidates = self.sudo().team_id._team_managers()
        admins = (
            self.env.ref("sales_team.group_sale_manager")
            .sudo()
            .users.filtered(
                lambda user: (
                    user.active
                    and not user.share
                    and (not company or company in user.company_ids)
                )
            )
            .sorted("id")
        )
        others = (candidates | admins) - submitter
        return others[:1] or admins[:1]

    def _schedule_for(self, user, activity_type, summary):
        """Schedule an activity of ``activity_type`` for ``user`` on this
        record, its summary (``summary(record)``) in the user's language."""
        self.ensure_one()
        record = self.sudo().with_context(lang=user.lang or self.env.lang)
        return record.activity_schedule(
            activity_type, summary=summary(record), user_id=user.id
        )

    def _is_verified(self):
        """Whether someone recorded how and when the customer was verified."""
        self.ensure_one()
        return bool(
            self.verification_method and self.verified_by_id and self.verified_date
        )

    def _verification_required(self):
        """Whether the customer's company activates verified profiles only."""
        self.ensure_one()
        company = self.company_id or self.grade_company_id or self._main_company()
        return company.sudo().activation_requires_verification

    def _next_archive_number(self):
        code = f"crm_standard_process.archive_number.{self.customer_type or 'b2b'}"
        number = (
            self.env["ir.sequence"]
            .with_company(self.company_id or self.grade_company_id)
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
        self.sudo().activity_unlink([REVIEW_ACTIVITY])

    def _key_field_labels(self):
        fields_info = self.fields_get(list(KEY_FIELDS), ["string"])
        labels = {fname: fields_info[fname]["string"] for fname in KEY_FIELDS}
        labels["child_ids"] = self.env._("at least one contact")
        return labels

    def _state_label(self):
        return dict(self._fields["profile_state"]._description_selection(self.env)).get(
            self.profile_state, self.env._("outside the customer process")
        )
