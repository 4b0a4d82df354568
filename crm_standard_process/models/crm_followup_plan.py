import logging
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import sla_clock
from ..tools.cron_batch import CONCURRENCY_ERRORS, run_in_savepoints
from ..tools.grading import GRADES

_logger = logging.getLogger(__name__)

CHANNELS = [
    ("meeting", "In-person Meeting"),
    ("video", "Video Call"),
    ("call", "Phone Call"),
    ("email", "E-mail"),
    ("message", "Instant Message"),
]
RESPONSIBLES = [
    ("account_manager", "Account Manager"),
    ("owner", "Salesperson"),
]
PERIODS = [
    ("week", "Week"),
    ("fortnight", "Fortnight"),
    ("month", "Calendar Month"),
]
# The shortest length of each period, in days: a plan cannot ask for more
# follow-ups than that in a period, each slot needs a day of its own.
PERIOD_MIN_DAYS = {"week": 7, "fortnight": 14, "month": 28}
# Fortnights are counted from this Monday, so that they never depend on the
# year or on when a customer started.
FORTNIGHT_EPOCH = date(2001, 1, 1)
# How many slots ahead the scheduler looks for one that is still to plan.
MAX_SLOTS_AHEAD = 12
# The last customer the scheduling job looked at: each call goes on after
# it, so that a run over 100,000 customers due does not walk again past those
# already scheduled at every call (a quadratic run); at the end it starts
# over from the first.
SCHEDULING_CURSOR = "crm_standard_process.followup_scheduling_cursor"
# Customers scheduled a call: a batch's fixed costs (finder, count, the
# follow-ups' lookup, compliance, flush) shared by 1,000 customers cost a
# fifth less a customer than by 500 (measured over 26,757 due customers).
SCHEDULING_BATCH = 1000


