"""P6: the ticket's closed loop, record → handle → feedback → customer confirms."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError

from .complaint_common import MONDAY_9, ComplaintCase


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

    def test_team_of_another_company_is_refused(self):
        """A ticket's team belongs to the ticket's company (or to none); a
        customer's team of another company is not taken over."""
        branch = self.env["res.company"].create({"name": "Chengdu Branch"})
        branch_team = self.env["crm.team"].create(
            {"name": "Chengdu Sales", "company_id": branch.id}
        )
        with (
            self.assertRaisesRegex(UserError, "Incompatible companies"),
            self.env.cr.savepoint(),
        ):
            self._ticket(team_id=branch_team.id)
        ticket = self._ticket()
        with (
            self.assertRaisesRegex(UserError, "Incompatible companies"),
            self.env.cr.savepoint(),
        ):
            ticket.team_id = branch_team
        self.assertEqual(ticket.team_id, self.team_east)
        self.customer.team_id = branch_team
        other = self._ticket()
        self.assertEqual(other.team_id, self.team_east)

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
        """A score outside 1 to 5 gets a clear error, on write and on create."""
        ticket = self._ticket()
        for score in ("6", "0", 3, "excellent"):
            with (
                self.subTest(score=score),
                self.assertRaisesRegex(ValidationError, "1 to 5"),
                self.env.cr.savepoint(),
            ):
                ticket.write({"satisfaction": score, "root_cause": "Packing"})
        self.assertFalse(ticket.satisfaction)
        self.assertFalse(ticket.root_cause)
        count = ticket.search_count([])
        with self.assertRaisesRegex(ValidationError, "1 to 5"), self.env.cr.savepoint():
            self._ticket(satisfaction="9")
        self.assertEqual(ticket.search_count([]), count)

    def test_status_written_directly_still_needs_its_inputs(self):
        """Solved needs a solution, cancelled a reason, even by a direct write."""
        ticket = self._ticket()
        for values, message in (
            ({"state": "solved"}, "solution"),
            ({"state": "cancelled"}, "reason"),
            ({"state": "closed", "resolution": "<p>Done</p>"}, "satisfaction"),
        ):
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                ticket.write(values)
                ticket.flush_recordset()
        self.assertEqual((ticket.state, ticket.resolution), ("new", False))

    def test_a_batch_with_one_bad_ticket_changes_nothing(self):
        """Solving, closing or cancelling several tickets is all or nothing."""
        good = self._ticket(resolution="<p>Replaced</p>", cancel_reason="Duplicate")
        bad = self._ticket()
        both = good | bad
        both.action_start()
        with self.assertRaisesRegex(UserError, bad.name):
            both.action_solve()
        self.assertEqual(both.mapped("state"), ["in_progress", "in_progress"])
        self.assertFalse(any(both.mapped("solved_date")))
        with self.assertRaisesRegex(UserError, bad.name):
            both.action_cancel()
        self.assertEqual(both.mapped("state"), ["in_progress", "in_progress"])
        bad.resolution = "<p>Refunded</p>"
        both.action_solve()
        good.satisfaction = "5"
        with self.assertRaisesRegex(UserError, bad.name):
            both.action_close()
        self.assertEqual(both.mapped("state"), ["solved", "solved"])

    def test_actions_refuse_the_wrong_status(self):
        """A closed ticket cannot be started, solved, reopened or paused again."""
        ticket = self._ticket(resolution="<p>Done</p>", satisfaction=False)
        ticket.action_start()
        ticket.action_solve()
        ticket.satisfaction = "3"
        ticket.action_close()
        for action in (
            ticket.action_start,
            ticket.action_solve,
            ticket.action_reopen,
            ticket.action_wait_customer,
            ticket.action_cancel,
        ):
            with self.subTest(action=action.__name__), self.assertRaises(UserError):
                action()
        self.assertEqual(ticket.state, "closed")

    def test_a_copy_starts_afresh(self):
        """Duplicating a closed ticket gives a new, open one with its own clock."""
        ticket = self._ticket(resolution="<p>Done</p>")
        ticket.action_start()
        ticket.action_solve()
        ticket.satisfaction = "4"
        ticket.action_close()
        with freeze_time(datetime(2026, 11, 24, 10, 0)):
            copy = ticket.copy()
        self.assertEqual(
            (copy.state, copy.satisfaction, copy.sla_status, copy.reopen_count),
            ("new", False, "on_track", 0),
        )
        self.assertNotEqual(copy.name, ticket.name)
        self.assertEqual(copy.handler_id, self.handler)
        self.assertEqual(copy.sla_start_date, datetime(2026, 11, 24, 10, 0))
        self.assertEqual(copy.response_deadline, datetime(2026, 11, 24, 12, 0))

    def test_owner_and_handler_follow_the_ticket(self):
        """The owner and the handler follow the ticket, to hear the customer."""
        ticket = (
            self.env["crm.complaint.ticket"]
            .with_context(tracking_disable=False)
            .create(
                {
                    "subject": "Wrong colour",
                    "partner_id": self.customer.id,
                    "handler_id": self.handler.id,
                }
            )
        )
        self.assertIn(self.rep.partner_id, ticket.message_partner_ids)
        self.assertIn(self.handler.partner_id, ticket.message_partner_ids)
        ticket.handler_id = self.rep_other
        self.assertIn(self.rep_other.partner_id, ticket.message_partner_ids)

    def test_satisfaction_is_a_reportable_score(self):
        """The score is stored as a number the reports can average."""
        ticket = self._ticket(resolution="<p>Done</p>")
        ticket.action_start()
        ticket.action_solve()
        ticket.satisfaction = "4"
        ticket.action_close()
        self.assertEqual(ticket.satisfaction_score, 4)
        groups = ticket._read_group(
            [("id", "=", ticket.id)], ["scope"], ["satisfaction_score:avg"]
        )
        self.assertEqual(groups, [("sales_service", 4.0)])

    def test_individual_customer_can_complain(self):
        """A consumer (B2C) without a company is a customer of a ticket too."""
        consumer = self.env["res.partner"].create(
            {"name": "Wang Fang", "customer_type": "b2c", "user_id": self.rep.id}
        )
        ticket = self._ticket(partner_id=consumer.id)
        self.assertEqual(ticket.user_id, self.rep)
        self.assertEqual(consumer.open_complaint_count, 1)

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

    def test_customer_reply_ends_a_pause(self):
        """An e-mail from the customer resumes a ticket waiting on them."""
        self.env["res.partner"].create(
            {"name": "Chen Jie", "parent_id": self.customer.id, "email": "c@hd.cn"}
        )
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 9, 30)):
            ticket.action_start()
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 23, 11, 30)):
            ticket.message_update({"email_from": "c@hd.cn"})
        self.assertFalse(ticket.is_waiting_customer)
        self.assertAlmostEqual(ticket.paused_working_hours, 2.0)

    def test_starting_a_paused_ticket_resumes_its_clock(self):
        """Starting the response ends the wait and measures net of the pause."""
        ticket = self._ticket()
        with freeze_time(datetime(2026, 11, 23, 9, 15)):
            ticket.action_wait_customer()
        with freeze_time(datetime(2026, 11, 23, 10, 15)):
            ticket.action_start()
        self.assertFalse(ticket.is_waiting_customer)
        self.assertAlmostEqual(ticket.paused_working_hours, 1.0)
        self.assertAlmostEqual(ticket.response_time, 0.25)
        self.assertTrue(ticket.response_sla_met)

    def test_ticket_from_an_unknown_sender(self):
        """An e-mail from an unknown address still makes a numbered ticket, for
        a plain contact outside the customer process (no profile, no owner),
        the same contact for the next e-mail; the subject stays free text."""
        Ticket = self.env["crm.complaint.ticket"]
        ticket = Ticket.message_new(
            {
                "subject": "Machine noise",
                "email_from": "Li Lei <lilei@newcustomer.cn>",
                "body": "<p>Loud noise</p>",
            }
        )
        contact = ticket.partner_id
        self.assertEqual(
            (contact.name, contact.email), ("Li Lei", "lilei@newcustomer.cn")
        )
        self.assertFalse(contact.profile_state or contact.is_company or contact.user_id)
        self.assertTrue(ticket.name.startswith("CT-2026-"), ticket.name)
        self.assertEqual(ticket.subject, "Machine noise")
        self.assertFalse(ticket.user_id)
        self.assertEqual((ticket.channel, ticket.state), ("email", "new"))
        self.assertTrue(ticket.response_deadline)
        again = Ticket.message_new(
            {"subject": "  ", "email_from": "lilei@newcustomer.cn", "body": "<p>?</p>"}
        )
        self.assertEqual(again.partner_id, contact)
        self.assertEqual(again.subject, "E-mail without subject")

    def test_email_to_the_alias_opens_a_ticket(self):
        """A real e-mail to complaints@ goes through the gateway into a ticket."""
        alias = self.env.ref("crm_standard_process.mail_alias_complaint")
        self.assertEqual(alias.alias_model_id.model, "crm.complaint.ticket")
        domain = self.env["mail.alias.domain"].create({"name": "hd-test.example.com"})
        alias.alias_domain_id = domain
        self.env["res.partner"].create(
            {"name": "Chen Jie", "parent_id": self.customer.id, "email": "c@hd.cn"}
        )
        raw = (
            "From: Chen Jie <c@hd.cn>\r\n"
            f"To: {alias.alias_name}@hd-test.example.com\r\n"
            "Subject: Broken gearbox\r\n"
            "Message-ID: <gearbox-1@hd.cn>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "The gearbox broke on arrival.\r\n"
        )
        with freeze_time(MONDAY_9):
            ticket_id = self.env["mail.thread"].message_process(False, raw)
        ticket = self.env["crm.complaint.ticket"].browse(ticket_id)
        self.assertEqual(ticket.subject, "Broken gearbox")
        self.assertTrue(ticket.name.startswith("CT-2026-"), ticket.name)
        self.assertEqual(ticket.contact_id.email, "c@hd.cn")
        self.assertEqual((ticket.partner_id, ticket.user_id), (self.customer, self.rep))
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 11, 0))

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
        self.assertTrue(ticket.name.startswith("CT-2026-"), ticket.name)
        self.assertEqual(ticket.subject, "Wrong invoice amount")

    def test_customer_smart_button_counts_open_tickets(self):
        """The customer form counts its open tickets."""
        self._ticket()
        done = self._ticket(cancel_reason="Test")
        done.action_cancel()
        self.assertEqual(self.customer.open_complaint_count, 1)
        action = self.customer.action_view_complaint_tickets()
        self.assertEqual(action["res_model"], "crm.complaint.ticket")

    def test_demo_tickets_show_every_status_and_sla_state(self):
        """The demo tells the whole loop: every status and every SLA state."""
        demo = self.env["crm.complaint.ticket"].search(
            [("id", "in", self._demo_ticket_ids())]
        )
        if not demo:
            self.skipTest("installed without demo data")
        self.assertEqual(
            set(demo.mapped("state")),
            {"new", "in_progress", "solved", "closed", "cancelled"},
        )
        self.assertTrue(any(demo.mapped("is_waiting_customer")))
        # the SLA states as they were when the demo was loaded
        demo._refresh_sla_status(max(demo.mapped("create_date")))
        open_demo = demo.filtered(lambda t: t.state in ("new", "in_progress"))
        self.assertEqual(
            set(open_demo.mapped("sla_status")), {"on_track", "at_risk", "breached"}
        )
        breached = self.env.ref(
            "crm_standard_process.crm_complaint_ticket_missing_manual_demo"
        )
        self.assertEqual(breached.escalation_level, 3)

    def _demo_ticket_ids(self):
        return (
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "crm_standard_process"),
                    ("model", "=", "crm.complaint.ticket"),
                ]
            )
            .mapped("res_id")
        )
