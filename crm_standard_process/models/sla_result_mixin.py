"""How the SLA clock reads: the result of a finished ticket, the time left in words.

Used by the complaint tickets, on top of ``crm.sla.clock.mixin``. The live
status (on track, at risk, breached) speaks of open tickets; a finished
ticket's SLA *result* says whether its response and its solution came in
time, so that the reports never count a closed or cancelled ticket as "on
track". The time left reads with its unit, in the user's language.
"""

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, table_exists

from .field_guard_mixin import GUARD_ENGINE
from .sla_clock_mixin import OPEN_STATES

SLA_RESULTS = [("met", "Met"), ("missed", "Missed")]
FINISHED_STATES = ("solved", "closed")


class CrmSlaResultMixin(models.AbstractModel):
    _name = "crm.sla.result.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "SLA Result"

    sla_result = fields.Selection(
        SLA_RESULTS,
        string="SLA Result",
        compute="_compute_sla_result",
        store=True,
        index="btree_not_null",
        help="Solved and closed tickets with an SLA policy: met when both the "
        "response and the solution came in time, else missed. Empty while the "
        "ticket is open, and for cancelled tickets.",
    )
    sla_remaining_label = fields.Char(
        string="Time Left",
        compute="_compute_sla_remaining_label",
        help="The time left before the running deadline, or how long it is "
        "overdue, in hours and minutes.",
    )

    # computes

    @api.depends("state", "sla_id", "response_sla_met", "resolution_sla_met")
    def _compute_sla_result(self):
        for ticket in self:
            if ticket.state not in FINISHED_STATES or not ticket.sla_id:
                ticket.sla_result = False
            elif ticket._sla_met("response") and ticket._sla_met("resolution"):
                ticket.sla_result = "met"
            else:
                ticket.sla_result = "missed"

    @api.depends("state", "sla_deadline", "paused_since", "is_waiting_customer")
    def _compute_sla_remaining_label(self):
        for ticket in self:
            if ticket.state not in OPEN_STATES or not ticket.sla_deadline:
                ticket.sla_remaining_label = False
                continue
            hours = ticket.sla_remaining_hours
            minutes = round(abs(hours) * 60)
            duration = f"{minutes // 60}:{minutes % 60:02d}"
            if ticket.is_waiting_customer:
                label = self.env._("%(time)s h left (paused)", time=duration)
            elif hours >= 0:
                label = self.env._("%(time)s h left", time=duration)
            else:
                label = self.env._("%(time)s h overdue", time=duration)
            ticket.sla_remaining_label = label

    # CRUD

    def _auto_init(self):
        # A live database may hold 100,000 tickets: their result is filled in
        # one UPDATE, the SQL twin of _compute_sla_result.
        cr = self.env.cr
        fill = (
            self._auto
            and table_exists(cr, self._table)
            and not column_exists(cr, self._table, "sla_result")
        )
        if fill:
            create_column(cr, self._table, "sla_result", "varchar")
            cr.execute(
                SQL(
                    """
                    UPDATE %(table)s
                       SET sla_result = CASE
                           WHEN (response_deadline IS NULL OR response_sla_met)
                            AND (resolution_deadline IS NULL OR resolution_sla_met)
                           THEN 'met' ELSE 'missed' END
                     WHERE state IN %(finished)s AND sla_id IS NOT NULL
                    """,
                    table=SQL.identifier(self._table),
                    finished=FINISHED_STATES,
                )
            )
        return super()._auto_init()

    @api.model
    def _guarded_fields(self):
        return {**super()._guarded_fields(), "sla_result": GUARD_ENGINE}

    # business methods

    def _sla_met(self, target):
        """Whether ``target`` (response or resolution) came in time; a target
        without deadline is met."""
        return not self[f"{target}_deadline"] or self[f"{target}_sla_met"]
