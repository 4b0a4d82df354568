"""P8: archiving a customer with a reason and a date (team managers and sales
admins; reps request it), what it does to opportunities and follow-ups, the
read-only archive per role, reactivation, and the archive candidates."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .archive_common import ARCHIVED_ON, CREATED_ON, ArchiveCase
from .common import ADDON, TEAM_MANAGER_GROUP, CrmStandardProcessHttpCase


class TestArchiveProfile(ArchiveCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.customer.child_ids
        Lead = cls.env["crm.lead"]
        with freeze_time(CREATED_ON):
            cls.open_lead = Lead.create(
                {
                    "name": "Second line",
                    "type": "opportunity",
                    "partner_id": cls.contact.id,
                    "user_id": cls.rep.id,
                    "team_id": cls.team_east.id,
                }
            )
            cls.won_lead = Lead.create(
                {
                    "name": "First line",
                    "type": "opportunity",
                    "partner_id": cls.customer.id,
                    "user_id": cls.rep.id,
                    "team_id": cls.team_east.id,
                }
            )
            cls.won_lead.action_set_won()
            cls.ticket = cls.env["crm.complaint.ticket"].create(
                {"subject": "Late parts", "partner_id": cls.customer.id}
            )

    def _close_ticket(self):
        self.ticket.sudo().write({"state": "cancelled", "cancel_reason": "Dup"})

    def test_team_manager_archives_with_reason_and_date(self):
        """The team manager archives their team's customer: reason and date
        stored, retention date counted, open opportunities lost with the
        archive's reason, open follow-ups cancelled (kept, logged), the
        customer and its contact out of the working lists."""
        self._close_ticket()
        followups = self.env["mail.activity"].search(
            [("followup_partner_id", "=", self.customer.id)]
        )
        self.assertTrue(followups)
        self._archive(self.customer)
        customer = self.customer
        self.assertEqual(customer.profile_state, "archived")
        self.assertEqual(customer.archive_reason_id, self.reason)
        self.assertEqual(customer.archive_date, ARCHIVED_ON)
        self.assertEqual(customer.retention_date, date(2029, 1, 5))
        self.assertFalse(customer.active)
        self.assertFalse(self.contact.active)
        self.assertFalse(self.open_lead.active)
        self.assertEqual(
            self.open_lead.lost_reason_id,
            self.env.ref(f"{ADDON}.lost_reason_customer_archived"),
        )
        self.assertTrue(self.won_lead.active)
        followups = followups.with_context(active_test=False).exists()
        self.assertTrue(followups)
        self.assertTrue(all(followups.mapped("followup_cancelled")))
        self.assertFalse(any(followups.mapped("active")))
        notes = customer.message_ids.mapped("body")
        self.assertTrue(any("were cancelled" in str(note) for note in notes))
        self.assertTrue(any("marked lost" in str(note) for note in notes))
        self.assertNotIn(customer, self.env["res.partner"].search([]))
        self.assertIn(
            customer,
            self.env["res.partner"].search(
                [("profile_state", "=", "archived"), ("active", "in", (True, False))]
            ),
        )

    def test_archiving_is_tracked(self):
        """The state, reason and date changes are tracked in the chatter."""
        self._close_ticket()
        customer = self.customer.with_context(tracking_disable=False)
        self.env.cr.precommit.run()
        with freeze_time(ARCHIVED_ON):
            customer.with_user(self.team_manager).action_archive_profile(self.reason.id)
        self.env.cr.precommit.run()
        tracked = customer.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("archive_reason_id", tracked)
        self.assertIn("archive_date", tracked)
        self.assertIn("profile_state", tracked)

    def test_open_complaint_blocks_archiving(self):
        """An open ticket blocks the archiving with an error naming it, and
        nothing is written."""
        with self.assertRaises(UserError) as caught:
            self._archive(self.customer)
        self.assertIn(self.ticket.name, str(caught.exception))
        self.assertEqual(self.customer.profile_state, "active")
        self.assertTrue(self.open_lead.active)

    def test_bad_inputs_are_refused(self):
        """A missing, unknown or retired reason, a date in the future, a
        contact or an archived customer are refused with a clear error."""
        self._close_ticket()
        customer = self.customer.with_user(self.team_manager)
        retired = self.env["crm.archive.reason"].create(
            {"name": "Retired", "active": False}
        )
        for reason in (False, 0, 999999, retired, self.open_lead, "terminated"):
            with self.subTest(reason=reason), self.assertRaises(UserError):
                customer.action_archive_profile(reason)
        with freeze_time(ARCHIVED_ON), self.assertRaises(UserError):
            customer.action_archive_profile(self.reason, date(2026, 2, 1))
        with freeze_time(ARCHIVED_ON), self.assertRaises(UserError):
            customer.action_archive_profile(self.reason, "not a date")
        with self.assertRaises(UserError):
            self.contact.with_user(self.team_manager).action_archive_profile(
                self.reason
            )
        self.assertEqual(self.customer.profile_state, "active")
        self._archive(self.customer, user=self.sales_admin)
        with self.assertRaises(UserError):
            self.customer.with_user(self.sales_admin).action_archive_profile(
                self.reason
            )

    def test_who_archives(self):
        """Reps and managers of another team do not archive; a sales admin
        archives any customer."""
        self._close_ticket()
        other_manager = new_test_user(
            self.env, login="csp_other_manager", groups=TEAM_MANAGER_GROUP
        )
        self.team_north.user_id = other_manager
        for user in (self.rep, other_manager, self.all_documents):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._archive(self.customer, user=user)
        self._archive(self.customer, user=self.sales_admin)
        self.assertEqual(self.customer.profile_state, "archived")

    def test_rep_requests_and_the_team_manager_confirms(self):
        """Through the wizard a rep only requests the archiving: the team
        manager gets an activity and confirms it through the form button."""
        self._close_ticket()
        action = self.customer.with_user(self.rep).action_open_archive_wizard()
        wizard = (
            self.env["crm.archive.wizard"]
            .with_user(self.rep)
            .with_context(**action["context"])
            .create({"reason_id": self.reason.id})
        )
        self.assertFalse(wizard.can_archive)
        wizard.action_confirm()
        self.assertEqual(self.customer.profile_state, "active")
        self.assertEqual(self.customer.archive_request_reason_id, self.reason)
        self.assertEqual(self.customer.archive_requested_by_id, self.rep)
        request = self.customer.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref(f"{ADDON}.mail_activity_type_archive_request")
            )
        )
        self.assertEqual(request.user_id, self.team_manager)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.rep).action_confirm_archive_request()
        with freeze_time(ARCHIVED_ON):
            self.customer.with_user(self.team_manager).action_confirm_archive_request()
        self.assertEqual(self.customer.profile_state, "archived")
        self.assertEqual(self.customer.archive_date, ARCHIVED_ON)
        self.assertFalse(self.customer.archive_request_reason_id)
        self.assertFalse(request.exists())

    def test_team_manager_turns_a_request_down(self):
        """A request turned down leaves the customer active, without request."""
        self._close_ticket()
        self.customer.with_user(self.rep).action_request_archive(self.reason.id)
        self.customer.with_user(self.team_manager).action_reject_archive_request()
        self.assertEqual(self.customer.profile_state, "active")
        self.assertFalse(self.customer.archive_request_reason_id)
        self.assertFalse(
            self.customer.activity_ids.activity_type_id
            & self.env.ref(f"{ADDON}.mail_activity_type_archive_request")
        )

    def test_team_manager_archives_through_the_wizard(self):
        """The wizard archives at once for a team manager, on the given date."""
        self._close_ticket()
        wizard = (
            self.env["crm.archive.wizard"]
            .with_user(self.team_manager)
            .create(
                {
                    "partner_ids": [Command.set(self.customer.ids)],
                    "reason_id": self.reason.id,
                    "archive_date": date(2025, 12, 20),
                }
            )
        )
        self.assertTrue(wizard.can_archive)
        with freeze_time(ARCHIVED_ON):
            wizard.action_confirm()
        self.assertEqual(self.customer.archive_date, date(2025, 12, 20))

    def test_archived_profile_is_read_only_per_role(self):
        """Archived, the customer leaves the rep's reach; the team manager
        reads it but changes nothing under it (profile, contact, a new
        contact, the lead, the ticket); the sales admin changes it all."""
        self._close_ticket()
        self._archive(self.customer)
        customer, contact = self.customer, self.contact
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            customer.with_user(self.rep).read(["name"])
        self.assertFalse(
            self.env["res.partner"]
            .with_user(self.rep)
            .with_context(active_test=False)
            .search([("id", "in", (customer | contact).ids)])
        )
        manager = self.team_manager
        self.assertEqual(customer.with_user(manager).name, "Archive Works")
        writes = {
            "profile": lambda user: customer.with_user(user).write(
                {"main_business": "Changed"}
            ),
            "contact": lambda user: contact.with_user(user).write({"phone": "1"}),
            "new contact": lambda user: (
                self.env["res.partner"]
                .with_user(user)
                .create({"name": "New buyer", "parent_id": customer.id})
            ),
            "lead": lambda user: self.open_lead.with_user(user).write(
                {"description": "Changed"}
            ),
            "ticket": lambda user: self.ticket.with_user(user).write(
                {"root_cause": "Changed"}
            ),
            "new ticket": lambda user: (
                self.env["crm.complaint.ticket"]
                .with_user(user)
                .create({"subject": "New", "partner_id": customer.id})
            ),
        }
        for label, write in writes.items():
            with (
                self.subTest(label),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
                mute_logger("odoo.models"),
            ):
                write(manager)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.open_lead.with_user(self.rep).write({"description": "Changed"})
        for label, write in writes.items():
            with self.subTest(label), self.env.cr.savepoint():
                write(self.sales_admin)

    def test_sales_admin_reactivates_with_a_reason(self):
        """Only a sales admin reactivates, with a reason: the profile, its
        contacts come back; the dates go; the chatter tells why."""
        self._close_ticket()
        self._archive(self.customer)
        customer = self.customer
        for user in (self.rep, self.team_manager):
            with self.assertRaises(AccessError):
                customer.with_user(user).action_reactivate_profile("Back")
        with self.assertRaises(UserError):
            customer.with_user(self.sales_admin).action_reactivate_profile("  ")
        wizard = (
            self.env["crm.reactivate.wizard"]
            .with_user(self.sales_admin)
            .with_context(**customer.action_open_reactivate_wizard()["context"])
            .create({"reason": "New framework contract signed"})
        )
        wizard.action_confirm()
        self.assertEqual(wizard.partner_ids, customer)
        self.assertEqual(customer.profile_state, "active")
        self.assertTrue(customer.active)
        self.assertTrue(self.contact.active)
        self.assertFalse(customer.archive_reason_id)
        self.assertFalse(customer.archive_date)
        self.assertFalse(customer.retention_date)
        self.assertIn(
            "New framework contract signed", str(customer.message_ids.mapped("body"))
        )
        self.assertEqual(customer.with_user(self.rep).name, "Archive Works")
        with self.assertRaises(UserError):
            customer.with_user(self.sales_admin).action_reactivate_profile("Again")

    def test_archive_candidates(self):
        """A customer without contact, order or ticket for the company's delay
        is a candidate, found by the filter; a message sent to it, a new
        ticket or a new opportunity take it out. Nothing is archived."""
        Partner = self.env["res.partner"]
        candidates = [("is_archive_candidate", "=", True)]
        self.assertNotIn(self.customer, Partner.search(candidates))
        self.env.cr.execute(
            """UPDATE res_partner SET create_date = now() - interval '2 years'
                WHERE id = %(id)s;
               UPDATE mail_message SET date = now() - interval '2 years'
                WHERE model = 'res.partner' AND res_id = %(id)s;
               UPDATE crm_lead SET create_date = now() - interval '2 years',
                      date_closed = now() - interval '2 years'
                WHERE id IN %(leads)s;
               UPDATE crm_complaint_ticket
                  SET create_date = now() - interval '2 years'
                WHERE id = %(ticket)s""",
            {
                "id": self.customer.id,
                "leads": (self.open_lead.id, self.won_lead.id),
                "ticket": self.ticket.id,
            },
        )
        self.env.invalidate_all()
        self.assertIn(self.customer, Partner.search(candidates))
        self.assertNotIn(
            self.customer, Partner.search([("is_archive_candidate", "=", False)])
        )
        self.assertTrue(self.customer.is_archive_candidate)
        self.customer.message_post(
            body="Any news?", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.env.invalidate_all()
        self.assertNotIn(self.customer, Partner.search(candidates))
        self.assertEqual(self.customer.profile_state, "active")
        with self.assertRaises(UserError):
            Partner.search([("is_archive_candidate", "in", [True])])

    def test_archive_reason_counts_its_customers(self):
        """The reason lists the customers archived for it."""
        self._close_ticket()
        self._archive(self.customer)
        reason = self.reason.with_user(self.sales_admin)
        self.assertGreaterEqual(reason.customer_count, 1)
        action = reason.action_view_customers()
        self.assertIn(
            self.customer,
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(action["domain"]),
        )


@tagged("post_install", "-at_install")
class TestArchiveJsonRpc(CrmStandardProcessHttpCase):
    def test_rep_no_longer_reaches_an_archived_customer(self):
        """Over JSON-RPC, a rep no longer lists nor reads the archived
        customer they owned; the team manager reads it and cannot write it."""
        rep = new_test_user(
            self.env, login="csp_rpc_rep", groups="sales_team.group_sale_salesman"
        )
        manager = new_test_user(
            self.env, login="csp_rpc_manager", groups=TEAM_MANAGER_GROUP
        )
        team = self.env["crm.team"].create(
            {
                "name": "RPC team",
                "user_id": manager.id,
                "member_ids": [Command.link(rep.id)],
            }
        )
        with freeze_time(datetime(2025, 12, 1, 9, 0)):
            customer = self.env["res.partner"].create(
                {
                    "name": "RPC Works",
                    "is_company": True,
                    "profile_state": "active",
                    "user_id": rep.id,
                    "team_id": team.id,
                }
            )
        customer.with_user(manager).action_archive_profile(
            self.env.ref(f"{ADDON}.archive_reason_inactive").id
        )
        self.authenticate(rep.login, rep.login)
        found = self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.partner/search_read",
            {
                "model": "res.partner",
                "method": "search_read",
                "args": [[("id", "=", customer.id), ("active", "in", [True, False])]],
                "kwargs": {"fields": ["name"]},
            },
        )
        self.assertEqual(found, [])
        self.authenticate(manager.login, manager.login)
        found = self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.partner/search_read",
            {
                "model": "res.partner",
                "method": "search_read",
                "args": [[("id", "=", customer.id), ("active", "in", [True, False])]],
                "kwargs": {"fields": ["name", "archive_reason_id"]},
            },
        )
        self.assertEqual([row["name"] for row in found], ["RPC Works"])
        with self.assertRaises(Exception) as caught, mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/res.partner/write",
                {
                    "model": "res.partner",
                    "method": "write",
                    "args": [customer.ids, {"name": "Renamed"}],
                    "kwargs": {},
                },
            )
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.assertEqual(customer.name, "RPC Works")
