"""P6/P9: who reaches which complaint tickets, over the ORM and JSON-RPC."""

from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import (
    CrmStandardProcessHttpCase,
    JsonRpcMatrixMixin,
    PermissionMatrixMixin,
)
from .complaint_common import MONDAY_9, ComplaintCase

# A value for each field the SLA clock and the buttons set, none of them the
# ticket's current one.
SLA_VALUES = {
    "state": "closed",
    "sla_start_date": "2026-12-01 09:00:00",
    "response_deadline": "2026-12-31 09:00:00",
    "resolution_deadline": "2026-12-31 09:00:00",
    "sla_deadline": "2026-12-31 09:00:00",
    "sla_warning_date": "2026-12-31 09:00:00",
    "next_escalation_date": "2026-12-31 09:00:00",
    "escalation_level": 3,
    "sla_status": "breached",
    "is_waiting_customer": True,
    "paused_since": "2026-11-23 09:00:00",
    "paused_working_hours": 40.0,
    "paused_clock_hours": 40.0,
    "responded_date": "2026-11-23 09:00:00",
    "solved_date": "2026-11-23 09:00:00",
    "closed_date": "2026-11-23 09:00:00",
    "response_time": 0.5,
    "resolution_time": 0.5,
    "response_sla_met": True,
    "resolution_sla_met": True,
    "reopen_count": 2,
}
TICKETS = [
    "ticket_own",
    "ticket_other_team",
    "ticket_handled",
    "ticket_unassigned",
    "ticket_teammate",
    "ticket_owned_elsewhere",
    "ticket_outside",
]
# login -> ticket -> the operations allowed: r(ead) w(rite) c(reate a ticket
# like it, owner from the customer) u(nlink). Reps reach the tickets they own
# or handle and those of their own customers; they read, and only read, the
# unassigned intake pool (no owner, customer without owner) until they take a
# ticket with "Assign to Me"; nothing of other reps', whatever the customer.
# Handlers reach what they handle; team managers their teams' too; "All
# Documents" users everything; only sales admins delete.
#
# Changed in 18.0.1.2.0 (issue 10, row 9), with the reason of each:
# - ticket_unassigned "rwc" -> "r" for csp_rep, csp_rep_teammate and
#   csp_team_manager: the pool is read-only; writing needs taking the ticket
#   first, and a ticket created for a customer without owner has no owner
#   either, so it would be a pool ticket too (read-only: not created).
# - ticket_outside "rwc" -> "" for the same three: its customer is outside the
#   process but owned by rep_other, and so is the ticket; the old rule's
#   "customer outside the process" branch ignored ownership.
# - ticket_handled "rwc" -> "rw" for csp_rep_teammate: not the rule, the field
#   guard (c0368db, row 10): a ticket like it names rep_other's customer,
#   whom the handler may not read, so it cannot be created.
EXPECTED = {
    "csp_rep": {
        "ticket_own": "rwc",
        "ticket_other_team": "",
        "ticket_handled": "",
        "ticket_unassigned": "r",
        "ticket_teammate": "",
        "ticket_owned_elsewhere": "rw",
        "ticket_outside": "",
    },
    "csp_rep_teammate": {
        "ticket_own": "",
        "ticket_other_team": "",
        "ticket_handled": "rw",
        "ticket_unassigned": "r",
        "ticket_teammate": "rwc",
        "ticket_owned_elsewhere": "",
        "ticket_outside": "",
    },
    "csp_after_sales": {
        "ticket_own": "rwc",
        "ticket_other_team": "",
        "ticket_handled": "",
        "ticket_unassigned": "",
        "ticket_teammate": "",
        "ticket_owned_elsewhere": "",
        "ticket_outside": "",
    },
    "csp_team_manager": {
        "ticket_own": "rwc",
        "ticket_other_team": "",
        "ticket_handled": "",
        "ticket_unassigned": "r",
        "ticket_teammate": "rwc",
        "ticket_owned_elsewhere": "",
        "ticket_outside": "",
    },
    "csp_all_documents": dict.fromkeys(TICKETS, "rwc"),
    "csp_sales_admin": dict.fromkeys(TICKETS, "rwcu"),
}


