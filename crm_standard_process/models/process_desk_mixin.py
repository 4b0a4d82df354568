"""The desk: what waits for someone today, counted, each count a click to its list.

Two homes share it: a team manager's home (``crm.team``: the profiles to
review, grades to confirm, plans to approve, tickets at risk and breached,
stale leads and the follow-up compliance of the month of each team they
manage) and a salesperson's "My day" (``res.users``: the same for their own
work). Each model says which items it shows (``_desk_items``) and how an item
narrows to one of its records (``_desk_scope``). Counts are searched with the
reader's rights, so that each count is what its list then shows.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

CUSTOMER_ACTION = "crm_standard_process.res_partner_action_customer_profile"
TICKET_ACTION = "crm_standard_process.crm_complaint_ticket_action"
FOLLOWUP_ACTION = "crm_standard_process.mail_activity_action_followup"
LEAD_ACTION = "crm.crm_lead_all_leads"
COMPLIANCE_ACTION = "crm_standard_process.crm_followup_compliance_action"


def _today_items(today):
    """item -> (model, domain, action xmlid): what each count counts."""
    # imported here: crm.team composes the desk, and the SLA clock's module
    # imports the teams' (see crm_team.py)
    from .sla_clock_mixin import OPEN_STATES

    return {
        "draft": (
            "res.partner",
            [("profile_state", "=", "draft"), ("parent_id", "=", False)],
            CUSTOMER_ACTION,
        ),
        "review": (
            "res.partner",
            [("profile_state", "=", "to_review")],
            CUSTOMER_ACTION,
        ),
        "grade": (
            "res.partner",
            [
                ("grade_to_confirm", "=", True),
                ("profile_state", "in", ("to_review", "active")),
            ],
            CUSTOMER_ACTION,
        ),
        "plan": (
            "res.partner",
            [("followup_plan_state", "=", "proposed")],
            CUSTOMER_ACTION,
        ),
        "followup_due": (
            "mail.activity",
            [
                ("followup_partner_id", "!=", False),
                ("date_deadline", "<=", today),
            ],
            FOLLOWUP_ACTION,
        ),
        "followup_overdue": (
            "mail.activity",
            [
                ("followup_plan_id", "!=", False),
                ("date_deadline", "<", today),
            ],
            FOLLOWUP_ACTION,
        ),
        "ticket_new": (
            "crm.complaint.ticket",
            [("state", "=", "new")],
            TICKET_ACTION,
        ),
        "ticket_risk": (
            "crm.complaint.ticket",
            [("state", "in", OPEN_STATES), ("sla_status", "=", "at_risk")],
            TICKET_ACTION,
        ),
        "ticket_breached": (
            "crm.complaint.ticket",
            [("state", "in", OPEN_STATES), ("sla_status", "=", "breached")],
            TICKET_ACTION,
        ),
        "stale_lead": ("crm.lead", [("is_stale", "=", True)], LEAD_ACTION),
        "first_contact": (
            "crm.lead",
            [("first_contact_overdue", "=", True)],
            LEAD_ACTION,
        ),
        "compliance": (
            "crm.followup.compliance",
            [("month_date", "=", today.replace(day=1))],
            COMPLIANCE_ACTION,
        ),
    }


class CrmProcessDeskMixin(models.AbstractModel):
    _name = "crm.process.desk.mixin"
    _description = "Customer Process Desk"

    desk_draft_count = fields.Integer(
        string="Profiles to Complete", compute="_compute_desk"
    )
    desk_review_count = fields.Integer(
        string="Profiles to Review", compute="_compute_desk"
    )
    desk_grade_count = fields.Integer(
        string="Grades to Confirm", compute="_compute_desk"
    )
    desk_plan_count = fields.Integer(string="Plans to Approve", compute="_compute_desk")
    desk_followup_due_count = fields.Integer(
        string="Follow-ups Due", compute="_compute_desk"
    )
    desk_followup_overdue_count = fields.Integer(
        string="Follow-ups Overdue", compute="_compute_desk"
    )
    desk_ticket_new_count = fields.Integer(
        string="Tickets to Answer", compute="_compute_desk"
    )
    desk_ticket_risk_count = fields.Integer(
        string="Tickets at Risk", compute="_compute_desk"
    )
    desk_ticket_breached_count = fields.Integer(
        string="Tickets Breached", compute="_compute_desk"
    )
    desk_stale_lead_count = fields.Integer(
        string="Stale Leads", compute="_compute_desk"
    )
    desk_first_contact_count = fields.Integer(
        string="First Contacts Overdue", compute="_compute_desk"
    )
    desk_compliance_rate = fields.Float(
        string="Follow-up Compliance This Month (%)",
        compute="_compute_desk",
        help="Follow-ups of this month done on time, out of those the plans "
        "require this month.",
    )
    desk_compliance_label = fields.Char(
        string="Follow-ups This Month", compute="_compute_desk"
    )

    # computes

    @api.depends_context("uid", "tz")
    def _compute_desk(self):
        today = fields.Date.context_today(self)
        items = _today_items(today)
        for record in self:
            values = dict.fromkeys(
                [fname for fname in self._fields if fname.startswith("desk_")], 0
            )
            values["desk_compliance_label"] = False
            shown = record._desk_items() if record.id else ()
            for item in shown:
                model, domain, _action = items[item]
                domain = [*domain, *record._desk_scope(model)]
                if item == "compliance":
                    values.update(record._desk_compliance(domain))
                    continue
                values[f"desk_{item}_count"] = self.env[model].search_count(domain)
            record.update(values)

    # actions

    def action_open_desk_item(self):
        """Open the list behind one count of the desk, the item named by the
        button's context (``desk_item``)."""
        self.ensure_one()
        item = self.env.context.get("desk_item")
        if item not in self._desk_items():
            raise UserError(self.env._("This desk has no such list."))
        today = fields.Date.context_today(self)
        model, domain, xmlid = _today_items(today)[item]
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update(
            {
                "name": self._fields[self._desk_field(item)]._description_string(
                    self.env
                ),
                "domain": [*domain, *self._desk_scope(model)],
                "context": self._desk_context(model),
                "target": "current",
            }
        )
        views = action.get("views") or []
        # the list first, where there is one: a desk item is a to-do list
        action["views"] = sorted(views, key=lambda view: view[1] != "list")
        return action

    # business methods

    def _desk_items(self):
        """The items this record's desk shows."""
        return ()

    def _desk_scope(self, model):
        """The domain narrowing the records of ``model`` to this desk's."""
        raise NotImplementedError

    @api.model
    def _desk_field(self, item):
        if item == "compliance":
            return "desk_compliance_rate"
        return f"desk_{item}_count"

    @api.model
    def _desk_context(self, model):
        """The context of an item's list: no default filter that would hide
        part of what the count counted."""
        if model == "res.partner":
            return {"res_partner_search_mode": "customer"}
        if model == "crm.followup.compliance":
            return {"search_default_group_user": 1}
        return {}

    def _desk_compliance(self, domain):
        """This month's follow-ups done on time out of those required."""
        [(required, on_time)] = self.env["crm.followup.compliance"]._read_group(
            domain, [], ["required_count:sum", "on_time_count:sum"]
        )
        required, on_time = required or 0, on_time or 0
        return {
            "desk_compliance_rate": round(100.0 * on_time / required, 1)
            if required
            else 0.0,
            "desk_compliance_label": self.env._(
                "%(on_time)s of %(required)s on time",
                on_time=on_time,
                required=required,
            )
            if required
            else self.env._("No follow-up due this month"),
        }