class CrmFollowupPlan(models.Model):
    """A follow-up cadence: how often, how and by whom a customer is contacted.

    Each plan cuts time into slots: ``count`` slots per period (week,
    fortnight or calendar month), of (nearly) equal length. A customer owes
    one follow-up per slot, due on the last working day of the slot on its
    responsible user's calendar.
    """

    _name = "crm.followup.plan"
    _description = "Follow-up Plan"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Empty: every company. A company's own plan for a grade comes "
        "before the shared one.",
    )
    customer_grade = fields.Selection(
        GRADES,
        string="Grade",
        help="The customers of this grade follow this plan by default. Empty: a "
        "plan that reps propose for individual customers.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        required=True,
        ondelete="restrict",
        domain="[('keep_done', '=', True), "
        "('res_model', 'in', (False, 'res.partner'))]",
        help="The activity each follow-up is scheduled as. It must keep done "
        "activities, which the compliance figures count.",
    )
    channel = fields.Selection(CHANNELS, required=True, default="call")
    goal = fields.Text(
        translate=True, help="What each follow-up should achieve; shown on the task."
    )
    responsible = fields.Selection(
        RESPONSIBLES,
        required=True,
        default="owner",
        help="Account manager: the customer's account manager, else its sales "
        "team's leader. Salesperson: the customer's salesperson.",
    )
    period = fields.Selection(PERIODS, required=True, default="week")
    count = fields.Integer(
        string="Follow-ups per Period",
        required=True,
        default=1,
        help="How many follow-ups each period needs; the period is cut into as "
        "many slots, each with its own due date.",
    )

    # constraints

    @api.constrains("count", "period")
    def _check_count(self):
        for plan in self:
            if not 1 <= plan.count <= PERIOD_MIN_DAYS[plan.period]:
                raise ValidationError(
                    self.env._(
                        "%(plan)s asks for %(count)s follow-ups per period; a "
                        "period of this length takes 1 to %(max)s.",
                        plan=plan.display_name,
                        count=plan.count,
                        max=PERIOD_MIN_DAYS[plan.period],
                    )
                )

    @api.constrains("activity_type_id")
    def _check_activity_type_keeps_done(self):
        for plan in self:
            if not plan.activity_type_id.keep_done:
                raise ValidationError(
                    self.env._(
                        "The activity type %(type)s of %(plan)s must keep done "
                        "activities (tick its Keep Done option): the follow-up "
                        "compliance counts them.",
                        type=plan.activity_type_id.display_name,
                        plan=plan.display_name,
                    )
                )

    # business methods

    @api.model
    def _for_grade(self, grade, company):
        """The plan customers of ``grade`` follow in ``company``: the
        company's own first, then a shared one, by sequence."""
        if not grade:
            return self.browse()
        plans = self.search(
            [
                ("customer_grade", "=", grade),
                ("company_id", "in", [company.id, False]),
            ]
        )
        return plans.sorted(lambda p: (not p.company_id, p.sequence, p.id))[:1]

    def _slot(self, day):
        """The slot of this plan holding ``day``, as ``(first, last)`` dates."""
        self.ensure_one()
        if self.period == "week":
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
        elif self.period == "fortnight":
            first = day - timedelta(days=(day - FORTNIGHT_EPOCH).days % 14)
            last = first + timedelta(days=13)
        else:
            first = day.replace(day=1)
            last = first + relativedelta(months=1, days=-1)
        length = (last - first).days + 1
        count = max(self.count, 1)
        for index in range(count):
            start = first + timedelta(days=index * length // count)
            end = first + timedelta(days=(index + 1) * length // count - 1)
            if start <= day <= end:
                return start, end
        raise ValueError(f"{day} lies outside its own period")  # unreachable

    def _next_slot(self, slot):
        return self._slot(slot[1] + timedelta(days=1))

    @api.model
    def _slot_due_date(self, slot, calendar):
        """The last working day of ``slot``; the first one after it when the
        whole slot is off (holidays)."""
        days = sla_clock.working_days(slot[0], slot[1], calendar)
        if days:
            return days[-1]
        return sla_clock.next_working_day(slot[1] + timedelta(days=1), calendar)

    @api.model
    def _schedule(self, customers, today):
        """Create the coming follow-up of each customer that has none open.

        The coming slot is the first one, from today's, that has no follow-up
        yet (a follow-up done ahead of time covers its slot) and is still due.
        Set-based: one read of the existing follow-ups, one create.
        """
        customers = customers.filtered(
            lambda c: c.profile_state == "active" and c.followup_plan_id.active
        )
        if not customers:
            return self.env["mail.activity"]
        current_slots = {}

        def current_slot(plan):
            """The plan's slot of today, worked out once a batch."""
            if plan not in current_slots:
                current_slots[plan] = plan._slot(today)
            return current_slots[plan]

        first_slot_start = min(
            current_slot(plan)[0] for plan in customers.followup_plan_id
        )
        existing = self.env["mail.activity"].with_context(active_test=False)
        existing = existing.search_fetch(
            [
                ("followup_partner_id", "in", customers.ids),
                ("followup_plan_id", "!=", False),
                ("followup_slot_date", ">=", first_slot_start),
            ],
            ["followup_partner_id", "followup_plan_id", "followup_slot_date", "active"],
        )
        taken = {
            (a.followup_partner_id.id, a.followup_plan_id.id, a.followup_slot_date)
            for a in existing
        }
        open_plans = {
            (a.followup_partner_id.id, a.followup_plan_id.id)
            for a in existing
            if a.active and a.followup_slot_date >= current_slot(a.followup_plan_id)[0]
        }
        due_dates, texts, vals_list = {}, {}, []
        model_id = self.env["ir.model"]._get_id("res.partner")
        for customer in customers:
            plan = customer.followup_plan_id
            user = customer._followup_responsible(plan.responsible)
            if not user or (customer.id, plan.id) in open_plans:
                continue
            calendar = customer._followup_calendar(user)
            slot = current_slot(plan)
            for _step in range(MAX_SLOTS_AHEAD):
                key = (plan.id, slot[0], calendar.id if calendar else None)
                if key not in due_dates:
                    due_dates[key] = self._slot_due_date(slot, calendar)
                due = due_dates[key]
                if due >= today and (customer.id, plan.id, slot[0]) not in taken:
                    break
                slot = plan._next_slot(slot)
            else:
                continue
            if (plan.id, user.lang) not in texts:
                texts[plan.id, user.lang] = plan.with_context(
                    lang=user.lang
                )._activity_texts()
            vals_list.append(
                plan._prepare_followup_values(
                    customer, slot, due, user, texts[plan.id, user.lang], model_id
                )
            )
        return self._create_followups(vals_list).sudo(False)

    @api.model
    def _create_followups(self, vals_list):
        """Create the follow-ups of ``vals_list`` as the engine (their fields
        are the engine's own, see mail.activity), in one INSERT."""
        return self.env["mail.activity"]._create_in_bulk(vals_list)

    def _prepare_followup_values(self, customer, slot, due, user, texts, model_id=None):
        """The follow-up of this plan for ``customer`` in ``slot``, due on
        ``due``, run by ``user``; ``texts`` its summary and note; ``model_id``
        the partners' ir.model id, when the caller looked it up once."""
        summary, note = texts
        return {
            "res_model_id": model_id or self.env["ir.model"]._get_id("res.partner"),
            "res_id": customer.id,
            "followup_partner_id": customer.id,
            "followup_plan_id": self.id,
            "followup_slot_date": slot[0],
            "followup_due_date": due,
            "followup_channel": self.channel,
            "activity_type_id": self.activity_type_id.id,
            "date_deadline": due,
            "user_id": user.id,
            "summary": summary,
            "note": note,
        }

    def _activity_texts(self):
        """Summary and note of this plan's follow-ups, in the context language."""
        channel = dict(self._fields["channel"]._description_selection(self.env))
        summary = self.env._(
            "%(channel)s: %(plan)s", channel=channel[self.channel], plan=self.name
        )
        note = Markup("<p>%s</p>") % escape(self.goal) if self.goal else False
        return summary, note

    @api.model
    def _customers_to_schedule(self, today, limit=None, count=False, after_id=0):
        """Active customers with a plan in force, a responsible user, and no
        open follow-up for the current slot of their plan or a later one; in
        id order, after ``after_id``."""
        plans = self.search([])
        if not plans:
            return 0 if count else self.env["res.partner"]
        current_slots = SQL(", ").join(
            SQL("(%s, %s::date)", plan.id, plan._slot(today)[0]) for plan in plans
        )
        return self._query_customers(
            SQL(
                """
                COALESCE(partner.account_manager_id, team.user_id,
                         partner.user_id) IS NOT NULL
                AND NOT EXISTS (
                    SELECT 1
                      FROM mail_activity activity
                      JOIN (VALUES %(current_slots)s) AS slot(plan_id, first_day)
                        ON slot.plan_id = activity.followup_plan_id
                     WHERE activity.followup_partner_id = partner.id
                       AND activity.followup_plan_id = partner.followup_plan_id
                       AND activity.active
                       AND activity.followup_slot_date >= slot.first_day
                )
                AND partner.id > %(after_id)s
                """,
                current_slots=current_slots,
                after_id=after_id,
            ),
            today,
            limit,
            count,
        )

    @api.model
    def _regraded_customers(self, today, limit=None, count=False):
        """Active customers whose confirmed grade changed since their plan was
        approved. The partial index res_partner_regrade_pending_index
        (res.partner's init) holds them: keep its predicate and this one the
        same."""
        return self._query_customers(
            SQL(
                "partner.confirmed_grade IS NOT NULL AND partner.confirmed_grade"
                " IS DISTINCT FROM partner.followup_plan_grade"
            ),
            today,
            limit,
            count,
        )

    @api.model
    def _query_customers(self, where, today, limit, count):
        """The customers due (``count``: how many, up to ``limit``). The batch
        is claimed: its rows are locked for this transaction, and rows another
        transaction holds (a second cron worker, a manager approving a plan)
        are skipped, not waited for; the next call takes them."""
        self.env.flush_all()
        query = SQL(
            """
            SELECT partner.id
              FROM res_partner partner
              JOIN crm_followup_plan plan ON plan.id = partner.followup_plan_id
         LEFT JOIN crm_team team ON team.id = partner.team_id
             WHERE partner.profile_state = 'active'
               AND partner.active
               AND plan.active
               AND (partner.followup_retry_date IS NULL
                    OR partner.followup_retry_date <= %(today)s)
               AND %(where)s
            """,
            today=today,
            where=where,
        )
        if count:
            return self.env.execute_query(
                SQL(
                    "SELECT COUNT(*) FROM (%s %s) AS due",
                    query,
                    SQL("LIMIT %s", limit) if limit else SQL(),
                )
            )[0][0]
        query = SQL(
            "%s ORDER BY partner.id %s FOR NO KEY UPDATE OF partner SKIP LOCKED",
            query,
            SQL("LIMIT %s", limit) if limit else SQL(),
        )
        ids = [row[0] for row in self.env.execute_query(query)]
        return self.env["res.partner"].browse(ids)

    @api.model
    def _demo_history(self):
        """Demo data: the follow-ups of the active customers so far this month,
        as a team in its third month logs them: most on time, some a few days
        late, one in ten missed (still open, overdue). The closed months are
        the monthly report's demo."""
        today = fields.Date.context_today(self)
        month_start = today.replace(day=1)
        customers = self.env["res.partner"].search(
            [("profile_state", "=", "active"), ("followup_plan_id", "!=", False)]
        )
        vals_list, late_days = [], []
        for rank, customer in enumerate(customers):
            plan = customer.followup_plan_id
            user = customer._followup_responsible(plan.responsible)
            calendar = customer._followup_calendar(user)
            slot = plan._slot(month_start)
            while (due := self._slot_due_date(slot, calendar)) < today:
                if due < month_start:
                    slot = plan._next_slot(slot)
                    continue
                outcome = (rank + len(vals_list)) % 10
                vals_list.append(
                    plan._prepare_followup_values(
                        customer,
                        slot,
                        due,
                        user,
                        plan.with_context(lang=user.lang)._activity_texts(),
                    )
                )
                # 0: missed; 1-2: logged three days late; else on the due day
                late_days.append(None if outcome == 0 else 3 if outcome < 3 else 0)
                slot = plan._next_slot(slot)
        activities = self._create_followups(vals_list)
        logged = {
            activity: activity.followup_due_date + timedelta(days=late)
            for activity, late in zip(activities, late_days, strict=True)
            if late is not None
            and activity.followup_due_date + timedelta(days=late) <= today
        }
        done = activities.browse([activity.id for activity in logged])
        done.write({"active": False})
        for activity, day in logged.items():
            activity.date_done = day
        done._refresh_followup_compliance()
        return activities

    # crons

    @api.model
    def _cron_followup_plan(self, batch_size=SCHEDULING_BATCH):
        """Schedule the coming follow-up of the customers due, one batch a
        call in id order from where the last call stopped
        (``SCHEDULING_CURSOR``; past the last customer, on from the first),
        then report what remains, up to one batch more: enough for the cron
        runner to call again, without counting every customer due. The
        re-graded customers and the greetings are jobs of their own
        (``_cron_followup_regrade``,
        ``crm.followup.greeting._cron_followup_greetings``): one failing never
        holds up the others."""
        today = fields.Date.context_today(self)
        after_id = self._scheduling_cursor()
        customers = self._customers_to_schedule(
            today, limit=batch_size, after_id=after_id
        )
        next_after_id = customers[-1].id if len(customers) == batch_size else 0
        if not next_after_id and after_id:
            # past the last customer: on from the first, in the same call
            more = self._customers_to_schedule(
                today, limit=batch_size - len(customers)
            ).filtered(lambda customer: customer.id <= after_id)
            customers |= more
            next_after_id = more[-1].id if len(customers) == batch_size else 0
        scheduled = self._run_batch(
            customers, lambda customers: self._schedule(customers, today), today
        )
        self._move_scheduling_cursor(next_after_id)
        remaining = self._customers_to_schedule(
            today, limit=batch_size, count=True, after_id=next_after_id
        )
        if not remaining and next_after_id:
            remaining = self._customers_to_schedule(today, limit=batch_size, count=True)
        self.env["ir.cron"]._notify_progress(done=len(scheduled), remaining=remaining)
        return scheduled

    # The cursor is read and written in SQL: ir.config_parameter's set_param
    # clears the caches of every worker, and it moves after every batch.

    @api.model
    def _scheduling_cursor(self):
        """Where the next call starts (see ``SCHEDULING_CURSOR``)."""
        rows = self.env.execute_query(
            SQL(
                "SELECT value FROM ir_config_parameter WHERE key = %s",
                SCHEDULING_CURSOR,
            )
        )
        return int(rows[0][0]) if rows and rows[0][0].isdigit() else 0

    @api.model
    def _move_scheduling_cursor(self, after_id):
        """Store where the next call starts. The cursor is a hint: when another
        worker moved it meanwhile (two runs at once), its move stands, and
        this batch is not rolled back for it."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.execute_query(
                    SQL(
                        """INSERT INTO ir_config_parameter (
                               key, value, create_uid, create_date, write_uid,
                               write_date)
                           VALUES (%(key)s, %(value)s, %(uid)s, %(now)s, %(uid)s,
                                   %(now)s)
                           ON CONFLICT (key) DO UPDATE
                              SET value = EXCLUDED.value,
                                  write_uid = EXCLUDED.write_uid,
                                  write_date = EXCLUDED.write_date""",
                        key=SCHEDULING_CURSOR,
                        value=str(after_id),
                        uid=self.env.uid,
                        now=self.env.cr.now(),
                    )
                )
        except CONCURRENCY_ERRORS:
            _logger.info("The follow-up scheduling cursor moved meanwhile; kept")

    @api.model
    def _cron_followup_regrade(self, batch_size=500):
        """Customers whose confirmed grade changed take the plan of their new
        grade, one batch a call, then report what remains."""
        today = fields.Date.context_today(self)
        regraded = self._run_batch(
            self._regraded_customers(today, limit=batch_size),
            lambda customers: customers._follow_grade_plan(today),
            today,
        )
        self.env["ir.cron"]._notify_progress(
            done=len(regraded),
            remaining=self._regraded_customers(today, limit=batch_size, count=True),
        )
        return regraded

    @api.model
    def _run_batch(self, customers, job, today):
        """Run ``job`` on the batch in one savepoint; when that fails, customer
        by customer, so that one failing customer never stops the others: it
        is left alone until tomorrow, and its retry date is cleared once it
        goes through. Returns the customers done."""
        done, _failed = run_in_savepoints(
            self.env,
            customers,
            job,
            lambda customer: customer.write(
                {"followup_retry_date": today + timedelta(days=1)}
            ),
            _logger,
            lambda customer: f"Following up {customer.display_name}",
        )
        # the customers that failed before and went through now are clear
        done.filtered("followup_retry_date")._write_followup_plan_values(
            {"followup_retry_date": False}
        )
        return done
