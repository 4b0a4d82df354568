"""P6: SLA policies — matching, validation, companies, and edits of a policy."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools import mute_logger

from .complaint_common import ComplaintCase


class TestComplaintSlaPolicy(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Sla = cls.env["crm.complaint.sla"]
        cls.sales_policy = cls.env.ref(
            "crm_standard_process.crm_complaint_sla_sales_service"
        )

    def _policy(self, **values):
        return self.Sla.create(
            {
                "name": "High priority sales service",
                "scope": "sales_service",
                "response_hours": 1,
                "resolution_hours": 8,
                **values,
            }
        )

    def test_shipped_defaults(self):
        """2 working hours to respond; 24 or 48 round-the-clock hours to solve."""
        technical = self.env.ref(
            "crm_standard_process.crm_complaint_sla_product_technical"
        )
        fields = [
            "scope",
            "response_hours",
            "response_clock",
            "resolution_hours",
            "resolution_clock",
            "warning_percent",
        ]
        self.assertEqual(
            (self.sales_policy | technical).read(fields, load=None),
            [
                {"id": self.sales_policy.id, "scope": "sales_service"}
                | dict(zip(fields[1:], (2, "working", 24, "24x7", 75), strict=True)),
                {"id": technical.id, "scope": "product_technical"}
                | dict(zip(fields[1:], (2, "working", 48, "24x7", 75), strict=True)),
            ],
        )
        data = self.env["ir.model.data"].search(
            [
                ("model", "=", "crm.complaint.sla"),
                ("module", "=", "crm_standard_process"),
            ]
        )
        self.assertTrue(data)
        self.assertTrue(all(data.mapped("noupdate")))

    def test_most_specific_policy_wins(self):
        """A policy naming scope and priority beats one naming the scope only."""
        self._policy(priority="2", sequence=99)
        high = self._ticket(priority="2")
        medium = self._ticket(priority="1")
        self.assertEqual(high.sla_id.name, "High priority sales service")
        self.assertEqual(high.response_deadline, datetime(2026, 11, 23, 10, 0))
        self.assertEqual(medium.sla_id, self.sales_policy)

    def test_archived_policy_no_longer_matches(self):
        """Archiving a policy hands its open tickets to the next match."""
        policy = self._policy(priority="2")
        ticket = self._ticket(priority="2")
        self.assertEqual(ticket.sla_id, policy)
        with freeze_time(datetime(2026, 11, 23, 9, 5)):
            policy.action_archive()
        self.assertEqual(ticket.sla_id, self.sales_policy)
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 23, 11, 0))

    def test_new_policy_applies_to_open_tickets_only(self):
        """A new, more specific policy takes over open tickets, not finished ones."""
        open_ticket = self._ticket(priority="2")
        closed = self._ticket(priority="2", cancel_reason="Duplicate")
        closed.action_cancel()
        with freeze_time(datetime(2026, 11, 23, 9, 5)):
            policy = self._policy(priority="2")
        self.assertEqual(open_ticket.sla_id, policy)
        self.assertEqual(open_ticket.response_deadline, datetime(2026, 11, 23, 10, 0))
        self.assertEqual(closed.sla_id, self.sales_policy)
        self.assertEqual(closed.response_deadline, datetime(2026, 11, 23, 11, 0))

    def test_edited_targets_move_open_deadlines_not_reached_ones(self):
        """A longer resolution target moves open tickets; solved ones keep theirs."""
        open_ticket = self._ticket()
        solved = self._ticket(resolution="<p>Replaced</p>")
        with freeze_time(datetime(2026, 11, 23, 9, 30)):
            (open_ticket | solved).action_start()
            solved.action_solve()
        with freeze_time(datetime(2026, 11, 23, 10, 0)):
            self.sales_policy.write({"resolution_hours": 48, "response_hours": 4})
        self.assertEqual(open_ticket.resolution_deadline, datetime(2026, 11, 25, 9, 0))
        self.assertEqual(open_ticket.sla_deadline, open_ticket.resolution_deadline)
        # the response was given under the old target: its deadline stays
        self.assertEqual(open_ticket.response_deadline, datetime(2026, 11, 23, 11, 0))
        self.assertEqual(solved.resolution_deadline, datetime(2026, 11, 24, 9, 0))

    def test_policy_calendar_overrides_the_company_calendar(self):
        """A policy's own calendar counts its working hours instead."""
        early = self.env["resource.calendar"].create(
            {
                "name": "Early shift (UTC)",
                "tz": "UTC",
                "company_id": False,  # the shared policy needs a shared calendar
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": name,
                            "dayofweek": str(day),
                            "hour_from": 6,
                            "hour_to": 10,
                            "day_period": "morning",
                        },
                    )
                    for day, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri"])
                ],
            }
        )
        self.sales_policy.calendar_id = early
        ticket = self._ticket()
        # 09:00-10:00 Monday, then 06:00-07:00 Tuesday
        self.assertEqual(ticket.response_deadline, datetime(2026, 11, 24, 7, 0))

    def test_bad_targets_are_refused(self):
        """Non-positive targets, a warning outside 1-99 %, a negative delay, or
        hours past 100 days fail with a clear message."""
        bad_values = [
            {"response_hours": 0},
            {"resolution_hours": -4},
            {"warning_percent": 0},
            {"warning_percent": 100},
            {"escalate_admin_hours": -1},
            # past the reach of the clock: no deadline could be computed
            {"response_hours": 1e9},
            {"resolution_hours": 2401},
            {"escalate_admin_hours": 1e12},
        ]
        for values in bad_values:
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self._policy(**values)
            with (
                self.subTest(values=values, on="write"),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self.sales_policy.write(values)
                self.sales_policy.flush_recordset()
        self.assertEqual(
            (self.sales_policy.response_hours, self.sales_policy.warning_percent),
            (2, 75),
        )

    def test_calendar_of_another_company_is_refused(self):
        """A company's policy counts on that company's calendar only."""
        other_company = self.env["res.company"].create({"name": "Beijing Branch"})
        calendar = self.env["resource.calendar"].create(
            {"name": "Beijing hours", "company_id": other_company.id}
        )
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self._policy(company_id=self.env.company.id, calendar_id=calendar.id)

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_policies_of_another_company_stay_hidden(self):
        """Users see shared policies and those of their companies only."""
        other_company = self.env["res.company"].create({"name": "Beijing Branch"})
        theirs = self._policy(company_id=other_company.id)
        ours = self._policy(company_id=self.env.company.id)
        visible = self.Sla.with_user(self.rep).search([])
        self.assertIn(ours, visible)
        self.assertIn(self.sales_policy, visible)
        self.assertNotIn(theirs, visible)
        with self.assertRaises(AccessError):
            theirs.with_user(self.rep).read(["name"])

    @mute_logger("odoo.models")
    def test_only_sales_admins_edit_policies(self):
        """Reps and team managers read policies; sales admins change them."""
        for user in (self.rep, self.team_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.sales_policy.with_user(user).write({"response_hours": 3})
        self.sales_policy.with_user(self.sales_admin).write({"response_hours": 3})
        self.assertEqual(self.sales_policy.response_hours, 3)

    def test_policy_names_the_default_handler(self):
        """Product issues go to the after-sales colleague set on their policy,
        unless a handler is named; other scopes keep no default handler, and a
        default handler of another company is not given."""
        after_sales = new_test_user(self.env, "csp_after_sales_default")
        technical = self.env.ref(
            "crm_standard_process.crm_complaint_sla_product_technical"
        )
        technical.handler_id = after_sales
        ticket = self._ticket(scope="product_technical", handler_id=False)
        self.assertEqual(ticket.handler_id, after_sales)
        self.assertTrue(ticket.with_user(after_sales).has_access("write"))
        named = self._ticket(scope="product_technical")
        self.assertEqual(named.handler_id, self.handler)
        sales = self._ticket(handler_id=False)
        self.assertFalse(sales.handler_id)
        sales.scope = "product_technical"
        self.assertEqual(sales.handler_id, after_sales)
        with Form(self.env["crm.complaint.ticket"].with_user(self.rep)) as form:
            form.subject = "Gearbox noise"
            form.partner_id = self.customer
            self.assertFalse(form.handler_id)
            form.scope = "product_technical"
            self.assertEqual(form.handler_id, after_sales)
        branch = self.env["res.company"].create({"name": "Chengdu Branch"})
        branch_ticket = self._ticket(
            scope="product_technical", handler_id=False, company_id=branch.id
        )
        self.assertFalse(branch_ticket.handler_id)
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            self._policy(company_id=branch.id, handler_id=after_sales.id)

    def test_a_later_deadline_takes_the_status_back(self):
        """Deadlines moved later bring a breached ticket back on track at once:
        the periodic refresh only moves statuses forward."""
        strict = self._policy(priority="2")
        ticket = self._ticket(priority="2")
        self.assertEqual(ticket.sla_id, strict)
        with freeze_time(datetime(2026, 11, 23, 10, 5)):  # due at 10:00
            self.env["crm.complaint.ticket"]._cron_check_sla()
        self.assertEqual(ticket.sla_status, "breached")
        with freeze_time(datetime(2026, 11, 23, 10, 10)):
            ticket.with_user(self.rep).priority = "1"
        self.assertEqual(ticket.sla_id, self.sales_policy)
        self.assertEqual(ticket.sla_deadline, datetime(2026, 11, 23, 11, 0))
        self.assertEqual(ticket.sla_status, "on_track")
        with freeze_time(datetime(2026, 11, 23, 10, 20)):
            ticket.with_user(self.rep).priority = "2"
        self.assertEqual(ticket.sla_status, "breached")
        with freeze_time(datetime(2026, 11, 23, 10, 25)):
            strict.response_hours = 2
        self.assertEqual(ticket.sla_status, "on_track")