class TestComplaintAccess(PermissionMatrixMixin, ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.after_sales = new_test_user(
            cls.env, "csp_after_sales", groups="base.group_user"
        )
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Beifang Steel",
                "is_company": True,
                "profile_state": "active",
                "user_id": cls.rep_other.id,
                "team_id": cls.team_north.id,
            }
        )
        unassigned_customer = cls.env["res.partner"].create(
            {"name": "Xinhai Logistics", "is_company": True, "profile_state": "active"}
        )
        cls.ticket_own = cls._ticket(handler_id=cls.after_sales.id)
        cls.ticket_other_team = cls._ticket(
            partner_id=cls.other_customer.id, handler_id=False
        )
        cls.ticket_handled = cls._ticket(
            partner_id=cls.other_customer.id, handler_id=cls.rep_teammate.id
        )
        cls.ticket_unassigned = cls._ticket(
            partner_id=unassigned_customer.id, handler_id=False
        )
        teammate_customer = cls.env["res.partner"].create(
            {
                "name": "Jiangnan Textiles",
                "is_company": True,
                "profile_state": "active",
                "user_id": cls.rep_teammate.id,
                "team_id": cls.team_east.id,
            }
        )
        cls.ticket_teammate = cls._ticket(
            partner_id=teammate_customer.id, handler_id=False
        )
        cls.ticket_owned_elsewhere = cls._ticket(
            partner_id=cls.other_customer.id, user_id=cls.rep.id, handler_id=False
        )
        outside = cls.env["res.partner"].create(
            {"name": "Walk-in buyer", "user_id": cls.rep_other.id}
        )
        cls.ticket_outside = cls._ticket(partner_id=outside.id, handler_id=False)
        cls.users_by_login = {
            user.login: user
            for user in (
                cls.rep,
                cls.rep_teammate,
                cls.after_sales,
                cls.team_manager,
                cls.all_documents,
                cls.sales_admin,
            )
        }

    def _observed(self, ticket, user):
        ticket = ticket.with_user(user)
        checks = {
            "r": lambda: ticket.read(["subject", "sla_status", "response_deadline"]),
            "w": lambda: ticket.write({"priority": "2", "root_cause": "Packing"}),
            "c": lambda: ticket.create(
                {
                    "subject": "Another complaint",
                    "partner_id": ticket.sudo().partner_id.id,
                    "handler_id": ticket.sudo().handler_id.id,
                }
            ),
            "u": lambda: ticket.unlink(),
        }
        return self._allowed_operations(checks)

    def test_permission_matrix(self):
        """Each role reads, writes, creates and deletes exactly its tickets."""
        observed = {
            login: {name: self._observed(getattr(self, name), user) for name in TICKETS}
            for login, user in self.users_by_login.items()
        }
        self.assertEqual(observed, EXPECTED)

    def test_search_finds_the_reachable_tickets_only(self):
        """Searching as each role lists the tickets it may read, no others."""
        Ticket = self.env["crm.complaint.ticket"]
        ids = {getattr(self, name).id: name for name in TICKETS}
        for login, user in self.users_by_login.items():
            with self.subTest(login=login):
                found = Ticket.with_user(user).search([("id", "in", list(ids))])
                self.assertEqual(
                    {ids[ticket.id] for ticket in found},
                    {name for name, ops in EXPECTED[login].items() if "r" in ops},
                )

    @mute_logger("odoo.models")
    def test_rep_cannot_write_another_teams_ticket(self):
        """Writing a ticket out of reach is refused and changes nothing."""
        with self.assertRaises(AccessError):
            self.ticket_other_team.with_user(self.rep).write({"priority": "2"})
        self.assertEqual(self.ticket_other_team.priority, "1")

    def test_assign_to_me_takes_a_pool_ticket_only(self):
        """ "Assign to Me" makes a salesperson the owner of a ticket of the
        unassigned pool, which they may then change; it cannot take a ticket
        that has an owner, nor serve someone who cannot read the pool."""
        ticket = self.ticket_unassigned
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            ticket.with_user(self.after_sales).action_assign_to_me()
        with self.assertRaisesRegex(UserError, "already have an owner"):
            self.ticket_own.with_user(self.sales_admin).action_assign_to_me()
        self.assertFalse(ticket.user_id)
        ticket.with_user(self.team_manager).action_assign_to_me()
        self.assertEqual(ticket.user_id, self.team_manager)
        self.assertIn(self.team_manager.partner_id, ticket.message_partner_ids)
        ticket.with_user(self.team_manager).write({"priority": "2"})
        self.assertEqual(ticket.priority, "2")
        # taken, it left the pool: another rep no longer reads it
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            ticket.with_user(self.rep).read(["subject"])

    def test_sla_fields_are_written_by_the_clock_and_buttons_only(self):
        """No role writes the SLA's own fields directly; the buttons still work.

        Only sales admins pick another policy than the matching one."""
        ticket = self.ticket_own
        before = ticket.read(list(SLA_VALUES))[0]
        for user in (self.rep, self.after_sales, self.all_documents, self.sales_admin):
            for fname, value in SLA_VALUES.items():
                with (
                    self.subTest(login=user.login, field=fname),
                    self.assertRaises(AccessError),
                    self.env.cr.savepoint(),
                    mute_logger("odoo.models"),
                ):
                    ticket.with_user(user).write({fname: value, "priority": "2"})
        self.assertEqual(ticket.read(list(SLA_VALUES))[0], before)
        self.assertEqual(ticket.priority, "1")
        # the policy is chosen by the matching; a sales admin may override it
        stricter = self.env.ref(
            "crm_standard_process.crm_complaint_sla_product_technical"
        )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            ticket.with_user(self.rep).sla_id = stricter
        ticket.with_user(self.sales_admin).sla_id = stricter
        self.assertEqual(ticket.sla_id, stricter)
        mine = ticket.with_user(self.rep)
        mine.action_start()
        mine.action_wait_customer()
        mine.action_resume()
        self.assertEqual((ticket.state, ticket.escalation_level), ("in_progress", 0))

    @mute_logger("odoo.models")
    def test_new_ticket_starts_its_clock_afresh(self):
        """A rep creates a ticket as new and on track, received now at the latest."""
        Ticket = self.env["crm.complaint.ticket"].with_user(self.rep)
        values = {"subject": "Dented box", "partner_id": self.customer.id}
        for extra in (
            {"state": "solved", "resolution": "<p>Done</p>"},
            {"sla_status": "breached"},
            {"escalation_level": 3},
            {"sla_start_date": "2026-12-31 09:00:00"},
            {"response_deadline": "2026-12-31 09:00:00"},
        ):
            with (
                self.subTest(extra=extra),
                self.assertRaises(AccessError),
                self.env.cr.savepoint(),
            ):
                Ticket.create({**values, **extra})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Ticket.with_context(default_state="closed").create(values)
        with freeze_time(MONDAY_9):
            ticket = Ticket.create(
                {**values, "state": "new", "sla_start_date": "2026-11-23 08:00:00"}
            )
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 10, 0))

    def test_handler_works_the_ticket_through(self):
        """An after-sales handler without Sales rights works their ticket through."""
        ticket = self.ticket_own.with_user(self.after_sales)
        ticket.action_start()
        ticket.action_wait_customer()
        ticket.action_resume()
        ticket.resolution = "<p>Firmware updated</p>"
        ticket.action_solve()
        self.assertEqual(ticket.state, "solved")

    def test_every_role_opens_the_ticket_views(self):
        """The list, kanban, form, search, pivot and graph views load for each role."""
        for login, user in self.users_by_login.items():
            with self.subTest(login=login):
                views = (
                    self.env["crm.complaint.ticket"]
                    .with_user(user)
                    .get_views(
                        [
                            (False, view_type)
                            for view_type in (
                                "list",
                                "kanban",
                                "form",
                                "search",
                                "pivot",
                                "graph",
                            )
                        ]
                    )
                )
                fields = views["models"]["crm.complaint.ticket"]["fields"]
                self.assertIn("sla_remaining_hours", fields)

    def test_menus_lead_each_role_to_the_tickets(self):
        """Reps find Complaints under CRM, handlers under Contacts, admins the SLAs."""

        def visible(user):
            tree = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
            menus, todo = set(), list(tree["root"]["children"])
            while todo:  # what the web client reaches from the top menus
                menu_id = todo.pop()
                menus.add(menu_id)
                todo.extend(tree[menu_id]["children"])
            return {
                name
                for name in (
                    "crm_complaint_ticket_menu",
                    "crm_complaint_ticket_menu_contacts",
                    "crm_complaint_ticket_menu_report",
                    "crm_complaint_sla_menu",
                )
                if self.env.ref(f"crm_standard_process.{name}").id in menus
            }

        self.assertEqual(
            visible(self.rep),
            {
                "crm_complaint_ticket_menu",
                "crm_complaint_ticket_menu_contacts",
                "crm_complaint_ticket_menu_report",
            },
        )
        self.assertEqual(
            visible(self.after_sales), {"crm_complaint_ticket_menu_contacts"}
        )
        self.assertIn("crm_complaint_sla_menu", visible(self.sales_admin))

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_tickets_of_another_company_stay_hidden(self):
        """Even a sales admin does not reach a company they do not work for."""
        other_company = self.env["res.company"].create({"name": "Beijing Branch"})
        ticket = self._ticket(company_id=other_company.id)
        with self.assertRaises(AccessError):
            ticket.with_user(self.sales_admin).read(["subject"])

    def test_customer_handover_moves_the_ticket_with_it(self):
        """The customer's new owner or team decides who sees its tickets; its
        standing no longer does (18.0.1.2.0): a customer leaving the process
        does not open its tickets to every rep."""
        ticket = self.ticket_teammate
        customer = ticket.partner_id
        Ticket = self.env["crm.complaint.ticket"]

        def readers():
            return {
                login
                for login, user in self.users_by_login.items()
                if Ticket.with_user(user).search([("id", "=", ticket.id)])
            }

        others = {"csp_rep_teammate", "csp_team_manager", "csp_all_documents"}
        self.assertEqual(readers(), others | {"csp_sales_admin"})
        customer.user_id = self.rep
        self.assertEqual(ticket.customer_user_id, self.rep)
        self.assertIn("csp_rep", readers())
        customer.user_id = self.rep_other
        self.assertNotIn("csp_rep", readers())
        # Until 18.0.1.2.0 a customer outside the process opened its tickets
        # to every rep; now the ticket stays its owner's (rep_teammate) and its
        # customer's owner's (rep_other), whatever the customer's standing.
        customer.profile_state = False
        self.assertNotIn("csp_rep", readers())
        self.assertIn("csp_rep_teammate", readers())
        # the team manager reaches the tickets of the customers of the team
        manager_tickets = Ticket.with_user(self.team_manager)
        elsewhere = self.ticket_other_team
        self.assertNotIn(elsewhere, manager_tickets.search([]))
        elsewhere.partner_id.team_id = self.team_east
        self.assertEqual(elsewhere.customer_team_id, self.team_east)
        self.assertIn(elsewhere, manager_tickets.search([]))
        # copied from the customer only: no one writes them on the ticket
        # (since c0368db the field guard says so: they are the process's own)
        for fname, value in (
            ("customer_user_id", False),
            ("customer_team_id", self.team_east.id),
            ("customer_in_process", False),
        ):
            with (
                self.subTest(field=fname),
                self.assertRaisesRegex(
                    AccessError, "set by the customer process itself"
                ),
                mute_logger("odoo.models"),
            ):
                ticket.with_user(self.rep_teammate).write({fname: value})
        self.assertEqual(ticket.customer_user_id, self.rep_other)

    def test_rule_domains_stay_on_the_ticket_row(self):
        """A rep's and a team manager's ticket search do not read res_partner:
        the customer's owner, team and standing are stored on the ticket."""
        Ticket = self.env["crm.complaint.ticket"]
        for user in (self.rep, self.team_manager):
            with self.subTest(login=user.login):
                sql = Ticket.with_user(user)._search([]).select()
                self.assertIn("customer_user_id", sql.code)
                self.assertNotIn("res_partner", sql.code)


