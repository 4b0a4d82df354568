"""The follow-up target: a customer's plan in force, its approval, its follow-ups.

Customers only (``res.partner``); the plans and their scheduler are
``crm.followup.plan``, the follow-ups themselves ``mail.activity`` records.
The plan in force is approved by a manager (or follows the customer's
*confirmed* grade by itself); a salesperson may propose another. When the
plan changes or the profile leaves the process, the open follow-ups that no
longer apply are cancelled and the chatter says so: none is ever deleted
behind anyone's back.
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.grading import GRADES
from .field_guard_mixin import GUARD_ENGINE

PLAN_APPROVAL_ACTIVITY = "crm_standard_process.mail_activity_type_plan_approval"
# What the plan in force records of its approval: the approval buttons and
# the follow-up job write them, nothing else.
FOLLOWUP_ENGINE_FIELDS = (
    "followup_plan_id",
    "followup_plan_grade",
    "followup_plan_approved_by_id",
    "followup_plan_approved_date",
    "followup_plan_state",
    "followup_retry_date",
    "next_followup_date",
)


class CrmFollowupTargetMixin(models.AbstractModel):
    _name = "crm.followup.target.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "Follow-up Plan of a Customer"

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
        help="When the customer's confirmed grade moves away from it, the "
        "customer follows the plan of the new grade.",
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

    # computes

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

    # CRUD

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(FOLLOWUP_ENGINE_FIELDS, GUARD_ENGINE),
        }

    # actions

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
            groups[partner.proposed_followup_plan_id, partner.confirmed_grade] |= (
                partner
            )
        for (plan, grade), partners in groups.items():
            partners._apply_followup_plan(plan, grade, approver=self.env.user)
        return True

    def action_reject_followup_plan(self):
        """Managers turn a proposal down; the plan in force stays."""
        self._check_can_review()
        proposed = self.filtered(lambda p: p.followup_plan_state == "proposed")
        for partner in proposed:
            in_their_words = partner._in_owners_words()
            partner.message_post(
                body=in_their_words.env._(
                    "The proposed follow-up plan %(plan)s was not approved.",
                    plan=in_their_words.proposed_followup_plan_id.display_name,
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

    def _approve_grade_followup_plan(self):
        """Approve, as the current user, the plan of each customer's
        confirmed grade."""
        Plan = self.env["crm.followup.plan"]
        groups = defaultdict(lambda: self.browse())
        for partner in self.filtered("confirmed_grade"):
            plan = Plan._for_grade(partner.confirmed_grade, partner.grade_company_id)
            groups[plan, partner.confirmed_grade] |= partner
        for (plan, grade), partners in groups.items():
            if plan:
                partners._apply_followup_plan(plan, grade, approver=self.env.user)

    def _follow_grade_plan(self, today=None):
        """Customers whose confirmed grade changed since their plan was
        approved take the plan of their new grade."""
        regraded = self.filtered(
            lambda p: (
                p.followup_plan_id
                and p.confirmed_grade
                and p.confirmed_grade != p.followup_plan_grade
            )
        )
        Plan = self.env["crm.followup.plan"]
        plans, groups = {}, defaultdict(lambda: self.browse())
        for partner in regraded:
            key = (partner.confirmed_grade, partner.grade_company_id)
            if key not in plans:
                plans[key] = Plan._for_grade(*key)
            groups[plans[key], partner.confirmed_grade] |= partner
        for (plan, grade), partners in groups.items():
            partners._apply_followup_plan(plan, grade, today=today)

    def _apply_followup_plan(self, plan, grade, approver=None, today=None):
        """Put ``plan`` in force on these customers, approved for ``grade`` by
        ``approver`` (none: it followed the grade). Open follow-ups of another
        plan that are not due yet give way to the new plan's: they are
        cancelled, and each customer's chatter says so."""
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
        superseded = (
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
        cancelled = defaultdict(int)
        for activity in superseded:
            cancelled[activity.followup_partner_id.id] += 1
        superseded._cancel_followups()
        self.env["crm.followup.plan"]._schedule(self, today)
        self._message_log_batch(
            {
                partner.id: partner._in_owners_words()._followup_plan_note(
                    old_plans[partner.id].with_env(partner._in_owners_words().env),
                    old_grades[partner.id],
                    approver,
                    cancelled[partner.id],
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

    def _followup_plan_note(self, old_plan, old_grade, approver, cancelled):
        """The plan change in the chatter: one sentence for the plan, one for
        the follow-ups it cancelled, each whole and translatable."""
        plan = self.followup_plan_id
        labels = dict(GRADES)
        if not plan:
            note = self.env._(
                "No follow-up plan for grade %(grade)s: the follow-ups of "
                "%(old_plan)s stop.",
                grade=labels[self.confirmed_grade],
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
                "The confirmed grade changed from %(old)s to %(new)s: the follow-up "
                "plan changed from %(old_plan)s to %(plan)s.",
                old=labels.get(old_grade, "-"),
                new=labels[self.confirmed_grade],
                old_plan=old_plan.display_name,
                plan=plan.display_name,
            )
        paragraphs = [note]
        if cancelled:
            paragraphs.append(
                self.env._(
                    "%(count)s open follow-up(s) of the former plan were cancelled.",
                    count=cancelled,
                )
            )
        return Markup("").join(Markup("<p>%s</p>") % text for text in paragraphs)

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
            # a plan's follow-up reads in its new assignee's language
            for plan in activities.followup_plan_id:
                summary, _note = plan.with_context(lang=user.lang)._activity_texts()
                activities.filtered(lambda a, p=plan: a.followup_plan_id == p).write(
                    {"summary": summary}
                )

    def _stop_followups(self):
        """Customers leaving the process have nothing left to follow up: their
        open follow-ups are cancelled, and their chatter says so."""
        followups = (
            self.env["mail.activity"]
            .sudo()
            .search([("followup_partner_id", "in", self.ids)])
        )
        if not followups:
            return
        counts = defaultdict(int)
        for activity in followups:
            counts[activity.followup_partner_id.id] += 1
        followups._cancel_followups()
        partners = self.browse(list(counts))
        partners._message_log_batch(
            {
                partner.id: partner._in_owners_words().env._(
                    "The profile is no longer active: %(count)s open follow-up(s) "
                    "were cancelled.",
                    count=counts[partner.id],
                )
                for partner in partners
            }
        )

    def _in_owners_words(self):
        """This customer in its salesperson's language: its chatter notes
        are written for them."""
        return self.with_context(lang=self.user_id.lang or self.env.lang)

    def _ask_followup_plan_approval(self):
        """The team leader is asked to approve a proposed plan."""
        for partner in self.filtered(lambda p: p.followup_plan_state == "proposed"):
            reviewer = partner._profile_reviewer()
            if reviewer and not partner.sudo().activity_search(
                [PLAN_APPROVAL_ACTIVITY]
            ):
                partner._schedule_for(
                    reviewer,
                    PLAN_APPROVAL_ACTIVITY,
                    lambda record: record._review_task_summary(PLAN_APPROVAL_ACTIVITY),
                )

    def _close_plan_approval_activities(self):
        self.sudo().activity_unlink([PLAN_APPROVAL_ACTIVITY])

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
