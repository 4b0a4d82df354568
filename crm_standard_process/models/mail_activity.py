"""Follow-ups as activities: the engine's fields, compliance, and their history.

A follow-up is a ``mail.activity`` the customer's plan scheduled
(``followup_plan_id``); a greeting one the greetings job scheduled. The
engine's own fields are guarded (``crm.field.guard.mixin``), a follow-up is
closed by logging it as done, and what is done or cancelled stays: neither a
salesperson nor a team manager deletes it (a sales admin may, and the
customer's chatter records it).
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, index_exists

from ..tools import sla_clock
from ..tools.cron_batch import BULK_FOLLOWERS, FOLLOWERS_DONE
from .crm_followup_plan import CHANNELS
from .field_guard_mixin import GUARD_ENGINE, SALES_ADMIN_GROUP

# One follow-up per customer, plan and slot, done or open: several cron
# workers, or a worker and a manager approving a plan, cannot both create it.
FOLLOWUP_SLOT_INDEX = "mail_activity_followup_slot_uniq"
# Writing one of these changes what the compliance figures count.
COMPLIANCE_FIELDS = {
    "active",
    "user_id",
    "followup_due_date",
    "followup_partner_id",
    "followup_cancelled",
}
# Set by the follow-up engine only (the plan's scheduler, the greetings, the
# follow-up log): written by hand, over the ORM or JSON-RPC, they would fake
# what the compliance figures count.
ENGINE_FIELDS = {
    "followup_partner_id",
    "followup_plan_id",
    "followup_slot_date",
    "followup_due_date",
    "followup_channel",
    "followup_on_time",
    "followup_needs_changed",
    "followup_commitments",
    "followup_cancelled",
    "date_done",
}
# The cursor cache key of the follow-ups being marked done right now: only
# marking them done archives them.
DONE_KEY = "crm_standard_process.followups_marked_done"
# The context key listing the customers being archived: Odoo deletes the
# activities of an archived record, but the follow-ups of a customer's plan
# are its compliance, which archiving keeps (greetings go, as any activity).
KEEP_FOLLOWUPS_KEY = "crm_standard_process.keep_followups_of"


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "crm.field.guard.mixin"]
    _guard_team_field = None

    followup_partner_id = fields.Many2one(
        "res.partner",
        string="Followed-up Customer",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="Set on the follow-ups and greetings the customer's plan schedules.",
    )
    followup_plan_id = fields.Many2one(
        "crm.followup.plan",
        string="Follow-up Plan",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    followup_slot_date = fields.Date(
        string="Slot Start",
        readonly=True,
        help="The first day of the plan's slot this follow-up covers.",
    )
    followup_due_date = fields.Date(
        string="Planned Due Date",
        readonly=True,
        help="The due date the plan set; moving the deadline does not move it, "
        "and compliance is measured against it.",
    )
    followup_channel = fields.Selection(CHANNELS, string="Channel", readonly=True)
    followup_on_time = fields.Boolean(
        string="Logged on Time",
        compute="_compute_followup_on_time",
        store=True,
        help="Done no later than the company's logging delay, in working days of "
        "the assignee's calendar, after the planned due date.",
    )
    followup_cancelled = fields.Boolean(
        string="Cancelled",
        readonly=True,
        copy=False,
        help="The follow-up no longer applied (its plan was replaced, or the "
        "profile left the process): archived without counting as done.",
    )
    followup_title = fields.Char(
        string="Follow-up",
        compute="_compute_followup_title",
        help="The customer and the task: what the follow-up calendar shows.",
    )
    followup_needs_changed = fields.Text(string="Changed Needs", readonly=True)
    followup_commitments = fields.Text(string="Commitments", readonly=True)

    # computes

    @api.depends("date_done", "followup_due_date", "followup_cancelled")
    def _compute_followup_on_time(self):
        deadlines = {}
        for activity in self:
            if (
                not (activity.followup_due_date and activity.date_done)
                or activity.followup_cancelled
            ):
                activity.followup_on_time = False
                continue
            customer = activity.followup_partner_id
            calendar = customer._followup_calendar(activity.user_id)
            delay = customer.grade_company_id.followup_log_delay_days
            key = (activity.followup_due_date, calendar, delay)
            if key not in deadlines:
                deadlines[key] = sla_clock.add_working_days(
                    activity.followup_due_date, delay, calendar
                )
            activity.followup_on_time = activity.date_done <= deadlines[key]

    @api.depends("summary", "activity_type_id", "followup_partner_id", "res_name")
    def _compute_followup_title(self):
        for activity in self:
            task = activity.summary or activity.activity_type_id.name
            activity.followup_title = (
                self.env._(
                    "%(customer)s: %(task)s", customer=activity.res_name, task=task
                )
                if activity.followup_partner_id
                else task
            )

    # CRUD

    def _auto_init(self):
        # Existing activities are no follow-ups: an empty column spares
        # computing "logged on time" for each of them at install.
        if not column_exists(self.env.cr, self._table, "followup_on_time"):
            create_column(self.env.cr, self._table, "followup_on_time", "boolean")
        return super()._auto_init()

    def init(self):
        result = super().init()
        if not index_exists(self.env.cr, FOLLOWUP_SLOT_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON mail_activity"
                    " (followup_partner_id, followup_plan_id, followup_slot_date)"
                    " WHERE followup_slot_date IS NOT NULL",
                    SQL.identifier(FOLLOWUP_SLOT_INDEX),
                )
            )
        return result

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(ENGINE_FIELDS, GUARD_ENGINE),
        }

    @api.model_create_multi
    def create(self, vals_list):
        creator = self
        if self.env.context.get(BULK_FOLLOWERS):
            self._subscribe_assignees_in_bulk(vals_list)
            creator = self.with_context(**{FOLLOWERS_DONE: True})
        else:
            self._subscribe_repeated_assignees(vals_list)
        activities = super(MailActivity, creator).create(vals_list)
        activities._refresh_followup_compliance()
        return activities

    @api.model
    def _subscribe_repeated_assignees(self, vals_list):
        """Subscribe, once, whoever is given several of these activities on one
        record. Odoo's ``create`` subscribes an assignee to the record once per
        activity of the call: two of them (two greetings on one customer, a
        salesperson who is also the team manager) insert the same follower twice
        and fail the whole batch. Already following, the assignee is skipped."""
        seen, repeated = set(), defaultdict(set)
        for vals in vals_list:
            model = vals.get("res_model_id") or vals.get("res_model")
            key = (model, vals.get("user_id", self.env.uid), vals.get("res_id"))
            if key in seen and all(key):
                repeated[key[:2]].add(key[2])
            seen.add(key)
        for (model, user_id), res_ids in repeated.items():
            if isinstance(model, int):
                model = self.env["ir.model"].sudo().browse(model).model
            records = self.env[model].browse(res_ids)
            if isinstance(records, self.pool["mail.thread"]):
                records.sudo()._message_subscribe(
                    partner_ids=self.env["res.users"].browse(user_id).partner_id.ids
                )

    @api.model
    def _subscribe_assignees_in_bulk(self, vals_list):
        """Subscribe each assignee to the record of their activity, for the
        whole batch in two statements whatever the number of records and
        assignees (Odoo's ``create`` looks the followers up and subscribes
        them once per assignee). Already following, an assignee is skipped;
        a new follower gets the model's default subtypes, as Odoo gives an
        employee."""
        users = (
            self.env["res.users"]
            .sudo()
            .browse({vals["user_id"] for vals in vals_list if vals.get("user_id")})
        )
        partner_of = {user.id: user.partner_id.id for user in users}
        Model = self.env["ir.model"].sudo()
        rows = set()
        for vals in vals_list:
            model = vals.get("res_model") or Model.browse(vals["res_model_id"]).model
            if vals.get("user_id") and vals.get("res_id"):
                rows.add((model, vals["res_id"], partner_of[vals["user_id"]]))
        if not rows:
            return
        models_, res_ids, partner_ids = (
            list(column) for column in zip(*rows, strict=True)
        )
        followers = self.env.execute_query(
            SQL(
                """INSERT INTO mail_followers (res_model, res_id, partner_id)
                   SELECT * FROM unnest(%s::varchar[], %s::int[], %s::int[])
                   ON CONFLICT DO NOTHING
                   RETURNING id, res_model""",
                models_,
                res_ids,
                partner_ids,
            )
        )
        Subtype = self.env["mail.message.subtype"].sudo()
        subtypes = {
            model: Subtype._default_subtypes(model)[0]
            for model in {model for _id, model in followers}
        }
        pairs = [
            (follower_id, subtype_id)
            for follower_id, model in followers
            for subtype_id in subtypes[model]
        ]
        if pairs:
            self.env.execute_query(
                SQL(
                    """INSERT INTO mail_followers_mail_message_subtype_rel
                              (mail_followers_id, mail_message_subtype_id)
                       SELECT * FROM unnest(%s::int[], %s::int[])""",
                    [pair[0] for pair in pairs],
                    [pair[1] for pair in pairs],
                )
            )
        self.env["mail.followers"].invalidate_model()
        for model in set(models_):
            self.env[model].invalidate_model(["message_follower_ids"])

    def write(self, vals):
        if "active" in vals and not self.env.su:
            marked_done = self.env.cr.cache.get(DONE_KEY, set())
            if any(
                a.followup_plan_id and a.id not in marked_done
                for a in self.with_context(active_test=False)
            ):
                raise AccessError(
                    self.env._(
                        "A follow-up of a customer's plan is closed by logging it "
                        "as done, not by archiving or restoring it."
                    )
                )
        if not COMPLIANCE_FIELDS & vals.keys():
            return super().write(vals)
        before = self._followup_compliance_scope()
        result = super().write(vals)
        self._refresh_followup_compliance(before)
        return result

    def unlink(self):
        kept = self.env.context.get(KEEP_FOLLOWUPS_KEY)
        if kept:
            keep = self.filtered(
                lambda a: a.followup_plan_id and a.followup_partner_id.id in kept
            )
            return super(MailActivity, self - keep).unlink()
        followups = self.filtered("followup_plan_id")
        followups.with_context(active_test=False)._check_followup_unlink()
        scope = followups._followup_compliance_scope()
        logged = followups.filtered(lambda a: not a.active)._followup_deletion_notes()
        result = super().unlink()
        self.env["crm.followup.compliance"]._refresh(*scope)
        if logged:
            self.env["res.partner"].browse(list(logged))._message_log_batch(logged)
        return result

    # actions

    def action_open_followup_done_wizard(self, feedback=False):
        self.ensure_one()
        if not self.followup_plan_id or not self.active:
            raise UserError(
                self.env._(
                    "Only an open follow-up of a customer's plan is logged here."
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log Follow-up"),
            "res_model": "crm.followup.done.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_activity_id": self.id, "default_feedback": feedback},
        }

    def action_feedback_schedule_next(self, feedback=False, attachment_ids=None):
        """ "Done & Schedule Next" on a follow-up opens the follow-up log, with
        the feedback typed so far: the plan schedules the next one itself."""
        if len(self) == 1 and self.followup_plan_id and self.active:
            return self.action_open_followup_done_wizard(feedback=feedback)
        return super().action_feedback_schedule_next(
            feedback=feedback, attachment_ids=attachment_ids
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        """Once a follow-up is done, its customer's next one is scheduled."""
        followups = self.filtered("followup_plan_id")
        customers = followups.followup_partner_id
        marked_done = self.env.cr.cache.setdefault(DONE_KEY, set())
        marked_done.update(followups.ids)
        try:
            result = super()._action_done(
                feedback=feedback, attachment_ids=attachment_ids
            )
        finally:
            marked_done.difference_update(followups.ids)
        if customers:
            self.env["crm.followup.plan"].sudo()._schedule(
                customers.sudo(), fields.Date.context_today(self)
            )
        return result

    # business methods

    def _check_followup_unlink(self):
        """A salesperson cannot cancel an open follow-up (it is logged as
        done); what is done or cancelled is history, which only a sales admin
        deletes."""
        if self.env.su or not self:
            return
        user = self.env.user
        if user.has_group(SALES_ADMIN_GROUP):
            return
        if self.filtered(lambda a: not a.active):
            raise AccessError(
                self.env._(
                    "A follow-up that was done or cancelled is part of the "
                    "customer's history: only a sales admin can delete it."
                )
            )
        if not user.has_group("crm_standard_process.group_sale_team_manager"):
            raise UserError(
                self.env._(
                    "The follow-ups of a customer's plan cannot be cancelled: log "
                    "them as done with the customer's feedback, or ask your team "
                    "manager."
                )
            )

    def _cancel_followups(self):
        """Cancel these open follow-ups: archived, not done, not counted."""
        self.sudo().with_context(mail_activity_quick_update=True).write(
            {"active": False, "followup_cancelled": True}
        )

    def _followup_deletion_notes(self):
        """Customer id -> the note recording the deletion of these done or
        cancelled follow-ups, by whom."""
        notes = {}
        for activity in self.filtered("followup_partner_id"):
            notes.setdefault(activity.followup_partner_id.id, []).append(activity)
        Partner = self.env["res.partner"].sudo()
        return {
            partner_id: Partner.browse(partner_id)
            ._in_owners_words()
            .env._(
                "%(user)s deleted %(count)s follow-up(s) of the history: %(items)s.",
                user=self.env.user.name,
                count=len(activities),
                items="; ".join(
                    f"{a.summary or a.activity_type_id.name} ({a.followup_due_date})"
                    for a in activities
                ),
            )
            for partner_id, activities in notes.items()
        }

    def _followup_compliance_scope(self):
        """The customers and months whose compliance these activities count in."""
        followups = self.filtered(lambda a: a.followup_plan_id and a.followup_due_date)
        return (
            set(followups.followup_partner_id.ids),
            {a.followup_due_date.replace(day=1) for a in followups},
        )

    def _refresh_followup_compliance(self, before=None):
        partner_ids, months = self._followup_compliance_scope()
        if before:
            partner_ids |= before[0]
            months |= before[1]
        self.env["crm.followup.compliance"]._refresh(partner_ids, months)
