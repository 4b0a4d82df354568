"""Complaint tickets (P6): record, handle, give feedback, the customer confirms.

The ticket's own fields, its state machine (new, in progress, solved,
closed, cancelled) and its owners. Its SLA clock and escalation ladder are
``crm.sla.clock.mixin``, its e-mails ``crm.complaint.mail.gateway.mixin``;
its protected fields are guarded by ``crm.field.guard.mixin``.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, html2plaintext
from odoo.tools.sql import column_exists, create_column, table_exists

from .field_guard_mixin import GUARD_ADMIN, GUARD_ENGINE
from .sla_clock_mixin import OPEN_STATES

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
# Copied from the customer for the record rules: never written directly.
CUSTOMER_FIELDS = ("customer_user_id", "customer_team_id", "customer_in_process")
# Writing these may match another policy, so move the deadlines either way.
SLA_POLICY_INPUTS = frozenset(
    {"sla_id", "company_id", "scope", "priority", "ticket_type"}
)


class CrmComplaintTicket(models.Model):
    _name = "crm.complaint.ticket"
    _description = "Complaint / Feedback Ticket"
    # the mail gateway first: it refines mail.thread's handling of e-mails
    _inherit = [
        "crm.complaint.mail.gateway.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "crm.sla.clock.mixin",
        "crm.sla.result.mixin",
        "crm.archived.customer.lock.mixin",
    ]
    _order = "priority desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "subject"]
    _guard_readable_links = ("partner_id", "contact_id", "lead_id")

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
        help="The satisfaction as a number, for averages in the reports; "
        "tickets without a score are left out of the average.",
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

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """The average satisfaction is that of the tickets the customer
        scored: an unscored ticket (0) does not pull it down."""
        if aggregate_spec == "satisfaction_score:avg":
            return SQL(
                "AVG(NULLIF(%s, 0))",
                self._field_to_sql(self._table, "satisfaction_score", query),
            )
        return super()._read_group_select(aggregate_spec, query)

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

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(CUSTOMER_FIELDS, GUARD_ENGINE),
            "satisfaction_score": GUARD_ENGINE,
            # the policy is the matching's, or a sales admin's choice
            "sla_id": GUARD_ADMIN,
        }

    @api.model_create_multi
    def create(self, vals_list):
        self._check_satisfaction_values(vals_list)
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
        self._check_state(
            ("new",), self.env._("%(tickets)s cannot be started in its current status.")
        )
        now = fields.Datetime.now()
        for ticket in self:
            ticket._resume_clock(now)
            ticket._write_guarded(
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
        self._check_state(
            OPEN_STATES,
            self.env._("%(tickets)s cannot be solved in its current status."),
        )
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
            ticket._write_guarded(values)
        return True

    def action_close(self):
        """The customer confirmed the solution and gave a satisfaction score."""
        self._check_state(
            ("solved",),
            self.env._("%(tickets)s cannot be closed in its current status."),
        )
        missing = self.filtered(lambda t: not t.satisfaction)
        if missing:
            raise UserError(
                self.env._(
                    "Record the customer's satisfaction (1 to 5) before closing "
                    "%(tickets)s.",
                    tickets=", ".join(missing.mapped("display_name")),
                )
            )
        self._write_guarded({"state": "closed", "closed_date": fields.Datetime.now()})
        return True

    def action_cancel(self):
        self._check_state(
            OPEN_STATES,
            self.env._("%(tickets)s cannot be cancelled in its current status."),
        )
        missing = self.filtered(lambda t: not (t.cancel_reason or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Give the reason for cancelling %(tickets)s.",
                    tickets=", ".join(missing.mapped("display_name")),
                )
            )
        self._write_guarded(
            {"state": "cancelled", "is_waiting_customer": False, "paused_since": False}
        )
        return True

    def action_assign_to_me(self):
        """Take tickets of the unassigned intake pool, which salespeople may
        read but not change until they own them."""
        self.check_access("read")
        owned = self.sudo().filtered("user_id")
        if owned:
            raise UserError(
                self.env._(
                    "%(tickets)s already have an owner.",
                    tickets=", ".join(owned.mapped("display_name")),
                )
            )
        if not self.env.user._is_internal():
            raise AccessError(self.env._("Only employees take complaint tickets."))
        self.sudo().write({"user_id": self.env.uid})
        self.message_subscribe(self.env.user.partner_id.ids)
        return True

    def action_reopen(self):
        """The customer disagrees with the solution: work goes on."""
        self._check_state(
            ("solved",),
            self.env._("%(tickets)s cannot be reopened in its current status."),
        )
        for ticket in self:
            ticket._write_guarded(
                {
                    "state": "in_progress",
                    "reopen_count": ticket.reopen_count + 1,
                    "satisfaction": False,
                    "solved_date": False,
                }
            )
        self._refresh_sla_status()
        return True

    # business methods

    def _check_state(self, allowed, message):
        """Refuse unless every ticket is in one of the ``allowed`` states;
        ``message`` names the tickets as ``%(tickets)s``."""
        wrong = self.filtered(lambda t: t.state not in allowed)
        if wrong:
            raise UserError(
                message % {"tickets": ", ".join(wrong.mapped("display_name"))}
            )

    # crons

    @api.model
    def _cron_check_sla(self, batch_size=1000):
        """Refresh the SLA statuses, then fire each escalation level that fell
        due, once (one batch a call; see ``crm.escalation.mixin``); returns the
        tickets escalated. Batches of 1,000 share a batch's fixed costs (the
        claim, the people read, the access checks) a sixth cheaper a ticket
        than batches of 500."""
        now = fields.Datetime.now()
        self._refresh_sla_status(now)
        return self._run_escalations(now, batch_size)


def _has_text(html):
    """Whether an Html value holds more than empty markup."""
    return bool(html2plaintext(html or "").strip())
