"""The SLA clock: deadlines in working hours, pauses, status, escalation ladder.

Used by the complaint tickets (``crm.complaint.ticket``). The clock starts
when the record is received (``sla_start_date``) and runs against the
targets of its SLA policy (``sla_id``: response, then resolution, each on
the working calendar or round the clock, ``tools/sla_clock.py`` doing the
maths); it stops while the record waits on the customer, the deadlines
moving by the pause. The status (on track, at risk, breached) is kept by
one set-based UPDATE, and the escalation ladder (``crm.escalation.mixin``)
tells the owner and the handler when the warning moment passes, the team
manager at the breach and the sales admins some hours later. These fields
are the clock's own: only the clock and the buttons write them.
"""

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime
from odoo.tools.sql import create_index

from ..tools import sla_clock
from .field_guard_mixin import GUARD_ENGINE

OPEN_STATES = ("new", "in_progress")
# Escalation ladder: 1 warns owner and handler, 2 the team manager (at the
# breach), 3 the sales admins (a policy-defined delay after the breach).
LEVEL_WARNING, LEVEL_BREACH, LEVEL_ADMIN = 1, 2, 3
# Set by the clock and the buttons only. A new record may carry these
# values only (and a receipt date not in the future).
SLA_START_VALUES = {
    "state": "new",
    "sla_status": "on_track",
    **dict.fromkeys(
        (
            "response_deadline",
            "resolution_deadline",
            "sla_deadline",
            "sla_warning_date",
            "next_escalation_date",
            "escalation_level",
            "is_waiting_customer",
            "paused_since",
            "paused_working_hours",
            "paused_clock_hours",
            "responded_date",
            "solved_date",
            "closed_date",
            "response_time",
            "resolution_time",
            "response_sla_met",
            "resolution_sla_met",
            "reopen_count",
        ),
        False,
    ),
}
SLA_CLOCK_FIELDS = frozenset({*SLA_START_VALUES, "sla_start_date", "sla_id"})
# What the batch being escalated looks up once: who may open its tickets,
# the sales admins.
BATCH_CACHE = "crm_standard_process.escalation_batch"
SLA_SCHEDULE_FIELDS = (
    "response_deadline",
    "resolution_deadline",
    "sla_deadline",
    "sla_warning_date",
)


