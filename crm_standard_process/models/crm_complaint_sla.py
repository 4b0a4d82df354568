from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_complaint_ticket import TICKET_PRIORITIES, TICKET_SCOPES, TICKET_TYPES

CLOCKS = [("working", "Working Hours"), ("24x7", "Round the Clock")]


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
        help="Hours past a breach after which the sales admins are alerted; "
        "the team manager is alerted at the breach.",
    )

    _sql_constraints = [
        (
            "response_hours_positive",
            "CHECK(response_hours > 0)",
            "Targets must be positive.",
        ),
        (
            "resolution_hours_positive",
            "CHECK(resolution_hours > 0)",
            "Targets must be positive.",
        ),
    ]

    @api.constrains("warning_percent")
    def _check_warning_percent(self):
        for policy in self:
            if not 0 < policy.warning_percent < 100:
                raise ValidationError(
                    self.env._("The warning threshold must lie between 1 and 99.")
                )

    @api.model
    def _find_for(self, ticket):
        """The most specific active policy matching the ticket, else none."""
        policies = self.search(
            [("company_id", "in", [ticket.company_id.id, False])], order="sequence, id"
        )

        def matches(policy):
            return all(
                not policy[fname] or policy[fname] == ticket[tname]
                for fname, tname in (
                    ("scope", "scope"),
                    ("priority", "priority"),
                    ("ticket_type", "ticket_type"),
                )
            )

        def specificity(policy):
            return -sum(bool(policy[f]) for f in ("scope", "priority", "ticket_type"))

        candidates = policies.filtered(matches)
        return candidates.sorted(lambda p: (specificity(p), p.sequence, p.id))[:1]

    def _calendar_for(self, clock, company):
        if clock != "working":
            return None
        return self.calendar_id or company.resource_calendar_id
