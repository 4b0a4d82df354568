"""Who a customer's work goes to: its sales team and account manager follow its owner.

Customers only (``res.partner``). A profile gets the sales team of its
salesperson and has the salesperson as account manager unless someone chose
otherwise; both keep following the salesperson while they were the
salesperson's (a team or an account manager chosen by hand stays). When the
salesperson or the team changes, the open review tasks (profile review,
grade confirmation, plan approval) move to the new reviewer, in their
language. ``followup_user_id`` tells, on the customer's follow-up tab, who
receives the follow-ups of the plan in force.
"""

from collections import defaultdict

from odoo import api, fields, models

from .customer_grade_mixin import GRADE_CONFIRMATION_ACTIVITY
from .customer_review_mixin import REVIEW_ACTIVITY
from .followup_target_mixin import PLAN_APPROVAL_ACTIVITY

# The reviewer's open tasks on a customer, re-routed when its desk changes.
REVIEW_TASKS = (REVIEW_ACTIVITY, GRADE_CONFIRMATION_ACTIVITY, PLAN_APPROVAL_ACTIVITY)


class CrmCustomerRoutingMixin(models.AbstractModel):
    _name = "crm.customer.routing.mixin"
    _description = "Customer Work Routing"

    followup_user_id = fields.Many2one(
        "res.users",
        string="Follow-ups Go To",
        compute="_compute_followup_user_id",
        help="Who receives the follow-up tasks of the customer's plan: the "
        "account manager (else the sales team's leader) for plans run by the "
        "account manager, the salesperson for the others.",
    )
    followup_user_role = fields.Char(
        string="Follow-ups Go To (Role)", compute="_compute_followup_user_id"
    )

    # computes

    @api.depends(
        "followup_plan_id.responsible",
        "proposed_followup_plan_id",
        "customer_grade",
        "account_manager_id",
        "user_id",
        "team_id.user_id",
    )
    def _compute_followup_user_id(self):
        Plan = self.env["crm.followup.plan"]
        for partner in self:
            plan = partner.followup_plan_id or Plan._for_grade(
                partner.confirmed_grade or partner.customer_grade,
                partner.grade_company_id or partner._main_company(),
            )
            if not plan or not partner.profile_state:
                partner.followup_user_id = False
                partner.followup_user_role = False
                continue
            user = partner._followup_responsible(plan.responsible)
            partner.followup_user_id = user
            partner.followup_user_role = partner._followup_role_label(
                plan.responsible, user
            )

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        process = self.env.context.get("default_profile_state")
        for vals in vals_list:
            if not vals.get("user_id") or vals.get("parent_id"):
                continue
            if not (vals.get("profile_state", process)):
                continue
            owner = self.env["res.users"].browse(vals["user_id"]).sudo()
            company = self.env["res.company"].browse(vals.get("company_id"))
            if not vals.get("team_id"):
                team = self._owner_sales_team(owner, company)
                if team:
                    vals["team_id"] = team.id
            if not vals.get("account_manager_id") and not owner.share:
                vals["account_manager_id"] = owner.id
        return super().create(vals_list)

    def write(self, vals):
        if not ({"user_id", "profile_state"} & vals.keys()):
            result = super().write(vals)
        else:
            result = True
            for extra, partners in self._following_values(vals).items():
                result &= super(CrmCustomerRoutingMixin, partners).write(
                    {**vals, **dict(extra)}
                )
        if {"user_id", "team_id"} & vals.keys():
            self._reroute_review_tasks()
        return result

    # onchanges

    @api.onchange("user_id")
    def _onchange_user_id_routing(self):
        """The form shows at once the team and account manager that follow
        the salesperson."""
        for partner in self.filtered(lambda p: p.user_id and not p.parent_id):
            old_owner = partner._origin.user_id
            team = self._owner_sales_team(partner.user_id, partner.company_id)
            if team and (
                not partner.team_id
                or partner.team_id == self._owner_sales_team(old_owner)
            ):
                partner.team_id = team
            if (
                not partner.account_manager_id
                or partner.account_manager_id == old_owner
            ) and not partner.user_id.share:
                partner.account_manager_id = partner.user_id

    # business methods

    @api.model
    def _owner_sales_team(self, owner, company=None):
        """The sales team a salesperson works in: their own team, else the
        first team they lead; one of ``company`` (or of no company) only."""
        if not owner:
            return self.env["crm.team"]
        owner = owner.sudo()
        teams = owner.sale_team_id | self.env["crm.team"].sudo().search(
            [("user_id", "=", owner.id)], order="sequence, id"
        )
        if company:
            teams = teams.filtered(lambda t: t.company_id in (company, t.browse()))
        return teams[:1].sudo(False)

    def _following_values(self, vals):
        """The writes ``vals`` makes, partner by partner: a new salesperson
        (or a partner entering the customer process) brings their team and
        takes over as account manager where these were the former
        salesperson's or empty, and were not given in ``vals``. Returns
        ``{extra values: partners}``."""
        groups = defaultdict(lambda: self.browse())
        Users = self.env["res.users"]
        teams = {}  # (owner, company) -> their team, looked up once a write

        def team_of(owner, company=None):
            if (owner, company) not in teams:
                teams[owner, company] = self._owner_sales_team(owner, company)
            return teams[owner, company]

        for partner in self:
            extra = {}
            in_process = partner.profile_state or vals.get("profile_state")
            enters = vals.get("profile_state") and not partner.profile_state
            if partner.parent_id or not (("user_id" in vals and in_process) or enters):
                groups[()] |= partner
                continue
            old_owner = partner.user_id
            owner = Users.browse(vals["user_id"]) if "user_id" in vals else old_owner
            company = (
                self.env["res.company"].browse(vals["company_id"])
                if vals.get("company_id")
                else partner.company_id
            )
            team = team_of(owner, company)
            if (
                "team_id" not in vals
                and team
                and team != partner.team_id
                and (not partner.team_id or partner.team_id == team_of(old_owner))
            ):
                extra["team_id"] = team.id
            manager = partner.account_manager_id
            if (
                "account_manager_id" not in vals
                and owner != manager
                and (not manager or manager == old_owner)
                and not owner.sudo().share
            ):
                extra["account_manager_id"] = owner.id
            groups[tuple(sorted(extra.items()))] |= partner
        return groups

    def _reroute_review_tasks(self):
        """Open review tasks of these customers go to their reviewer now, the
        salesperson set aside (a review needs a second pair of eyes); the
        summary in the new reviewer's language."""
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.ids),
                    (
                        "activity_type_id",
                        "in",
                        [self.env.ref(xmlid).id for xmlid in REVIEW_TASKS],
                    ),
                ]
            )
        )
        xmlids = {self.env.ref(xmlid).id: xmlid for xmlid in REVIEW_TASKS}
        for activity in activities:
            partner = self.browse(activity.res_id)
            reviewer = partner.sudo()._profile_reviewer(submitter=partner.user_id)
            if not reviewer or reviewer == activity.user_id:
                continue
            text = (
                partner.sudo()
                .with_context(lang=reviewer.lang or self.env.lang)
                ._review_task_summary(xmlids[activity.activity_type_id.id])
            )
            activity.write({"user_id": reviewer.id, "summary": text})

    def _review_task_summary(self, xmlid):
        """The summary of the review task ``xmlid`` on this customer, in the
        context's language."""
        self.ensure_one()
        if xmlid == GRADE_CONFIRMATION_ACTIVITY:
            grades = dict(
                self._fields["customer_grade"]._description_selection(self.env)
            )
            return self.env._(
                "Confirm the proposed grade %(grade)s",
                grade=grades.get(self.customer_grade, "-"),
            )
        if xmlid == PLAN_APPROVAL_ACTIVITY:
            return self.env._(
                "Approve the follow-up plan %(plan)s",
                plan=self.proposed_followup_plan_id.display_name,
            )
        return self.env._("Review the customer profile")

    def _followup_role_label(self, responsible, user):
        """Why ``user`` receives the follow-ups of a plan run by
        ``responsible``, in words."""
        if not user:
            return self.env._("Nobody: name a salesperson or an account manager")
        if responsible == "account_manager":
            if self.account_manager_id:
                return self.env._("Account manager")
            if self.team_id.user_id:
                return self.env._("Sales team leader (no account manager set)")
            return self.env._("Salesperson (no account manager nor team leader)")
        if self.user_id:
            return self.env._("Salesperson")
        return self.env._("Account manager (no salesperson set)")
