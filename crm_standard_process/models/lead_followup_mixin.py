"""A lead's follow-up discipline: follow-up clock, stale ladder, nurture pool.

Leads only (``crm.lead``). Real interactions with the customer (a call,
meeting or e-mail activity done, a message sent) restart the follow-up
clock; an open lead without one for the company's stale delay climbs the
stale ladder (``crm.escalation.mixin``): its salesperson is reminded, then
its team manager, then (optionally) it returns to the unassigned pool, each
step once a period. Leads with a vague need rest in the nurture pool with a
periodic light touch instead. The clock and the ladder are the process's
own fields: only it writes them.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..tools.reminder_rule import reminder_moment, reminder_sql
from .field_guard_mixin import GUARD_ENGINE

# The stale ladder, one step per stale period, in this order.
STALE_STEPS = [
    ("owner", "Owner Reminded"),
    ("manager", "Manager Notified"),
    ("pool", "Returned to Pool"),
]
NURTURE_TOUCH = "nurture"
STALE_REMINDER_TYPE = "crm_standard_process.mail_activity_type_stale_lead"
NURTURE_TOUCH_TYPE = "crm_standard_process.mail_activity_type_nurture_touch"
FOLLOWUP_CLOCK_FIELDS = (
    "last_followup_date",
    "followup_clock_date",
    "stale_step",
    "stale_step_date",
    "reminder_retry_date",
    "stale_due_date",
    "in_nurture_pool",
    "nurture_touch_date",
)


class CrmLeadFollowupMixin(models.AbstractModel):
    _name = "crm.lead.followup.mixin"
    _inherit = ["crm.escalation.mixin", "crm.field.guard.mixin"]
    _description = "Lead Follow-up Discipline"
    _escalation_due_field = "stale_due_date"

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

    # computes

    @api.depends(
        "followup_clock_date",
        "in_nurture_pool",
        "active",
        "stage_id.is_won",
        "grade_company_id.stale_lead_days",
    )
    def _compute_is_stale(self):
        now = fields.Datetime.now()
        for lead in self:
            company = lead.grade_company_id or lead._main_company()
            lead.is_stale = bool(
                lead._is_open()
                and not lead.in_nurture_pool
                and lead.followup_clock_date
                and lead.followup_clock_date
                <= now - timedelta(days=company.stale_lead_days)
            )

    def _search_is_stale(self, operator, value):
        sign = self._boolean_search_operator(operator, value)
        self.env["res.company"].flush_model(["stale_lead_days"])
        self.flush_model(["followup_clock_date", "grade_company_id"])
        stale = self._search([("in_nurture_pool", "=", False), *self._open_domain()])
        stale.add_where(
            SQL(
                """EXISTS (
                    SELECT 1 FROM res_company company
                     WHERE company.id = %(lead_company)s
                       AND %(clock)s + make_interval(days => company.stale_lead_days)
                           <= %(now)s)""",
                lead_company=SQL.identifier("crm_lead", "grade_company_id"),
                clock=SQL.identifier("crm_lead", "followup_clock_date"),
                now=fields.Datetime.now(),
            )
        )
        return [("id", sign, stale)]

    # The company delays are no dependencies: a change of them updates the
    # company's leads in one statement (_store_stale_due_dates).
    @api.depends(
        "active",
        "stage_id.is_won",
        "grade_company_id",
        "user_id",
        "in_nurture_pool",
        "nurture_touch_date",
        "followup_clock_date",
        "stale_step",
        "stale_step_date",
        "reminder_retry_date",
    )
    def _compute_stale_due_date(self):
        open_leads = self.filtered_domain(self._open_domain())
        for lead in self:
            lead.stale_due_date = lead in open_leads and reminder_moment(
                lead, lead.grade_company_id or lead._main_company()
            )

    # CRUD

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(FOLLOWUP_CLOCK_FIELDS, GUARD_ENGINE),
        }

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
        leads._write_guarded(
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
        leads._write_guarded(
            {
                "in_nurture_pool": False,
                "nurture_touch_date": False,
                **self._followup_restart_values(),
            }
        )
        return True

    # business methods

    def _leads_changing_owner(self, vals):
        """These leads a write of ``vals`` gives another salesperson: they
        start a fresh period without follow-up (a return to the pool, no
        salesperson, changes nothing)."""
        if not vals.get("user_id"):
            return self.browse()
        return self.filtered(lambda lead: lead.user_id.id != vals["user_id"])

    def _restart_followup_period(self):
        if not self:
            return
        self.filtered("stale_step")._unlink_stale_reminders()
        self.sudo().write(self._followup_restart_values())

    @api.model
    def _followup_restart_values(self):
        return {
            "followup_clock_date": fields.Datetime.now(),
            "stale_step": False,
            "stale_step_date": False,
            "reminder_retry_date": False,
        }

    @api.model
    def _store_stale_due_dates(self, companies=None):
        """Recompute the next reminder moment of the open leads whose grade
        company is one of ``companies`` (all leads without ``companies``) in
        one statement, from the same rule as the compute; the others have
        none."""
        where = SQL("TRUE")
        if companies is not None:
            where = SQL("lead.grade_company_id IN %s", tuple(companies.ids) or (None,))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET stale_due_date = %(due)s
                  FROM res_company company
                 WHERE company.id = lead.grade_company_id
                   AND lead.id IN %(open)s
                   AND %(where)s
                """,
                due=reminder_sql("lead", "company"),
                open=self.sudo()
                .with_context(active_test=False)
                ._search(self._open_domain())
                .subselect(),
                where=where,
            )
        )
        self.invalidate_model(["stale_due_date"])

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

    # the stale ladder (crm.escalation.mixin)

    def _escalation_due_rungs(self, now):
        """The step that fell due: the next one up the ladder, or the nurture
        touch; without a manager delay the team manager hears with the
        salesperson."""
        if self.in_nurture_pool:
            return [NURTURE_TOUCH]
        if not self.stale_step:
            company = self.grade_company_id or self._main_company()
            return ["owner"] if company.stale_manager_days else ["owner", "manager"]
        return ["manager"] if self.stale_step == "owner" else ["pool"]

    def _escalation_recipients(self, rung):
        """Who is told at ``rung``: the salesperson, then the team manager;
        nobody when the lead returns to the pool (its note tells)."""
        if rung == "owner":
            return self.user_id
        if rung == "manager":
            return self.team_id._team_managers()[:1]
        if rung == NURTURE_TOUCH:
            return self.user_id or self.team_id._team_managers()[:1]
        return self.env["res.users"]

    def _escalation_activity_values(self, rung, user, now):
        date = format_date(self.env, self.followup_clock_date)
        if rung == NURTURE_TOUCH:
            summary = self.env._("Nurture touch: send news or industry information")
        elif rung == "owner":
            summary = self.env._(
                "No follow-up since %(date)s: contact the customer", date=date
            )
        elif self.user_id:
            summary = self.env._(
                "Stale lead: no follow-up since %(date)s (salesperson: %(owner)s)",
                date=date,
                owner=self.user_id.name,
            )
        else:
            summary = self.env._(
                "Stale lead: no follow-up since %(date)s and no salesperson",
                date=date,
            )
        activity_type = (
            NURTURE_TOUCH_TYPE if rung == NURTURE_TOUCH else (STALE_REMINDER_TYPE)
        )
        return {
            "activity_type_id": self.env["ir.model.data"]._xmlid_to_res_id(
                activity_type
            ),
            "summary": summary,
            "automated": True,
        }

    def _escalation_note(self, rungs, told, now):
        if rungs == [NURTURE_TOUCH]:
            return None
        notes = [
            self._stale_note(rung, self._escalation_recipients(rung)) for rung in rungs
        ]
        return Markup("").join(Markup("<p>%s</p>") % note for note in notes)

    def _escalation_advance(self, rungs, now):
        by_step = {}
        for lead, fired in rungs.items():
            by_step.setdefault(fired[-1], self.browse())
            by_step[fired[-1]] |= lead
        for step, leads in by_step.items():
            leads = leads.sudo()
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
                # the note tells who had it; no tracking message per lead
                leads = leads.with_context(tracking_disable=True)
                values["user_id"] = False
            leads.write(values)

    def _escalation_retry(self, now):
        # tried again tomorrow rather than at every call of this run
        self.sudo().write({"reminder_retry_date": now + timedelta(days=1)})

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
