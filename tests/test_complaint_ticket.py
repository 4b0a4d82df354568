"""P6: the ticket's closed loop, record → handle → feedback → customer confirms."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError

from .complaint_common import ComplaintCase


class TestComplaintTicket(ComplaintCase):
    def test_new_ticket_takes_number_owner_team_and_policy(self):
        """A ticket is numbered and owned by the customer's account manager."""
        ticket = self._ticket(scope="product_technical")
        self.assertTrue(ticket.name.startswith("CT-2026-"))
        self.assertEqual(ticket.user_id, self.rep)
        self.assertEqual(ticket.team_id, self.team_east)
        self.assertEqual(
            ticket.sla_id,
            self.env.ref("crm_standard_process.crm_complaint_sla_product_technical"),
        )
        self.assertEqual(ticket.sla_status, "on_track")

    def test_closed_loop(self):
        """Start, solve with a solution, close with the customer's score."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 9, 30)):
            ticket.action_start()
        self.assertEqual(ticket.state, "in_progress")
        ticket.write(
            {"resolution": "<p>Replaced the part</p>", "root_cause": "Packing"}
        )
        ticket.action_solve()
        ticket.satisfaction = "4"
        ticket.action_close()
        self.assertEqual(ticket.state, "closed")
        self.assertTrue(ticket.closed_date)

    def test_solving_without_a_solution_is_refused(self):
        """An empty solution cannot solve a ticket; nothing changes."""
        ticket = self._ticket()
        ticket.action_start()
        ticket.resolution = "<p><br></p>"
        with self.assertRaisesRegex(UserError, "solution"):
            ticket.action_solve()
        self.assertEqual(ticket.state, "in_progress")
        self.assertFalse(ticket.solved_date)

    def test_closing_needs_a_satisfaction_score(self):
        """Closing without a score, or writing closed directly, is refused."""
        ticket = self._ticket()
        ticket.action_start()
        ticket.resolution = "<p>Done</p>"
        ticket.action_solve()
        with self.assertRaisesRegex(UserError, "satisfaction"):
            ticket.action_close()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            ticket.write({"state": "closed"})
            ticket.flush_recordset()
        self.assertEqual(ticket.state, "solved")

    def test_satisfaction_outside_one_to_five_is_refused(self):
        """A score outside 1 to 5 is not a valid value."""
        ticket = self._ticket()
        with self.assertRaises(ValueError), self.env.cr.savepoint():
            ticket.write({"satisfaction": "6"})
            ticket.flush_recordset()
        self.assertFalse(ticket.satisfaction)

    def test_cancelling_needs_a_reason(self):
        """A ticket is cancelled only with a reason."""
        ticket = self._ticket()
        with self.assertRaisesRegex(UserError, "reason"):
            ticket.action_cancel()
        self.assertEqual(ticket.state, "new")
        ticket.cancel_reason = "Duplicate of CT-2026-0001"
        ticket.action_cancel()
        self.assertEqual(ticket.state, "cancelled")

    def test_customer_disagreement_or_reply_reopens_and_counts(self):
        """After solved, a disagreement or a customer's e-mail reopens the ticket."""
        contact = self.env["res.partner"].create(
            {
                "name": "Chen Jie",
                "parent_id": self.customer.id,
                "email": "chen@hd.example.com",
            }
        )
        ticket = self._ticket(contact_id=contact.id)
        ticket.action_start()
        ticket.resolution = "<p>Done</p>"
        ticket.action_solve()
        ticket.action_reopen()
        self.assertEqual((ticket.state, ticket.reopen_count), ("in_progress", 1))
        ticket.action_solve()
        ticket.message_update({"email_from": "Chen Jie <chen@hd.example.com>"})
        self.assertEqual((ticket.state, ticket.reopen_count), ("in_progress", 2))

    def test_ticket_from_an_email(self):
        """An e-mail to the alias becomes a ticket of the sender's company."""
        contact = self.env["res.partner"].create(
            {
                "name": "Chen Jie",
                "parent_id": self.customer.id,
                "email": "chen@hd.example.com",
            }
        )
        ticket = self.env["crm.complaint.ticket"].message_new(
            {
                "subject": "Wrong invoice amount",
                "email_from": "chen@hd.example.com",
                "body": "<p>The invoice is wrong</p>",
            }
        )
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.contact_id, contact)
        self.assertEqual((ticket.channel, ticket.user_id), ("email", self.rep))

    def test_customer_smart_button_counts_open_tickets(self):
        """The customer form counts its open tickets."""
        self._ticket()
        done = self._ticket(cancel_reason="Test")
        done.action_cancel()
        self.assertEqual(self.customer.open_complaint_count, 1)
        action = self.customer.action_view_complaint_tickets()
        self.assertEqual(action["res_model"], "crm.complaint.ticket")