class CrmSlaClockMixin(models.AbstractModel):
    _name = "crm.sla.clock.mixin"
    _inherit = ["crm.escalation.mixin", "crm.field.guard.mixin"]
    _description = "SLA Clock and Escalation"

    sla_start_date = fields.Datetime(
        string="Received On",
        default=fields.Datetime.now,
        required=True,
        readonly=True,
        copy=False,
    )
    response_deadline = fields.Datetime(
        compute="_compute_sla_deadlines", store=True, tracking=True
    )
    resolution_deadline = fields.Datetime(
        compute="_compute_sla_deadlines", store=True, tracking=True
    )
    sla_deadline = fields.Datetime(
        string="Next Deadline",
        compute="_compute_sla_deadlines",
        store=True,
        index="btree_not_null",
        help="The deadline the ticket runs against now: response, then resolution.",
    )
    sla_warning_date = fields.Datetime(
        string="SLA Warning Date", compute="_compute_sla_deadlines", store=True
    )
    sla_remaining_hours = fields.Float(
        string="Time Left (h)",
        compute="_compute_sla_remaining_hours",
        help="Hours left before the running deadline, negative once overdue; "
        "frozen while the ticket waits on the customer.",
    )
    next_escalation_date = fields.Datetime(
        compute="_compute_next_escalation_date",
        store=True,
        index="btree_not_null",
        help="When the next escalation level falls due.",
    )
    escalation_level = fields.Integer(
        readonly=True,
        copy=False,
        help="Escalation levels already notified for the current deadline: 1 owner "
        "and handler, 2 team manager, 3 sales admins.",
    )
    sla_status = fields.Selection(
        [("on_track", "On Track"), ("at_risk", "At Risk"), ("breached", "Breached")],
        string="SLA Status",
        default="on_track",
        readonly=True,
        copy=False,
        index=True,
        help="Open tickets: against the running deadline, refreshed by the SLA job. "
        "Solved tickets: breached if the response or the solution came late.",
    )
    is_waiting_customer = fields.Boolean(
        string="Waiting on Customer", readonly=True, copy=False, tracking=True
    )
    paused_since = fields.Datetime(readonly=True, copy=False)
    paused_working_hours = fields.Float(readonly=True, copy=False)
    paused_clock_hours = fields.Float(readonly=True, copy=False)
    responded_date = fields.Datetime(string="Responded On", readonly=True, copy=False)
    solved_date = fields.Datetime(string="Solved On", readonly=True, copy=False)
    closed_date = fields.Datetime(string="Closed On", readonly=True, copy=False)
    response_time = fields.Float(
        string="Time to Response (h)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Working hours from receipt to the response, pauses excluded.",
    )
    resolution_time = fields.Float(
        string="Time to Resolution (h)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Working hours from receipt to the solution, pauses excluded.",
    )
    response_sla_met = fields.Boolean(
        string="Response SLA Met", readonly=True, copy=False
    )
    resolution_sla_met = fields.Boolean(
        string="Resolution SLA Met", readonly=True, copy=False
    )

    # computes

    # Stored, so that the cron and the reports never call the calendar. A
    # target already reached keeps its deadline: the response deadline stays
    # once responded, every deadline once the ticket is finished.
    @api.depends(
        "sla_id",
        "sla_start_date",
        "responded_date",
        "paused_working_hours",
        "paused_clock_hours",
    )
    def _compute_sla_deadlines(self):
        for ticket in self:
            policy = ticket.sla_id
            if not policy:
                ticket.update(dict.fromkeys(SLA_SCHEDULE_FIELDS, False))
                continue
            if ticket.state not in OPEN_STATES and ticket.resolution_deadline:
                ticket.update({f: ticket[f] for f in SLA_SCHEDULE_FIELDS})
                continue
            if not (ticket.responded_date and ticket.response_deadline):
                ticket.response_deadline = ticket._sla_moment(
                    policy.response_hours, policy.response_clock
                )
            else:
                ticket.response_deadline = ticket.response_deadline
            ticket.resolution_deadline = ticket._sla_moment(
                policy.resolution_hours, policy.resolution_clock
            )
            if ticket.responded_date:
                hours, clock = policy.resolution_hours, policy.resolution_clock
                ticket.sla_deadline = ticket.resolution_deadline
            else:
                hours, clock = policy.response_hours, policy.response_clock
                ticket.sla_deadline = ticket.response_deadline
            ticket.sla_warning_date = ticket._sla_moment(
                hours * policy.warning_percent / 100.0, clock
            )

    @api.depends("state", "sla_deadline", "paused_since")
    def _compute_sla_remaining_hours(self):
        now = fields.Datetime.now()
        for ticket in self:
            if ticket.state in OPEN_STATES and ticket.sla_deadline:
                moment = ticket.paused_since or now
                ticket.sla_remaining_hours = (
                    ticket.sla_deadline - moment
                ).total_seconds() / 3600
            else:
                ticket.sla_remaining_hours = 0.0

    # The escalation job changes the level in batches: this compute stays
    # cheap (no calendar) so that a batch costs the same for 10 or 100 tickets.
    @api.depends(
        "state",
        "escalation_level",
        "sla_warning_date",
        "sla_deadline",
        "is_waiting_customer",
    )
    def _compute_next_escalation_date(self):
        for ticket in self:
            if (
                not ticket.sla_deadline
                or ticket.state not in OPEN_STATES
                or ticket.is_waiting_customer
            ):
                ticket.next_escalation_date = False
                continue
            ticket.next_escalation_date = ticket._escalation_moments().get(
                ticket.escalation_level + 1, False
            )

    # CRUD

    def init(self):
        result = super().init()
        if not self._auto:
            return result
        # The periodic status refresh reads only the open tickets whose status
        # is behind a passed moment (see _refresh_sla_status).
        running = "state IN ('new', 'in_progress') AND is_waiting_customer IS NOT TRUE"
        create_index(
            self.env.cr,
            f"{self._table}_sla_breach_due_index",
            self._table,
            ["sla_deadline"],
            where=f"{running} AND sla_status <> 'breached'",
        )
        create_index(
            self.env.cr,
            f"{self._table}_sla_warning_due_index",
            self._table,
            ["sla_warning_date"],
            where=f"{running} AND sla_status = 'on_track'",
        )
        return result

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(SLA_CLOCK_FIELDS, GUARD_ENGINE),
        }

    def _guard_allows(self, fname, value):
        if self:
            return super()._guard_allows(fname, value)
        # a new ticket starts its clock: received now or earlier, nothing more
        if fname == "sla_start_date":
            return fields.Datetime.to_datetime(value) <= fields.Datetime.now()
        if fname in SLA_START_VALUES:
            return (value or False) == SLA_START_VALUES[fname]
        return super()._guard_allows(fname, value)

    # actions

    def action_wait_customer(self):
        """Pause the SLA clock while the ticket waits on the customer."""
        self._check_state(
            OPEN_STATES,
            self.env._("%(tickets)s cannot be paused in its current status."),
        )
        self.filtered(lambda t: not t.is_waiting_customer)._write_guarded(
            {"is_waiting_customer": True, "paused_since": fields.Datetime.now()}
        )
        return True

    def action_resume(self):
        """The customer answered: the clock resumes, deadlines move by the pause."""
        now = fields.Datetime.now()
        for ticket in self.filtered("is_waiting_customer"):
            ticket._resume_clock(now)
        self._refresh_sla_status(now)
        return True

    # business methods

    def _sla_moment(self, hours, clock):
        """``hours`` of the clock after the start, the pauses added."""
        calendar = self.sla_id._calendar_for(clock, self.company_id)
        paused = self.paused_working_hours if calendar else self.paused_clock_hours
        return sla_clock.add_hours(self.sla_start_date, hours + paused, calendar)

    def _measure(self, target, now):
        """The working hours taken to reach ``target`` (response or resolution),
        pauses excluded, whatever the clock of the target; and whether its
        deadline was met. Working hours make the reports comparable."""
        calendar = self.sla_id._calendar_for("working", self.company_id)
        taken = (
            sla_clock.hours_between(self.sla_start_date, now, calendar)
            - self.paused_working_hours
        )
        values = {f"{target}_time": max(taken, 0.0)}
        deadline = self[f"{target}_deadline"]
        if deadline:
            values[f"{target}_sla_met"] = now <= deadline
        return values

    def _resume_clock(self, now):
        """End a pause: its working and clock hours add to the counters."""
        if not self.is_waiting_customer:
            return
        calendar = self.sla_id._calendar_for("working", self.company_id)
        self._write_guarded(
            {
                "is_waiting_customer": False,
                "paused_since": False,
                "paused_working_hours": self.paused_working_hours
                + sla_clock.hours_between(self.paused_since, now, calendar),
                "paused_clock_hours": self.paused_clock_hours
                + sla_clock.hours_between(self.paused_since, now),
            }
        )

    def _refresh_sla_status(self, now=None):
        """Set the SLA status of open tickets (all of them for an empty ``self``).

        One UPDATE that rewrites only the rows whose status changes, so that
        the periodic run over 100,000 open tickets writes a handful of rows;
        rows another transaction is editing are skipped, not waited for (the
        next run catches them). Waiting tickets keep their status. Returns the
        number of rows changed.

        The periodic run (empty ``self``) looks only at the tickets whose
        status moves forward with time, through the two partial indexes of
        ``init``: a deadline or warning moment passed and the status not yet
        at that level. A status moves backward only when deadlines move later
        (resume, reopen, start, another policy or other targets): the writers
        of those refresh their own tickets, whose rows they have written and
        locked already, so none is skipped.
        """
        self.env.flush_all()
        now = now or fields.Datetime.now()
        status = SQL(
            """CASE WHEN sla_deadline <= %(now)s THEN 'breached'
                    WHEN sla_warning_date <= %(now)s THEN 'at_risk'
                    ELSE 'on_track' END""",
            now=now,
        )
        where = SQL(
            """state IN %s AND sla_deadline IS NOT NULL
               AND is_waiting_customer IS NOT TRUE
               AND sla_status IS DISTINCT FROM %s""",
            OPEN_STATES,
            status,
        )
        if self:
            where = SQL("%s AND id IN %s", where, tuple(self.ids))
        else:
            where = SQL(
                """%s AND ((sla_deadline <= %s AND sla_status <> 'breached')
                      OR (sla_warning_date <= %s AND sla_status = 'on_track'))""",
                where,
                now,
                now,
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s
                   SET sla_status = %(status)s
                 -- an array, not a join: the planner looks the changed rows
                 -- up by id instead of scanning every ticket to join them
                 WHERE id = ANY(ARRAY(
                        SELECT id
                          FROM %(table)s
                         WHERE %(where)s
                           FOR NO KEY UPDATE SKIP LOCKED))
                """,
                table=SQL.identifier(self._table),
                status=status,
                where=where,
            )
        )
        changed = self.env.cr.rowcount
        self.invalidate_model(["sla_status"])
        return changed

    # the escalation ladder (crm.escalation.mixin)

    def _escalation_moments(self):
        """When each level of the ladder falls due for the running deadline;
        the sales admins a policy-set number of hours (round the clock) after
        the breach."""
        return {
            LEVEL_WARNING: self.sla_warning_date,
            LEVEL_BREACH: self.sla_deadline,
            LEVEL_ADMIN: self.sla_deadline
            and sla_clock.add_hours(
                self.sla_deadline, self.sla_id.escalate_admin_hours
            ),
        }

    def _escalation_due_rungs(self, now):
        """The levels due, each as the rung that hears of it: a level whose
        people cannot open the ticket falls to the next one up."""
        levels = [
            level
            for level, moment in self._escalation_moments().items()
            if level > self.escalation_level and moment and moment <= now
        ]
        return [(level, self._escalation_rung(level)[0]) for level in levels]

    def _escalation_recipients(self, rung):
        return self._escalation_rung(rung[0])[1]

    def _escalation_rung(self, level):
        """``(rung, users)``: who hears of ``level``, and as which rung. Only
        people who can open the ticket, since a to-do they cannot open is a
        dead end; a rung without such a person (an unassigned ticket, a team
        without a leader, a leader or handler without access) falls to the
        next one up. Owners and handlers read their tickets by the "owned or
        handled" rule, sales admins read all: only team managers are checked
        against the rules, once a batch."""
        ladder = self._batch_memo(("ladder", self.id), self._escalation_ladder)
        for rung in range(level, LEVEL_ADMIN + 1):
            if ladder[rung]:
                return rung, ladder[rung]
        return LEVEL_ADMIN, self.env["res.users"]

    def _escalation_ladder(self):
        """Who hears of each level of this ticket (see ``_escalation_rung``)."""
        managers = self._batch_memo(
            ("managers", self.team_id.id), self.team_id._team_managers
        )
        return {
            LEVEL_WARNING: (self.user_id | self.handler_id).filtered(
                lambda u: u.active and not u.share and self.company_id in u.company_ids
            ),
            # the first team manager who can open it; not every member manager
            LEVEL_BREACH: managers.filtered(lambda u: self._can_open(u))[:1],
            LEVEL_ADMIN: self._sales_admins().filtered(
                lambda u: self.company_id in u.company_ids
            ),
        }

    def _batch_memo(self, key, compute):
        """``compute()``, worked out once for the batch being escalated (see
        ``_escalate``); every time outside one."""
        cache = self.env.cr.cache.get(BATCH_CACHE)
        if cache is None:
            return compute()
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def _can_open(self, user):
        """Whether ``user`` may open this ticket: one access check per person
        for the whole batch being escalated (see ``_escalate``)."""
        readable = self.env.cr.cache.get(BATCH_CACHE, {}).setdefault("readable", {})
        if user.id not in readable:
            readable[user.id] = set()
            as_user = self.with_user(user).with_context(active_test=False)
            if user.active and as_user.browse().has_access("read"):
                # the rules in one query, not evaluated record by record
                readable[user.id] = set(
                    as_user.search([("id", "in", list(self._prefetch_ids))]).ids
                )
        return self.id in readable[user.id]

    def _sales_admins(self):
        """The active sales admins, looked up once a batch."""
        group = self.env["ir.model.data"]._xmlid_to_res_id(
            "sales_team.group_sale_manager"
        )
        return self._batch_memo(
            "admins",
            lambda: (
                self.env["res.groups"]
                .browse(group)
                .users.filtered(lambda u: not u.share and u.active)
            ),
        )

    def _escalate(self, now):
        self.env.cr.cache[BATCH_CACHE] = {}
        try:
            return super()._escalate(now)
        finally:
            self.env.cr.cache.pop(BATCH_CACHE, None)

    def _escalation_people(self):
        return self.user_id | self.handler_id | self._sales_admins()

    def _escalation_activity_values(self, rung, user, now):
        return {
            "activity_type_id": self.env["ir.model.data"]._xmlid_to_res_id(
                "mail.mail_activity_data_todo"
            ),
            "summary": self._escalation_text(rung[1], now),
        }

    def _escalation_note(self, rungs, told, now):
        return self._escalation_text(max(rung for _level, rung in rungs), now)

    def _escalation_advance(self, rungs, now):
        by_level = {}
        for ticket, fired in rungs.items():
            for level, _rung in fired:
                by_level.setdefault(level, self.browse())
                by_level[level] |= ticket
        for level in sorted(by_level):
            by_level[level].filtered(
                lambda t, lvl=level: t.escalation_level < lvl
            ).sudo().write({"escalation_level": level})
        self._refresh_sla_status(now)

    def _escalation_retry(self, now):
        # try again in an hour rather than at every run
        self.sudo().write({"next_escalation_date": sla_clock.add_hours(now, 1)})

    def _escalation_text(self, rung, now):
        """The escalation in words, in the context's language and time zone:
        one whole sentence for each case."""
        tz = self.env.context.get("tz")
        deadline = self._batch_memo(
            ("deadline", self.sla_deadline, self.env.lang, tz),
            lambda: format_datetime(
                self.env, self.sla_deadline, tz=tz, dt_format="short"
            ),
        )
        response = not self.responded_date
        if self.sla_deadline > now:
            if response:
                return self.env._(
                    "SLA at risk: the response is due on %(deadline)s.",
                    deadline=deadline,
                )
            return self.env._(
                "SLA at risk: the resolution is due on %(deadline)s.",
                deadline=deadline,
            )
        if rung == LEVEL_WARNING and response:
            return self.env._(
                "SLA breached: the response was due on %(deadline)s.",
                deadline=deadline,
            )
        if rung == LEVEL_WARNING:
            return self.env._(
                "SLA breached: the resolution was due on %(deadline)s.",
                deadline=deadline,
            )
        if rung == LEVEL_BREACH and response:
            return self.env._(
                "SLA breached: the response was due on %(deadline)s; escalated "
                "to the team manager.",
                deadline=deadline,
            )
        if rung == LEVEL_BREACH:
            return self.env._(
                "SLA breached: the resolution was due on %(deadline)s; escalated "
                "to the team manager.",
                deadline=deadline,
            )
        if response:
            return self.env._(
                "SLA breached: the response was due on %(deadline)s; escalated "
                "to the sales admins.",
                deadline=deadline,
            )
        return self.env._(
            "SLA breached: the resolution was due on %(deadline)s; escalated to "
            "the sales admins.",
            deadline=deadline,
        )