@tagged("post_install", "-at_install")
class TestComplaintAccessJsonRpc(JsonRpcMatrixMixin, CrmStandardProcessHttpCase):
    """The same rules through the web client's JSON-RPC endpoint."""

    rpc_model = "crm.complaint.ticket"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.rep = new_test_user(
            env, "csp_rpc_t_rep", groups="sales_team.group_sale_salesman"
        )
        rep_other = new_test_user(
            env, "csp_rpc_t_rep_other", groups="sales_team.group_sale_salesman"
        )
        cls.after_sales = new_test_user(env, "csp_rpc_t_after_sales")
        cls.team_manager = new_test_user(
            env,
            "csp_rpc_t_team_manager",
            groups="crm_standard_process.group_sale_team_manager",
        )
        new_test_user(
            env, "csp_rpc_t_sales_admin", groups="sales_team.group_sale_manager"
        )
        Team = env["crm.team"]
        east = Team.create(
            {
                "name": "RPC East",
                "user_id": cls.team_manager.id,
                "member_ids": [Command.set(cls.rep.ids)],
            }
        )
        north = Team.create(
            {"name": "RPC North", "member_ids": [Command.set(rep_other.ids)]}
        )
        Partner = env["res.partner"]
        own = Partner.create(
            {
                "name": "RPC Huadong",
                "is_company": True,
                "profile_state": "active",
                "user_id": cls.rep.id,
                "team_id": east.id,
            }
        )
        other = Partner.create(
            {
                "name": "RPC Beifang",
                "is_company": True,
                "profile_state": "active",
                "user_id": rep_other.id,
                "team_id": north.id,
            }
        )
        Ticket = env["crm.complaint.ticket"]
        cls.tickets = {
            "own": Ticket.create({"subject": "Late", "partner_id": own.id}),
            "other_team": Ticket.create({"subject": "Noisy", "partner_id": other.id}),
            "handled": Ticket.create(
                {
                    "subject": "Firmware",
                    "partner_id": other.id,
                    "handler_id": cls.after_sales.id,
                    "lead_id": env["crm.lead"]
                    .create({"name": "Firmware upgrade", "partner_id": other.id})
                    .id,
                }
            ),
        }

    def test_matrix_over_json_rpc(self):
        """Each role reads and writes over JSON-RPC exactly what the ORM allows."""
        expected = {
            "csp_rpc_t_rep": {"own"},
            "csp_rpc_t_after_sales": {"handled"},
            "csp_rpc_t_team_manager": {"own"},
            "csp_rpc_t_sales_admin": {"own", "other_team", "handled"},
        }
        for login, reachable in expected.items():
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self._visible(self.tickets), reachable)
                self.assertEqual(
                    self._writable(self.tickets, {"root_cause": "Packing"}), reachable
                )

    def test_sla_fields_refused_over_json_rpc(self):
        """A rep cannot move a deadline or hide a breach through JSON-RPC."""
        self.authenticate("csp_rpc_t_rep", "csp_rpc_t_rep")
        own = {"own": self.tickets["own"]}
        before = own["own"].read(list(SLA_VALUES))[0]
        for fname, value in SLA_VALUES.items():
            with self.subTest(field=fname):
                self.assertEqual(self._writable(own, {fname: value}), set())
        own["own"].invalidate_recordset()
        self.assertEqual(own["own"].read(list(SLA_VALUES))[0], before)
        self._call("action_start", [own["own"].ids])
        self.assertEqual(own["own"].state, "in_progress")

    def test_handler_opens_the_form_over_json_rpc(self):
        """A handler without Sales rights loads the whole form, opportunity included."""
        self.authenticate("csp_rpc_t_after_sales", "csp_rpc_t_after_sales")
        views = self._call("get_views", [], {"views": [[False, "form"]]})
        fields = views["models"]["crm.complaint.ticket"]["fields"]
        spec = {
            name: {"fields": {"display_name": {}}}
            if field["type"] == "many2one"
            else {}
            for name, field in fields.items()
            if field["type"] not in ("one2many", "many2many")
        }
        ticket = self.tickets["handled"]
        [record] = self._call("web_read", [ticket.ids, spec])
        self.assertEqual(record["lead_id"]["display_name"], "Firmware upgrade")
        self.assertEqual(record["sla_status"], "on_track")
        self._call("action_start", [ticket.ids])
        self.assertEqual(ticket.state, "in_progress")
