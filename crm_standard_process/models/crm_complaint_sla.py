from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_complaint_ticket import TICKET_PRIORITIES, TICKET_SCOPES, TICKET_TYPES
from .sla_clock_mixin import OPEN_STATES

CLOCKS = [("working", "Working Hours"), ("24x7", "Round the Clock")]
# Beyond 100 days a target or delay is a typo, and the calendar could not
# place the deadline (nor Python's dates hold it).
MAX_HOURS = 2400
MATCH_FIELDS = ("scope", "priority", "ticket_type")
# Changing these re-matches the open tickets; changing the targets moves the
# deadlines of the open tickets of the policy. Finished tickets keep theirs.
MATCHING = {"active", "company_id", "sequence", *MATCH_FIELDS}
TARGETS = {
    "calendar_id",
    "response_hours",
    "response_clock",
    "resolution_hours",
    "resolution_clock",
    "warning_percent",
    "escalate_admin_hours",
}


class CrmComplaintSla(models.Model):
    _name = "crm.complaint.sla"
    _description = "Complaint SLA Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Empty: every company.")
    scope = fields.Selection(TICKET_SCOPES, help="Empty: any scope.")
    priority = fields.Selection(TICKET_PRIORITIES, help="Empty: any priority.")
    ticket_type = fields.Selection(TICKET_TYPES, help="Empty: any type.")
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Calendar",
        check_company=True,
        help="Counts the working hours, public holidays excluded. Empty: the "
        "ticket company's working calendar.",
    )
    effective_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Calendar in Use",
        compute="_compute_effective_calendar_id",
        help="The calendar that counts the working hours of this policy: its own, "
        "else the working calendar of its company (of the current company for a "
        "policy of every company).",
    )
    calendar_tz = fields.Char(
        string="Calendar Time Zone",
        compute="_compute_effective_calendar_id",
        help="The time zone the working calendar's hours are in.",
    )
    handler_id = fields.Many2one(
        "res.users",
        string="Default Handler",
        check_company=True,
        domain="[('share', '=', False)]",
        help="Handles the new tickets of this policy when no handler is named, "
        "e.g. the after-sales colleague for product and technical issues.",
    )
    response_hours = fields.Float(required=True, default=2.0)
    response_clock = fields.Selection(CLOCKS, required=True, default="working")
    resolution_hours = fields.Float(required=True, default=24.0)
    resolution_clock = fields.Selection(CLOCKS, required=True, default="24x7")
    warning_percent = fields.Integer(
        string="Warning At (%)",
        default=75,
        help="Share of a target after which the ticket is at risk and its owner "
        "and handler are warned.",
    )
    escalate_admin_hours = fields.Float(
        string="Escalate to Sales Admins After",
        default=4.0,
        help="Hours past a breach, round the clock, after which the sales admins "
        "are alerted; the team manager is alerted at the breach.",
    )

    @api.depends("calendar_id.tz", "company_id.resource_calendar_id.tz")
    @api.depends_context("company")
    def _compute_effective_calendar_id(self):
        for policy in self:
            company = policy.company_id or self.env.company
            calendar = policy._calendar_for("working", company)
            policy.effective_calendar_id = calendar or False
            policy.calendar_tz = calendar.tz if calendar else False

    @api.constrains("response_hours", "resolution_hours")
    def _check_targets(self):
        for policy in self:
            if policy.response_hours <= 0 or policy.resolution_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "%(policy)s: the response and resolution targets must be "
                        "positive numbers of hours.",
                        policy=policy.display_name,
                    )
                )
            if max(policy.response_hours, policy.resolution_hours) > MAX_HOURS:
                raise ValidationError(
                    self.env._(
                        "%(policy)s: the response and resolution targets are at "
                        "most %(hours)s hours (100 days).",
                        policy=policy.display_name,
                        hours=MAX_HOURS,
                    )
                )

    @api.constrains("warning_percent")
    def _check_warning_percent(self):
        for policy in self:
            if not 0 < policy.warning_percent < 100:
                raise ValidationError(
                    self.env._("The warning threshold must lie between 1 and 99.")
                )

    @api.constrains("escalate_admin_hours")
    def _check_escalate_admin_hours(self):
        if any(policy.escalate_admin_hours < 0 for policy in self):
            raise ValidationError(
                self.env._(
                    "The delay before alerting the sales admins cannot be negative."
                )
            )
        if any(policy.escalate_admin_hours > MAX_HOURS for policy in self):
            raise ValidationError(
                self.env._(
                    "The delay before alerting the sales admins is at most "
                    "%(hours)s hours (100 days).",
                    hours=MAX_HOURS,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        policies = super().create(vals_list)
        self._match_open_tickets()
        return policies

    def write(self, vals):
        result = super().write(vals)
        if MATCHING & vals.keys():
            self._match_open_tickets()
        if TARGETS & vals.keys():
            self._reschedule_open_tickets()
        return result

    # business methods

    @api.model
    def _match_open_tickets(self):
        """Match every company's open tickets again after the policies changed,
        whoever edits them. Only tickets whose policy changes are written, so
        only their deadlines are computed again; finished tickets keep their
        policy."""
        tickets = (
            self.env["crm.complaint.ticket"]
            .sudo()
            .search([("state", "in", OPEN_STATES)])
        )
        policies = self._candidates_for(tickets.company_id)
        moves = {}
        for ticket in tickets:
            policy = policies._best_for(ticket)
            if policy != ticket.sla_id:
                moves.setdefault(policy, []).append(ticket.id)
        for policy, ids in moves.items():
            # write() refreshes their status
            tickets.browse(ids).write({"sla_id": policy.id})

    def _reschedule_open_tickets(self):
        """The targets of these policies changed: their open tickets follow."""
        tickets = (
            self.env["crm.complaint.ticket"]
            .sudo()
            .search([("sla_id", "in", self.ids), ("state", "in", OPEN_STATES)])
        )
        if tickets:
            tickets.modified(["sla_id"])
            tickets._refresh_sla_status()

    @api.model
    def _candidates_for(self, companies):
        """The active policies that may apply to tickets of ``companies``."""
        return self.with_context(active_test=True).search(
            [("company_id", "in", [*companies.ids, False])]
        )

    def _best_for(self, ticket):
        """Among ``self``, the most specific policy matching the ticket."""
        candidates = self.filtered(
            lambda policy: (
                (not policy.company_id or policy.company_id == ticket.company_id)
                and all(
                    not policy[fname] or policy[fname] == ticket[fname]
                    for fname in MATCH_FIELDS
                )
            )
        )
        return candidates.sorted(
            lambda p: (-sum(bool(p[f]) for f in MATCH_FIELDS), p.sequence, p.id)
        )[:1]

    @api.model
    def _find_for(self, ticket):
        """The most specific active policy matching the ticket, else none."""
        return self._candidates_for(ticket.company_id)._best_for(ticket)

    def _calendar_for(self, clock, company):
        """The calendar counting ``clock``: None round the clock, and when
        neither the policy nor the company has a working calendar."""
        if clock != "working":
            return None
        return self.calendar_id or company.resource_calendar_id or None
