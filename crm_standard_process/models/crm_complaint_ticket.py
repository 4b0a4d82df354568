import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, email_normalize, format_datetime, html2plaintext
from odoo.tools.sql import column_exists, create_column, create_index, table_exists

from ..tools import sla_clock
from ..tools.cron_batch import run_in_savepoints
from ..tools.field_guard import field_labels, write_checked

_logger = logging.getLogger(__name__)

TICKET_SCOPES = [
    ("sales_service", "Sales Service"),
    ("product_technical", "Product / Technical"),
]
TICKET_PRIORITIES = [("0", "Low"), ("1", "Medium"), ("2", "High")]
TICKET_TYPES = [
    ("complaint", "Complaint"),
    ("feedback", "Feedback"),
    ("inquiry", "Inquiry"),
    ("suggestion", "Suggestion"),
]
SATISFACTION_SCORES = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]
OPEN_STATES = ("new", "in_progress")
# Escalation ladder: 1 warns owner and handler, 2 the team manager (at the
# breach), 3 the sales admins (a policy-defined delay after the breach).
LEVEL_WARNING, LEVEL_BREACH, LEVEL_ADMIN = 1, 2, 3
# Set by the SLA engine and the action_* buttons only, in sudo: a direct write
# (a form, an import, JSON-RPC) could move a deadline or hide a breach. A new
# ticket may carry these values only, and a receipt date not in the future.
SLA_ENGINE_START = {
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
SLA_ENGINE_FIELDS = frozenset({*SLA_ENGINE_START, "sla_start_date"})
# Copied from the customer for the record rules: never written directly.
CUSTOMER_FIELDS = frozenset(
    {"customer_user_id", "customer_team_id", "customer_in_process"}
)
# Writing these may match another policy, so move the deadlines either way.
SLA_POLICY_INPUTS = frozenset(
    {"sla_id", "company_id", "scope", "priority", "ticket_type"}
)


class CrmComplaintTicket(models.Model):
    _name = "crm.complaint.ticket"
    _description = "Complaint / Feedback Ticket"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "subject"]

    name = fields.Char(
        string="Number", readonly=True, copy=False, default="/", index="trigram"
    )
    subject = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        index=True,
        check_company=True,
        # a company or a consumer (B2C) of its own, not a company's contact
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
    )
    contact_id = fields.Many2one(
        "res.partner",
        domain="[('parent_id', '=', partner_id)]",
        tracking=True,
        check_company=True,
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        domain="[('partner_id', 'child_of', partner_id)]",
        check_company=True,
    )
    scope = fields.Selection(
        TICKET_SCOPES, required=True, default="sales_service", tracking=True
    )
    ticket_type = fields.Selection(
        TICKET_TYPES, string="Type", required=True, default="complaint", tracking=True
    )
    channel = fields.Selection(
        [
            ("phone", "Phone"),
            ("email", "E-mail"),
            ("visit", "Visit"),
            ("survey", "Survey"),
            ("web", "Web"),
        ],
        default="phone",
    )
    priority = fields.Selection(TICKET_PRIORITIES, default="1", tracking=True)
    description = fields.Html()
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        tracking=True,
        index=True,
        compute="_compute_user_id",
        store=True,
        readonly=False,
        domain="[('share', '=', False)]",
        help="The account manager in charge; by default the customer's.",
    )
    handler_id = fields.Many2one(
        "res.users",
        compute="_compute_handler_id",
        store=True,
        readonly=False,
        copy=True,
        tracking=True,
        index="btree_not_null",
        domain="[('share', '=', False)]",
        help="The after-sales or technical colleague who solves a product issue; "
        "by default the SLA policy's default handler.",
    )
    team_id = fields.Many2one(
        "crm.team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        tracking=True,
        index="btree_not_null",
        check_company=True,
    )
    # The customer's owner, team and standing, kept on the ticket so that the
    # record rules are evaluated on the ticket row, not over res_partner.
    customer_user_id = fields.Many2one(
        related="partner_id.commercial_partner_id.user_id",
        string="Customer's Salesperson",
        store=True,
        index=True,
    )
    customer_team_id = fields.Many2one(
        related="partner_id.commercial_partner_id.team_id",
        string="Customer's Sales Team",
        store=True,
        index="btree_not_null",
    )
    customer_in_process = fields.Boolean(
        string="Customer in the Process",
        compute="_compute_customer_in_process",
        store=True,
        index=True,
        compute_sudo=True,
        help="The customer has a profile in the customer process.",
    )
    state = fields.Selection(
        [
            ("new", "New"),
            ("in_progress", "In Progress"),
            ("solved", "Solved"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        default="new",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
        group_expand="_group_expand_states",
    )
    resolution = fields.Html(string="Solution", copy=False)
    root_cause = fields.Text(copy=False)
    preventive_action = fields.Text(copy=False)
    satisfaction = fields.Selection(
        SATISFACTION_SCORES,
        tracking=True,
        copy=False,
        help="The customer's satisfaction at closing, 1 (poor) to 5 (excellent).",
    )
    satisfaction_score = fields.Integer(
        compute="_compute_satisfaction_score",
        store=True,
        aggregator="avg",
        help="The satisfaction as a number, for averages in the reports.",
    )
    cancel_reason = fields.Text(tracking=True, copy=False)
    reopen_count = fields.Integer(readonly=True, copy=False)
    # SLA clock
    sla_id = fields.Many2one(
        "crm.complaint.sla",
        string="SLA Policy",
        compute="_compute_sla_id",
        store=True,
        readonly=False,
        check_company=True,
        ondelete="restrict",
        help="The most specific active policy matching the ticket; a finished "
        "ticket keeps the policy it was measured against.",
    )
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

    @api.depends("partner_id")
    def _compute_user_id(self):
        for ticket in self:
            ticket.user_id = (
                ticket.partner_id.commercial_partner_id.user_id or ticket.user_id
            )

    @api.depends("partner_id", "user_id", "company_id")
    def _compute_team_id(self):
        for ticket in self:
            teams = (
                ticket.partner_id.commercial_partner_id.team_id
                | ticket.user_id.sale_team_id
                | ticket.team_id
            ).filtered(
                lambda t, c=ticket.company_id: not t.company_id or t.company_id == c
            )
            ticket.team_id = teams[:1]

    @api.depends("partner_id.commercial_partner_id.profile_state")
    def _compute_customer_in_process(self):
        for ticket in self:
            ticket.customer_in_process = bool(
                ticket.partner_id.commercial_partner_id.profile_state
            )

    @api.depends("sla_id")
    def _compute_handler_id(self):
        """An open ticket without handler takes its policy's default handler,
        if that colleague works for the ticket's company."""
        for ticket in self:
            default = ticket.sla_id.handler_id
            if (
                not ticket.handler_id
                and ticket.state in OPEN_STATES
                and default.active
                and ticket.company_id in default.company_ids
            ):
                ticket.handler_id = default
            else:
                ticket.handler_id = ticket.handler_id

    @api.depends("satisfaction")
    def _compute_satisfaction_score(self):
        for ticket in self:
            ticket.satisfaction_score = int(ticket.satisfaction or 0)

    @api.depends("scope", "priority", "ticket_type", "company_id")
    def _compute_sla_id(self):
        policies = self.env["crm.complaint.sla"]._candidates_for(self.company_id)
        for ticket in self:
            if ticket.sla_id and ticket.state not in OPEN_STATES:
                # finished: keep the policy its times were measured against
                ticket.sla_id = ticket.sla_id
            else:
                ticket.sla_id = policies._best_for(ticket)

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
                ticket.update(dict.fromkeys(ticket._sla_schedule_fields(), False))
                continue
            if ticket.state not in OPEN_STATES and ticket.resolution_deadline:
                ticket.update({f: ticket[f] for f in ticket._sla_schedule_fields()})
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

    # The escalation cron changes the level in batches: this compute stays
    # cheap (no calendar) so that a batch costs the same for 10 or 100 tickets.
    @api.depends("state", "escalation_level", "sla_warning_date", "sla_deadline")
    def _compute_next_escalation_date(self):
        for ticket in self:
            if not ticket.sla_deadline or ticket.state not in OPEN_STATES:
                ticket.next_escalation_date = False
                continue
            ticket.next_escalation_date = ticket._escalation_moments().get(
                ticket.escalation_level + 1, False
            )

    def _group_expand_states(self, states, domain):
        """Kanban columns in the order of the loop: the working states always,
        closed and cancelled only when they hold tickets."""
        working = ("new", "in_progress", "solved")
        return [
            state
            for state, _label in self._fields["state"].selection
            if state in working or state in states
        ]

    # constraints

    @api.constrains("state", "satisfaction", "resolution", "cancel_reason")
    def _check_state_inputs(self):
        """Each status has what it needs, however it was written."""
        for ticket in self:
            if ticket.state in ("solved", "closed") and not _has_text(
                ticket.resolution
            ):
                raise ValidationError(
                    self.env._(
                        "%(ticket)s can only be solved with a description of the "
                        "solution.",
                        ticket=ticket.display_name,
                    )
                )
            if ticket.state == "closed" and not ticket.satisfaction:
                raise ValidationError(
                    self.env._(
                        "%(ticket)s can only be closed with the customer's "
                        "satisfaction score (1 to 5).",
                        ticket=ticket.display_name,
                    )
                )
            if ticket.state == "cancelled" and not (ticket.cancel_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "%(ticket)s can only be cancelled with a reason.",
                        ticket=ticket.display_name,
                    )
                )

    def _check_satisfaction_values(self, vals_list):
        """Refuse a score outside 1-5 with a clear message, before anything is
        written (the ORM's own check raises a bare ValueError)."""
        scores = [key for key, _label in SATISFACTION_SCORES]
        for vals in vals_list:
            score = vals.get("satisfaction")
            if score not in (None, False) and score not in scores:
                raise ValidationError(
                    self.env._(
                        "The customer's satisfaction is a score from 1 to 5, not "
                        "%(score)s.",
                        score=score,
                    )
                )

    # CRUD

    def _check_sla_engine_values(self, vals_list, create=False):
        """Refuse what only the SLA engine and the buttons may write; the
        policy is picked by the matching, or by a sales admin."""
        if self.env.su:
            return
        if create:
            defaults = {
                key.removeprefix("default_"): value
                for key, value in self.env.context.items()
                if key.startswith("default_")
            }
            vals_list = [{**defaults, **vals} for vals in vals_list]
        copied = set().union(*(CUSTOMER_FIELDS & vals.keys() for vals in vals_list))
        if copied:
            raise AccessError(
                self.env._(
                    "%(fields)s of a complaint ticket follow its customer, they are "
                    "not written directly.",
                    fields=field_labels(self, copied),
                )
            )
        now = fields.Datetime.now()
        refused = set()
        for vals in vals_list:
            for fname in SLA_ENGINE_FIELDS & vals.keys():
                value = vals[fname]
                if not create:
                    refused.add(fname)
                elif fname == "sla_start_date":
                    if fields.Datetime.to_datetime(value or now) > now:
                        refused.add(fname)
                elif (value or False) != SLA_ENGINE_START[fname]:
                    refused.add(fname)
            if "sla_id" in vals and not self.env.user.has_group(
                "sales_team.group_sale_manager"
            ):
                refused.add("sla_id")
        if refused:
            raise AccessError(
                self.env._(
                    "%(fields)s of a complaint ticket are set by its SLA clock and "
                    "its buttons (Start Handling, Solve, Customer Confirmed...), not "
                    "written directly.",
                    fields=field_labels(self, refused),
                )
            )

    def _write_sla(self, values):
        """Write fields of the SLA engine: the buttons and the engine."""
        return write_checked(self, values)

    def init(self):
        # The periodic status refresh reads only the open tickets whose status
        # is behind a passed moment (see _refresh_sla_status).
        running = "state IN ('new', 'in_progress') AND is_waiting_customer IS NOT TRUE"
        create_index(
            self.env.cr,
            "crm_complaint_ticket_sla_breach_due_index",
            self._table,
            ["sla_deadline"],
            where=f"{running} AND sla_status <> 'breached'",
        )
        create_index(
            self.env.cr,
            "crm_complaint_ticket_sla_warning_due_index",
            self._table,
            ["sla_warning_date"],
            where=f"{running} AND sla_status = 'on_track'",
        )

    def _auto_init(self):
        # A live database may hold 100,000 tickets: the customer's columns are
        # created and filled here in one UPDATE, not computed ticket by ticket.
        cr = self.env.cr
        if table_exists(cr, self._table) and not column_exists(
            cr, self._table, "customer_user_id"
        ):
            create_column(cr, self._table, "customer_user_id", "int4")
            create_column(cr, self._table, "customer_team_id", "int4")
            create_column(cr, self._table, "customer_in_process", "bool")
            self._store_customer_columns()
        return super()._auto_init()

    @api.model
    def _store_customer_columns(self, min_id=0):
        """SQL twin of the customer's owner, team and standing copied on the
        tickets (those above ``min_id``): one UPDATE, for a live database's
        tickets at install and for tickets inserted in bulk."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_complaint_ticket ticket
                   SET customer_user_id = customer.user_id,
                       customer_team_id = customer.team_id,
                       customer_in_process = customer.profile_state IS NOT NULL
                  FROM res_partner partner
                  JOIN res_partner customer
                    ON customer.id = COALESCE(partner.commercial_partner_id, partner.id)
                 WHERE partner.id = ticket.partner_id AND ticket.id > %s
                """,
                min_id,
            )
        )
        self.invalidate_model(
            ["customer_user_id", "customer_team_id", "customer_in_process"]
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_satisfaction_values(vals_list)
        self._check_sla_engine_values(vals_list, create=True)
        for vals in vals_list:
            if "handler_id" in vals and not vals["handler_id"]:
                del vals["handler_id"]  # none named: the policy's default
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company or self.env.company)
                    .next_by_code("crm.complaint.ticket")
                    or "/"
                )
        tickets = super().create(vals_list)
        if not self.env.context.get("tracking_disable"):
            # the owner usually comes from the customer, not from the values
            for ticket in tickets:
                ticket.message_subscribe(
                    (ticket.user_id | ticket.handler_id).partner_id.ids
                )
        return tickets

    def write(self, vals):
        self._check_satisfaction_values([vals])
        self._check_sla_engine_values([vals])
        result = super().write(vals)
        if SLA_POLICY_INPUTS & vals.keys():
            # a deadline moved later is not caught by the periodic refresh
            running = self.filtered(lambda t: t.state in OPEN_STATES)
            if running:
                running._refresh_sla_status()
        return result

    @api.depends("name", "subject")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"{ticket.name} {ticket.subject or ''}".strip()

    # actions

    def action_start(self):
        """The response has started: the response clock stops (and any wait)."""
        self._check_state(("new",), self.env._("started"))
        now = fields.Datetime.now()
        for ticket in self:
            ticket._resume_clock(now)
            ticket._write_sla(
                {
                    "state": "in_progress",
                    "responded_date": now,
                    "escalation_level": 0,
                    **ticket._measure("response", now),
                }
            )
        self._refresh_sla_status(now)
        return True

    def action_solve(self):
        """A solution was given: the clock stops and the times are measured."""
        self._check_state(OPEN_STATES, self.env._("solved"))
        unsolved = self.filtered(lambda t: not _has_text(t.resolution))
        if unsolved:
            raise UserError(
                self.env._(
                    "Describe the solution before solving %(tickets)s.",
                    tickets=", ".join(unsolved.mapped("display_name")),
                )
            )
        now = fields.Datetime.now()
        for ticket in self:
            ticket._resume_clock(now)
            values = {"state": "solved", "solved_date": now}
            if not ticket.responded_date:
                values.update(responded_date=now, **ticket._measure("response", now))
            values.update(ticket._measure("resolution", now))
            met = values.get(
                "response_sla_met", ticket.response_sla_met
            ) and values.get("resolution_sla_met", True)
            if ticket.sla_id:
                values["sla_status"] = "on_track" if met else "breached"
            ticket._write_sla(values)
        return True

    def action_close(self):
        """The customer confirmed the solution and gave a satisfaction score."""
        self._check_state(("solved",), self.env._("closed"))
        missing = self.filtered(lambda t: not t.satisfaction)
        if missing:
            raise UserError(
                self.env._(
                    "Record the customer's satisfaction (1 to 5) before closing "
                    "%(tickets)s.",
                    tickets=", ".join(missing.mapped("display_name")),
                )
            )
        self._write_sla({"state": "closed", "closed_date": fields.Datetime.now()})
        return True

    def action_cancel(self):
        self._check_state(OPEN_STATES, self.env._("cancelled"))
        missing = self.filtered(lambda t: not (t.cancel_reason or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Give the reason for cancelling %(tickets)s.",
                    tickets=", ".join(missing.mapped("display_name")),
                )
            )
        self._write_sla(
            {"state": "cancelled", "is_waiting_customer": False, "paused_since": False}
        )
        return True

    def action_reopen(self):
        """The customer disagrees with the solution: work goes on."""
        self._check_state(("solved",), self.env._("reopened"))
        for ticket in self:
            ticket._write_sla(
                {
                    "state": "in_progress",
                    "reopen_count": ticket.reopen_count + 1,
                    "satisfaction": False,
                    "solved_date": False,
                }
            )
        self._refresh_sla_status()
        return True

    def action_wait_customer(self):
        """Pause the SLA clock while the ticket waits on the customer."""
        self._check_state(OPEN_STATES, self.env._("paused"))
        self.filtered(lambda t: not t.is_waiting_customer)._write_sla(
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

    # mail

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A ticket from an e-mail to the complaints alias.

        The sender's company is the customer; an unknown sender becomes a plain
        contact outside the customer process (no profile, no owner), so that no
        complaint bounces. The subject is the ticket's subject; the number
        comes from the sequence, as for any ticket.
        """
        sender = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        email_from = msg_dict.get("email_from")
        if not sender and email_normalize(email_from or ""):
            sender = self._mail_find_partner_from_emails(
                [email_from], force_create=True
            )[0]
        values = {
            "name": "/",  # mail.thread would name the ticket after the subject
            "subject": (msg_dict.get("subject") or "").strip()
            or self.env._("E-mail without subject"),
            "channel": "email",
            "description": msg_dict.get("body"),
        }
        if sender:
            values["partner_id"] = sender.commercial_partner_id.id
            values["contact_id"] = sender.id if sender.parent_id else False
        values.update(custom_values or {})
        return super().message_new(msg_dict, custom_values=values)

    def message_update(self, msg_dict, update_vals=None):
        """A customer's reply reopens a solved ticket, and ends a pause."""
        result = super().message_update(msg_dict, update_vals=update_vals)
        email = email_normalize(msg_dict.get("email_from") or "")
        author_id = msg_dict.get("author_id")
        from_customer = self.filtered(
            lambda t: (
                (email and email in t._customer_partners().mapped("email_normalized"))
                or (author_id and author_id in t._customer_partners().ids)
            )
        )
        from_customer.filtered(lambda t: t.state == "solved").action_reopen()
        from_customer.filtered("is_waiting_customer").action_resume()
        return result

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """The handler follows the ticket too, like the owner."""
        followers = super()._message_auto_subscribe_followers(
            updated_values, default_subtype_ids
        )
        handler = self.env["res.users"].sudo().browse(updated_values.get("handler_id"))
        if handler.active:
            template = (
                "mail.message_user_assigned" if handler != self.env.user else False
            )
            followers.append((handler.partner_id.id, default_subtype_ids, template))
        return followers

    def _customer_partners(self):
        customer = self.partner_id.commercial_partner_id
        return customer | customer.child_ids

    # SLA business methods

    def _sla_schedule_fields(self):
        return [
            "response_deadline",
            "resolution_deadline",
            "sla_deadline",
            "sla_warning_date",
        ]

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
        self._write_sla(
            {
                "is_waiting_customer": False,
                "paused_since": False,
                "paused_working_hours": self.paused_working_hours
                + sla_clock.hours_between(self.paused_since, now, calendar),
                "paused_clock_hours": self.paused_clock_hours
                + sla_clock.hours_between(self.paused_since, now),
            }
        )

    def _check_state(self, allowed, verb):
        wrong = self.filtered(lambda t: t.state not in allowed)
        if wrong:
            raise UserError(
                self.env._(
                    "%(tickets)s cannot be %(verb)s in its current status.",
                    tickets=", ".join(wrong.mapped("display_name")),
                    verb=verb,
                )
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
                UPDATE crm_complaint_ticket
                   SET sla_status = %(status)s
                 -- an array, not a join: the planner looks the changed rows
                 -- up by id instead of scanning every ticket to join them
                 WHERE id = ANY(ARRAY(
                        SELECT id
                          FROM crm_complaint_ticket
                         WHERE %(where)s
                           FOR NO KEY UPDATE SKIP LOCKED))
                """,
                status=status,
                where=where,
            )
        )
        changed = self.env.cr.rowcount
        self.invalidate_model(["sla_status"])
        return changed

    @api.model
    def _apply_sla_policies(self):
        """Match the open tickets again after the policies changed.

        Only tickets whose policy changes are written, so only their deadlines
        are computed again; finished tickets keep their policy.
        """
        tickets = self.search([("state", "in", OPEN_STATES)])
        policies = self.env["crm.complaint.sla"]._candidates_for(tickets.company_id)
        moves = {}
        for ticket in tickets:
            policy = policies._best_for(ticket)
            if policy != ticket.sla_id:
                moves.setdefault(policy, []).append(ticket.id)
        for policy, ids in moves.items():
            # write() refreshes their status
            self.browse(ids).write({"sla_id": policy.id})

    @api.model
    def _reschedule_sla(self, policies):
        """The targets of ``policies`` changed: open tickets follow them."""
        tickets = self.search(
            [("sla_id", "in", policies.ids), ("state", "in", OPEN_STATES)]
        )
        if tickets:
            tickets.modified(["sla_id"])
            tickets._refresh_sla_status()

    # crons

    @api.model
    def _cron_check_sla(self, batch_size=500):
        """Notify each escalation level that fell due, once; refresh SLA statuses.

        One batch a call, as Odoo 18's cron protocol expects: the runner
        commits and calls again while ``_notify_progress`` reports tickets
        remaining. The batch's rows are locked (SKIP LOCKED): a second worker,
        or a manual run, takes other tickets and never notifies twice.
        """
        now = fields.Datetime.now()
        self._refresh_sla_status(now)
        tickets = self._claim_due_tickets(now, batch_size)
        run_in_savepoints(
            self.env,
            tickets,
            lambda batch: batch._escalate(now),
            # try again in an hour rather than at every run
            lambda ticket: ticket.sudo().write(
                {"next_escalation_date": sla_clock.add_hours(now, 1)}
            ),
            _logger,
            lambda ticket: f"Escalating {ticket.display_name}",
        )
        remaining = self.search_count(self._due_domain(now))
        self.env["ir.cron"]._notify_progress(done=len(tickets), remaining=remaining)

    @api.model
    def _due_domain(self, now):
        return [
            ("state", "in", OPEN_STATES),
            ("is_waiting_customer", "=", False),
            ("next_escalation_date", "<=", now),
        ]

    @api.model
    def _claim_due_tickets(self, now, limit):
        """The next due tickets, locked for this transaction; rows another
        transaction holds are skipped, not waited for."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM crm_complaint_ticket
                 WHERE state IN %s AND is_waiting_customer IS NOT TRUE
                   AND next_escalation_date <= %s
                 ORDER BY next_escalation_date, id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                OPEN_STATES,
                now,
                limit,
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _escalate(self, now):
        """Fire every level that fell due for these tickets, in a few batched writes."""
        admins = self.env.ref("sales_team.group_sale_manager").users.filtered(
            lambda u: not u.share
        )
        activities, notes = [], {}
        by_level = {
            LEVEL_WARNING: self.browse(),
            LEVEL_BREACH: self.browse(),
            LEVEL_ADMIN: self.browse(),
        }
        can_open = self._escalation_readers()
        for ticket in self:
            due = ticket._due_levels(now)
            for level in due:
                by_level[level] |= ticket
            if due:
                owner = ticket.user_id
                rung, _users = ticket._escalation_users(max(due), admins, can_open)
                notes[ticket.id] = ticket.with_context(
                    lang=owner.lang or self.env.lang, tz=owner.tz
                )._escalation_note(rung, now)
        todo = self.env.ref("mail.mail_activity_data_todo")
        for level, tickets in by_level.items():
            for ticket in tickets:
                rung, users = ticket._escalation_users(level, admins, can_open)
                for user in users:
                    activities.append(
                        ticket._prepare_escalation_activity(user, rung, todo, now)
                    )
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            activities
        )
        if notes:
            self.browse(list(notes))._message_log_batch(notes)
        for level, tickets in by_level.items():
            tickets.filtered(
                lambda t, lvl=level: t.escalation_level < lvl
            ).sudo().write({"escalation_level": level})
        self._refresh_sla_status(now)

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

    def _due_levels(self, now):
        return [
            level
            for level, moment in self._escalation_moments().items()
            if level > self.escalation_level and moment and moment <= now
        ]

    def _escalation_readers(self):
        """``can_open(user, ticket)``: whether ``user`` may open ``ticket``, one
        of these tickets; one access check per person for the whole batch."""
        readable = {}

        def can_open(user, ticket):
            if user.id not in readable:
                readable[user.id] = (
                    set(self.with_user(user)._filtered_access("read").ids)
                    if user.active
                    else set()
                )
            return ticket.id in readable[user.id]

        return can_open

    def _escalation_users(self, level, admins, can_open):
        """Who hears of ``level``, and as which rung: only people who can open
        the ticket, since a to-do they cannot open is a dead end. A rung without
        such a person (an unassigned ticket, a team without a leader, a leader
        or handler without access) falls to the next one up."""
        admins = admins.filtered(lambda u: self.company_id in u.company_ids)
        ladder = {
            LEVEL_WARNING: self.user_id | self.handler_id,
            # the first team manager who can open it; not every member manager
            LEVEL_BREACH: self.team_id._team_managers().filtered(
                lambda u: can_open(u, self)
            )[:1],
            LEVEL_ADMIN: admins,
        }
        for rung in range(level, LEVEL_ADMIN + 1):
            users = ladder[rung].filtered(lambda u: can_open(u, self))
            if users:
                return rung, users
        return LEVEL_ADMIN, self.env["res.users"]

    def _escalation_note(self, level, now):
        """The escalation in words, in the context's language and time zone."""
        target = (
            self.env._("resolution") if self.responded_date else self.env._("response")
        )
        deadline = format_datetime(
            self.env,
            self.sla_deadline,
            tz=self.env.context.get("tz"),
            dt_format="short",
        )
        if self.sla_deadline > now:
            return self.env._(
                "SLA at risk: the %(target)s is due on %(deadline)s.",
                target=target,
                deadline=deadline,
            )
        if level == LEVEL_WARNING:
            return self.env._(
                "SLA breached: the %(target)s was due on %(deadline)s.",
                target=target,
                deadline=deadline,
            )
        return self.env._(
            "SLA breached: the %(target)s was due on %(deadline)s; escalated to "
            "%(who)s.",
            target=target,
            deadline=deadline,
            who=self.env._("the team manager")
            if level == LEVEL_BREACH
            else self.env._("the sales admins"),
        )

    def _prepare_escalation_activity(self, user, level, activity_type, now):
        """A to-do for ``user``, worded in their language and time zone."""
        summary = self.with_context(
            lang=user.lang or self.env.lang, tz=user.tz
        )._escalation_note(level, now)
        return {
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "activity_type_id": activity_type.id,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
            "summary": summary,
        }


def _has_text(html):
    """Whether an Html value holds more than empty markup."""
    return bool(html2plaintext(html or "").strip())
