"""ir_cron_complaint_sla: each escalation level fires once, batches stay batches."""

from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from .complaint_common import ComplaintCase


class TestComplaintSlaCron(ComplaintCase):
    def _activities(self, tickets, user):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.complaint.ticket"),
                ("res_id", "in", tickets.ids),
                ("user_id", "=", user.id),
            ]
        )

    def _run(self, when, via_xmlid=False):
        with freeze_time(when):
            if via_xmlid:
                self.env.ref(
                    "crm_standard_process.ir_cron_complaint_sla"
                ).method_direct_trigger()
            else:
                self.env["crm.complaint.ticket"]._cron_check_sla()

    def test_each_level_fires_exactly_once(self):
        """Warning, breach and admin levels notify the right people once each."""
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 10, 0))
        self.assertEqual(ticket.sla_status, "on_track")
        self.assertFalse(self._activities(ticket, self.rep))
        for minute in (35, 40):  # 75 % of 2 working hours is 10:30
            self._run(datetime(2026, 11, 23, 10, minute))
        self.assertEqual(ticket.sla_status, "at_risk")
        self.assertEqual(len(self._activities(ticket, self.rep)), 1)
        self.assertEqual(len(self._activities(ticket, self.handler)), 1)
        for minute in (5, 10):  # due at 11:00
            self._run(datetime(2026, 11, 23, 11, minute), via_xmlid=True)
        self.assertEqual(ticket.sla_status, "breached")
        self.assertEqual(len(self._activities(ticket, self.team_manager)), 1)
        self.assertFalse(self._activities(ticket, self.sales_admin))
        for minute in (5, 10):  # four hours after the breach
            self._run(datetime(2026, 11, 23, 15, minute))
        self.assertEqual(len(self._activities(ticket, self.sales_admin)), 1)
        self.assertEqual(len(self._activities(ticket, self.rep)), 1)
        self.assertEqual(ticket.escalation_level, 3)

    def test_a_ticket_claimed_with_nothing_due_is_not_claimed_again(self):
        """The admins' delay raised behind the ORM's back (a data import, a
        restored database): the stored moment of the ticket's next level
        (15:00) is behind its ladder (11:00 the next day). The job claims it
        once, finds nothing due, computes the moment again and leaves it: no
        endless claiming of a ticket with nothing to fire."""
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 11, 5))
        self.assertEqual(ticket.escalation_level, 2)
        self.assertEqual(ticket.next_escalation_date, datetime(2026, 11, 23, 15, 0))
        self.env.cr.execute(
            "UPDATE crm_complaint_sla SET escalate_admin_hours = 24 WHERE id = %s",
            [ticket.sla_id.id],
        )
        ticket.sla_id.invalidate_recordset(["escalate_admin_hours"])
        Ticket = self.env["crm.complaint.ticket"]
        with freeze_time(datetime(2026, 11, 23, 15, 10)):
            Ticket._cron_check_sla()
            self.assertEqual(ticket.next_escalation_date, datetime(2026, 11, 24, 11, 0))
            self.assertFalse(Ticket._claim_due_escalations(datetime.now(), 500))
        self.assertFalse(self._activities(ticket, self.sales_admin))
        self._run(datetime(2026, 11, 24, 11, 5))
        self.assertEqual(len(self._activities(ticket, self.sales_admin)), 1)

    def test_response_resets_the_ladder_for_the_resolution(self):
        """Once responded, the ticket runs against its resolution deadline afresh."""
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 10, 40))
        with freeze_time(datetime(2026, 11, 23, 10, 45)):
            ticket.action_start()
        self.assertEqual((ticket.escalation_level, ticket.sla_status), (0, "on_track"))
        self.assertEqual(ticket.sla_deadline, ticket.resolution_deadline)

    def test_paused_tickets_are_not_escalated(self):
        """A ticket waiting on the customer is left alone by the cron."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 9, 10)):
            ticket.action_wait_customer()
        self._run(datetime(2026, 11, 23, 16, 0))
        self.assertEqual(ticket.escalation_level, 0)
        self.assertFalse(self._activities(ticket, self.rep))

    def test_a_failing_ticket_does_not_stop_the_batch(self):
        """A ticket that cannot be escalated fails alone: the rest of the batch
        is escalated, and the failing one is tried again an hour later.

        Its policy row is broken behind the ORM's back (an admin delay that runs
        past the end of the calendar), so escalating it really raises."""
        policy = self.env["crm.complaint.sla"].create(
            {"name": "Urgent sales service", "scope": "sales_service", "priority": "2"}
        )
        tickets = self._ticket() | self._ticket(priority="2") | self._ticket()
        failing = tickets[1]
        self.assertEqual(failing.sla_id, policy)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_complaint_sla SET escalate_admin_hours = 1e12 WHERE id = %s",
            [policy.id],
        )
        self.env.invalidate_all()
        # the batch loop is the escalation engine's: it logs the failure
        logger = "odoo.addons.crm_standard_process.models.escalation_mixin"
        with mute_logger(logger):
            self._run(datetime(2026, 11, 23, 10, 40))
        self.assertEqual(tickets.mapped("escalation_level"), [1, 0, 1])
        self.assertEqual(len(self._activities(tickets, self.rep)), 2)
        self.assertEqual(failing.next_escalation_date, datetime(2026, 11, 23, 11, 40))
        with mute_logger(logger):
            self._run(datetime(2026, 11, 23, 10, 50))  # not due again yet
        self.assertEqual(failing.next_escalation_date, datetime(2026, 11, 23, 11, 40))
        self.env.cr.execute(
            "UPDATE crm_complaint_sla SET escalate_admin_hours = 4 WHERE id = %s",
            [policy.id],
        )
        self.env.invalidate_all()
        self._run(datetime(2026, 11, 23, 11, 45))
        self.assertEqual(failing.escalation_level, 2)
        self.assertEqual(len(self._activities(failing, self.team_manager)), 1)

    def test_batch_query_count_is_flat(self):
        """Escalating 10 or 100 tickets costs the same number of queries."""
        counts = {}
        for size in (1, 10, 100):  # the first run warms the caches
            tickets = self.env["crm.complaint.ticket"]
            for _n in range(size):
                tickets |= self._ticket()
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(datetime(2026, 11, 23, 10, 40)):
                before = self.cr.sql_log_count
                self.env["crm.complaint.ticket"]._cron_check_sla()
                counts[size] = self.cr.sql_log_count - before
            self.assertEqual(set(tickets.mapped("escalation_level")), {1})
            tickets.write({"state": "cancelled", "cancel_reason": "done"})
        # Odoo writes at most 100 rows a statement: the 200 activities of 100
        # tickets (owner and handler) take one INSERT and one UPDATE more.
        self.assertLessEqual(counts[100], counts[10] + 2, counts)
        self.assertLessEqual(counts[10], 40, counts)

    def test_admin_level_reaches_the_admins_of_the_tickets_company(self):
        """Sales admins of another company only are not alerted."""
        other_company = self.env["res.company"].create({"name": "Beijing Branch"})
        outsider = self.env["res.users"].create(
            {
                "name": "Beijing admin",
                "login": "csp_beijing_admin",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "groups_id": [
                    (6, 0, self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 15, 5))
        self.assertEqual(ticket.escalation_level, 3)
        self.assertEqual(len(self._activities(ticket, self.sales_admin)), 1)
        self.assertFalse(self._activities(ticket, outsider))

    def test_escalation_logs_one_message_per_run(self):
        """Each escalation leaves a note in the ticket's chatter."""
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 10, 40))
        self._run(datetime(2026, 11, 23, 10, 45))
        notes = ticket.message_ids.filtered(lambda m: "SLA at risk" in (m.body or ""))
        self.assertEqual(len(notes), 1)

    def test_levels_due_together_fire_together_worded_as_a_breach(self):
        """A job that ran late fires every level due at once, each once."""
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 15, 5))
        self.assertEqual(ticket.escalation_level, 3)
        activities = self._activities(ticket, self.rep)
        self.assertEqual(len(activities), 1)
        self.assertIn("SLA breached", activities.summary)
        self.assertEqual(len(self._activities(ticket, self.team_manager)), 1)
        self._run(datetime(2026, 11, 23, 15, 10))
        self.assertEqual(len(self._activities(ticket, self.sales_admin)), 1)

    def test_warned_ticket_is_not_warned_again_after_a_pause(self):
        """A pause moves the deadlines; the warning already given is not repeated."""
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 10, 40))
        with freeze_time(datetime(2026, 11, 23, 10, 45)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 23, 14, 45)):
            ticket.action_resume()
        # the warning moment moved to 14:30: still past it, but warned already
        self.assertEqual(ticket.sla_status, "at_risk")
        self._run(datetime(2026, 11, 23, 14, 50))
        self.assertEqual(len(self._activities(ticket, self.rep)), 1)
        self._run(datetime(2026, 11, 23, 15, 5))  # 11:00 + 3 paused hours
        self.assertEqual(ticket.sla_status, "breached")
        self.assertEqual(len(self._activities(ticket, self.team_manager)), 1)

    def test_solving_after_the_deadline_marks_the_ticket_breached(self):
        """A ticket solved late keeps the breached status for the reports."""
        ticket = self._ticket(resolution="<p>Refunded</p>")
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            ticket.action_start()
        with freeze_time(datetime(2026, 11, 24, 10, 0)):  # due Tuesday 09:00
            ticket.action_solve()
        self.assertEqual(ticket.sla_status, "breached")
        self.assertFalse(ticket.resolution_sla_met)
        self.assertFalse(ticket.next_escalation_date)
        self._run(datetime(2026, 11, 25, 10, 0))
        self.assertEqual(ticket.sla_status, "breached")

    def test_status_refresh_rewrites_changed_rows_only(self):
        """The periodic refresh leaves tickets whose status did not change alone."""
        tickets = self._ticket() | self._ticket()
        refresh = tickets._refresh_sla_status
        self.assertEqual(refresh(datetime(2026, 11, 23, 9, 30)), 0)
        self.assertEqual(refresh(datetime(2026, 11, 23, 10, 40)), 2)
        self.assertEqual(refresh(datetime(2026, 11, 23, 10, 45)), 0)
        self.assertEqual(set(tickets.mapped("sla_status")), {"at_risk"})

    def test_long_runs_report_progress_in_batches(self):
        """A run handles one batch and tells the cron runner how many remain."""
        tickets = self._ticket() | self._ticket() | self._ticket()
        cron = self.env.ref("crm_standard_process.ir_cron_complaint_sla")
        _cron, progress = cron._add_progress()
        Ticket = self.env["crm.complaint.ticket"].with_context(
            ir_cron_progress_id=progress.id
        )
        with freeze_time(datetime(2026, 11, 23, 10, 40)):
            Ticket._cron_check_sla(batch_size=2)
        self.assertEqual((progress.done, progress.remaining), (2, 1))
        self.assertEqual(sorted(tickets.mapped("escalation_level")), [0, 1, 1])
        with freeze_time(datetime(2026, 11, 23, 10, 41)):
            Ticket._cron_check_sla(batch_size=2)
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertEqual(tickets.mapped("escalation_level"), [1, 1, 1])

    def test_an_unassigned_ticket_still_reaches_someone(self):
        """Without owner, handler or team leader, the rung above is told."""
        stranger = self.env["res.partner"].create({"name": "Walk-in customer"})
        ticket = self._ticket(partner_id=stranger.id, handler_id=False)
        self.assertFalse(ticket.user_id or ticket.team_id)
        self._run(datetime(2026, 11, 23, 10, 40))
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(len(self._activities(ticket, self.sales_admin)), 1)

    def test_breach_goes_to_the_owner_team_leader(self):
        """At the breach the leader of the ticket's team is told, no one else new."""
        ticket = self._ticket()
        self._run(datetime(2026, 11, 23, 11, 5))
        leader = self._activities(ticket, self.team_manager)
        self.assertEqual(len(leader), 1)
        self.assertIn("team manager", leader.summary)
        self.assertFalse(self._activities(ticket, self.sales_admin))

    def test_breach_passes_over_a_leader_who_is_a_plain_rep(self):
        """A team led by a plain rep: the breach goes to the team's manager
        member, as the profile review does, not to the leader."""
        self.team_east.write(
            {
                "user_id": self.rep_teammate.id,
                "member_ids": [Command.link(self.team_manager.id)],
            }
        )
        ticket = self._ticket(user_id=self.rep.id, handler_id=False)
        self._run(datetime(2026, 11, 23, 11, 5))
        self.assertEqual(ticket.escalation_level, 2)
        self.assertEqual(len(self._activities(ticket, self.team_manager)), 1)
        self.assertFalse(self._activities(ticket, self.rep_teammate))

    def test_escalation_skips_whoever_cannot_open_the_ticket(self):
        """A team leader without access to the ticket, or a handler of another
        company, gets no dead-end to-do: the rung falls to whoever can open it."""
        leader = new_test_user(
            self.env, "csp_west_leader", groups="sales_team.group_sale_salesman"
        )
        west = self.env["crm.team"].create({"name": "West China", "user_id": leader.id})
        branch = self.env["res.company"].create({"name": "Chengdu Branch"})
        outsider = new_test_user(
            self.env,
            "csp_branch_handler",
            company_id=branch.id,
            company_ids=[Command.set(branch.ids)],
        )
        self.customer.team_id = west
        ticket = self._ticket(handler_id=outsider.id)
        self.assertFalse(ticket.with_user(leader).has_access("read"))
        self.assertFalse(ticket.with_user(outsider).has_access("read"))
        self._run(datetime(2026, 11, 23, 11, 5))
        self.assertEqual(ticket.escalation_level, 2)
        self.assertEqual(len(self._activities(ticket, self.rep)), 1)
        self.assertFalse(self._activities(ticket, outsider))
        self.assertFalse(self._activities(ticket, leader))
        admin = self._activities(ticket, self.sales_admin)
        self.assertEqual(len(admin), 1)
        self.assertIn("sales admins", admin.summary)
        for user in ticket.activity_ids.user_id:
            self.assertTrue(ticket.with_user(user).has_access("read"), user.login)
        notes = ticket.message_ids.filtered(lambda m: "escalated" in (m.body or ""))
        self.assertIn("sales admins", notes.body)

    def test_batch_query_count_is_flat_in_the_number_of_owners(self):
        """Tickets owned by 2 or by 20 different people cost the same number of
        queries: the owners are looked up and subscribed as followers once for
        the whole batch, not once per owner."""
        counts = {}
        for owners in (1, 2, 20):  # the first run warms the caches
            users = [
                new_test_user(
                    self.env,
                    login=f"csp_owner_{owners}_{n}",
                    groups="sales_team.group_sale_salesman",
                )
                for n in range(owners)
            ]
            tickets = self.env["crm.complaint.ticket"]
            for n in range(20):
                tickets |= self._ticket(user_id=users[n % owners].id)
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(datetime(2026, 11, 23, 10, 40)):
                before = self.cr.sql_log_count
                self.env["crm.complaint.ticket"]._cron_check_sla()
                counts[owners] = self.cr.sql_log_count - before
            self.assertEqual(set(tickets.mapped("escalation_level")), {1})
            for user in users:
                self.assertTrue(user.partner_id in tickets.message_partner_ids)
            tickets.write({"state": "cancelled", "cancel_reason": "done"})
        self.assertEqual(counts[20], counts[2], counts)
