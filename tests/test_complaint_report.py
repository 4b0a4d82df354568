"""Issue 14: ticket lists, forms and the Complaint Analysis read right.

At risk and breached narrow the open tickets; a finished ticket has an SLA
result, never an "on track" status in the analysis; the SLA tab shows only
what was measured; the time left carries its unit.
"""

from datetime import datetime

from freezegun import freeze_time
from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .common import ADDON
from .complaint_common import MONDAY_9, ComplaintCase

TICKET_SEARCH = f"{ADDON}.crm_complaint_ticket_view_search"


def filter_groups(arch):
    """Filter name -> its group in a search arch: groups are separated by a
    <separator/>; the web client ORs filters within a group, ANDs groups."""
    groups, group = {}, 0
    for node in etree.fromstring(arch):
        if node.tag == "separator":
            group += 1
        elif node.tag == "filter" and node.get("domain"):
            groups[node.get("name")] = (group, node.get("domain"))
    return groups


class TestComplaintReport(ComplaintCase):
    def _solved(self, when_started, when_solved, **values):
        ticket = self._ticket(**values)
        with freeze_time(when_started):
            ticket.action_start()
        ticket.resolution = "<p>Replaced the bearing</p>"
        with freeze_time(when_solved):
            ticket.action_solve()
        return ticket

    def test_at_risk_and_breached_narrow_the_open_filter(self):
        """Open, then At Risk or Breached: the filters sit in another group
        than Open, so the list holds the open tickets at risk or breached."""
        groups = filter_groups(self.env.ref(TICKET_SEARCH).arch)
        self.assertNotEqual(groups["filter_open"][0], groups["at_risk"][0])
        self.assertEqual(groups["at_risk"][0], groups["breached"][0])
        at_risk = self._ticket(subject="At risk")
        on_track = self._ticket(subject="On track", when=datetime(2026, 11, 23, 10, 30))
        with freeze_time(datetime(2026, 11, 23, 10, 40)):
            self.env["crm.complaint.ticket"]._refresh_sla_status()
        self.assertEqual(at_risk.sla_status, "at_risk")
        self.assertEqual(on_track.sla_status, "on_track")
        domain = [
            *safe_eval(groups["filter_open"][1]),
            *safe_eval(groups["at_risk"][1]),
            ("id", "in", (at_risk | on_track).ids),
        ]
        self.assertEqual(self.env["crm.complaint.ticket"].search(domain), at_risk)

    def test_finished_tickets_have_an_sla_result_open_ones_none(self):
        """Solved in time: met; late: missed; open and cancelled: no result."""
        in_time = self._solved(
            datetime(2026, 11, 23, 9, 30), datetime(2026, 11, 23, 15)
        )
        late = self._solved(datetime(2026, 11, 23, 9, 30), datetime(2026, 11, 26, 9))
        self.assertEqual(in_time.sla_result, "met")
        self.assertEqual(late.sla_result, "missed")
        in_time.satisfaction = "5"
        in_time.action_close()
        self.assertEqual(in_time.sla_result, "met", "a closed ticket keeps its result")
        open_ticket = self._ticket()
        self.assertFalse(open_ticket.sla_result)
        cancelled = self._ticket(cancel_reason="Duplicate")
        cancelled.action_cancel()
        self.assertFalse(cancelled.sla_result)
        late.action_reopen()
        self.assertFalse(late.sla_result, "reopened: open again, no result")

    def test_sla_result_is_the_clocks_own(self):
        """Nobody writes the result by hand."""
        from odoo.exceptions import AccessError

        ticket = self._ticket()
        with self.assertRaises(AccessError):
            ticket.with_user(self.rep).sla_result = "met"

    def test_complaint_analysis_counts_finished_tickets_by_result(self):
        """The analysis opens on finished tickets, by SLA result, with a ticket
        count; closed and cancelled tickets are never "on track" there."""
        action = self.env.ref(f"{ADDON}.crm_complaint_ticket_action_report")
        self.assertEqual(
            safe_eval(action.context), {"search_default_filter_finished": 1}
        )
        pivot = etree.fromstring(
            self.env.ref(f"{ADDON}.crm_complaint_ticket_view_pivot").arch
        )
        self.assertEqual(pivot.get("display_quantity"), "1")
        self.assertEqual(pivot.xpath("//field[@type='col']/@name"), ["sla_result"])
        groups = filter_groups(self.env.ref(TICKET_SEARCH).arch)
        self._solved(datetime(2026, 11, 23, 9, 30), datetime(2026, 11, 23, 15))
        cancelled = self._ticket(cancel_reason="Duplicate")
        cancelled.action_cancel()
        rows = self.env["crm.complaint.ticket"]._read_group(
            [
                *safe_eval(groups["filter_finished"][1]),
                ("partner_id", "=", self.customer.id),
            ],
            ["sla_result"],
            ["__count"],
        )
        self.assertEqual(rows, [("met", 1)])

    def test_average_satisfaction_leaves_unscored_tickets_out(self):
        """A closed ticket scored 5 and a solved one not scored yet: 5, not 2.5."""
        scored = self._solved(datetime(2026, 11, 23, 9, 30), datetime(2026, 11, 23, 15))
        scored.satisfaction = "5"
        scored.action_close()
        unscored = self._solved(
            datetime(2026, 11, 23, 9, 30), datetime(2026, 11, 23, 16)
        )
        [(average,)] = self.env["crm.complaint.ticket"]._read_group(
            [("id", "in", (scored | unscored).ids)], [], ["satisfaction_score:avg"]
        )
        self.assertEqual(average, 5)

    def test_sla_tab_hides_what_is_not_measured_yet(self):
        """The times and "SLA met" boxes show once reached; the time left reads
        with its unit."""
        arch = self.env.ref(f"{ADDON}.crm_complaint_ticket_view_form").arch
        form = etree.fromstring(arch)
        for fname, condition in (
            ("response_time", "not responded_date"),
            ("resolution_time", "not solved_date"),
            ("resolution_sla_met", "not solved_date"),
        ):
            [node] = form.xpath(f"//page[@name='sla']//field[@name='{fname}']")
            self.assertIn(condition, node.get("invisible"))
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 9, 15)):
            ticket.invalidate_recordset(["sla_remaining_hours", "sla_remaining_label"])
            self.assertEqual(ticket.sla_remaining_label, "1:45 h left")
        with freeze_time(datetime(2026, 11, 23, 14)):
            ticket.invalidate_recordset(["sla_remaining_hours", "sla_remaining_label"])
            self.assertEqual(ticket.sla_remaining_label, "3:00 h overdue")
        kanban = self.env.ref(f"{ADDON}.crm_complaint_ticket_view_kanban").arch
        self.assertIn('name="sla_remaining_label"', kanban)

    def test_ticket_created_message_is_in_the_owners_language(self):
        """A ticket opened by the mail gateway or a job says "created" in its
        owner's language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "in", (ADDON, "mail"))]
        )._update_translations(["zh_CN"])
        self.rep.lang = "zh_CN"
        ticket = self._ticket(when=MONDAY_9)
        self.assertIn("创建", ticket.with_context(lang="en_US")._creation_message())
        self.assertIn("投诉/反馈工单", ticket._creation_message())
