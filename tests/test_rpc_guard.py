"""Issue 10 over JSON-RPC, as the rep reproduced it: each row of the issue's
table is a test that logs in as the rep (or the team manager) and calls
``/web/dataset/call_kw`` like the web client, with values and ``default_``
context keys on create, on write, and on unlink of history; then re-reads the
records as superuser to check that nothing was written. The bad inputs end
in a UserError or ValidationError, never a traceback. The ORM twins are
``test_field_guard``; the records are described in ``guard_common``."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tests.common import HttpCase

from .complaint_common import MONDAY_9 as TICKET_MONDAY_9
from .complaint_common import ComplaintCase
from .followup_common import FollowupCase
from .guard_common import (
    FORGED_PROFILE_KEYS,
    FUTURE_FOUNDING,
    GRADE_CONFIRMATION,
    LEAD_ENGINE_VALUES,
    MEGABYTE,
    PROPOSALS,
    PROPOSED_GRADES,
    TUESDAY_9,
    YEAR_1,
    YEAR_9999,
    CustomerGuardFixture,
    JsonRpcGuardMixin,
    TicketGuardFixture,
    forged_followup_context,
    forged_plan,
    forged_profile,
    forged_verification,
    plain_activity_values,
    ticket_values,
)
from .lead_common import LeadCase


class RpcAssertions(JsonRpcGuardMixin):
    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _snapshot(self, records, fnames):
        """``fnames`` of ``records`` as stored, re-read as superuser."""
        self.env.invalidate_all()
        return records.sudo().with_context(active_test=False).read(fnames)

    def _flush_tracking(self):
        """Settle the fixture's pending creations, as a commit would: else
        they keep their records from being tracked in the test."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()

    def _bodies(self, record):
        self.env.invalidate_all()
        return [str(body or "") for body in record.sudo().message_ids.mapped("body")]


@tagged("post_install", "-at_install")
class TestCustomerGuardJsonRpc(
    RpcAssertions, CustomerGuardFixture, FollowupCase, HttpCase
):
    def test_rep_cannot_create_an_active_confirmed_numbered_profile_over_json_rpc(
        self,
    ):
        """Row 1: ``res.partner.create`` with the review's fields as
        ``default_`` context keys (or values) is refused; a draft is not."""
        self._login(self.rep)
        values = {"name": "Forged Co", "is_company": True, "user_id": self.rep.id}
        forged = forged_profile(self.env)
        for fname in FORGED_PROFILE_KEYS:
            with self.subTest(field=fname):
                self._assert_rpc_refused(
                    "res.partner",
                    "create",
                    [[values]],
                    {"context": {f"default_{fname}": forged[fname]}},
                )
                self._assert_rpc_refused(
                    "res.partner", "create", [[{**values, fname: forged[fname]}]]
                )
        self._assert_rpc_refused(
            "res.partner",
            "create",
            [[values]],
            {"context": {f"default_{f}": v for f, v in forged.items()}},
        )
        Partners = self.env["res.partner"].with_context(active_test=False)
        self.assertFalse(Partners.search([("name", "=", "Forged Co")]))
        self.assertFalse(Partners.search([("archive_number", "=", "B2B-2026-999")]))
        [draft_id] = self._rpc(
            "res.partner",
            "create",
            [[values]],
            {"context": {"default_profile_state": "draft"}},
        )
        [stored] = self._snapshot(Partners.browse(draft_id), FORGED_PROFILE_KEYS)
        self.assertEqual(stored["profile_state"], "draft")
        self.assertFalse(stored["confirmed_grade"] or stored["archive_number"])
        self.assertFalse(stored["grade_confirmed_by_id"])

    def test_plan_approval_fields_are_the_engines_over_json_rpc(self):
        """Row 2: the plan, its approval and the scheduler's dates are
        refused to the rep and to the team manager, on create (values or
        context defaults) and on write."""
        forged = forged_plan(self.env)
        customer = self.customer_a
        before = self._snapshot(customer, list(forged))
        values = {
            "name": "Forged Plan Co",
            "is_company": True,
            "profile_state": "draft",
            "user_id": self.rep.id,
            "team_id": self.team_east.id,
        }
        for user in (self.rep, self.team_manager):
            self._login(user)
            for fname, value in forged.items():
                with self.subTest(login=user.login, field=fname):
                    self._assert_rpc_refused(
                        "res.partner", "create", [[{**values, fname: value}]]
                    )
                    self._assert_rpc_refused(
                        "res.partner",
                        "create",
                        [[values]],
                        {"context": {f"default_{fname}": value}},
                    )
                    self._assert_rpc_refused(
                        "res.partner", "write", [customer.ids, {fname: value}]
                    )
        self.assertEqual(self._snapshot(customer, list(forged)), before)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Forged Plan Co")])
        )

    def test_rep_grade_change_is_a_proposal_until_confirmed_over_json_rpc(self):
        """Row 3: the rep's write of the override, benchmark flag or amount
        of an active customer proposes a grade (nothing moves, nothing is
        deleted, the team manager is asked); the team manager's
        ``action_confirm_grade`` switches the plan and cancels the superseded
        follow-ups, which stay; the team manager's own change is confirmed at
        once."""
        customers = self._grade_b_customers([*PROPOSALS, "manager's own"])
        followups = {
            label: self._followups(customer, open_only=False)
            for label, customer in customers.items()
        }
        confirmation = self.env.ref(GRADE_CONFIRMATION)
        with freeze_time(TUESDAY_9):
            self._login(self.rep)
            for label, values in PROPOSALS.items():
                self._rpc("res.partner", "write", [customers[label].ids, values])
        self.env.invalidate_all()
        for label in PROPOSALS:
            customer, planned = customers[label], followups[label]
            with self.subTest(proposal=label):
                self.assertTrue(customer.grade_to_confirm)
                self.assertEqual(customer.customer_grade, PROPOSED_GRADES[label])
                self.assertEqual(customer.confirmed_grade, "b")
                self.assertEqual(customer.followup_plan_id, self.plan_b)
                self.assertEqual(customer.followup_plan_grade, "b")
                self.assertEqual(self._followups(customer, open_only=False), planned)
                self.assertEqual(planned.mapped("active"), [True])
                asked = customer.activity_ids.filtered(
                    lambda a: a.activity_type_id == confirmation
                )
                self.assertEqual(asked.user_id, self.team_manager)

        proposed = [customers[label].id for label in PROPOSALS]
        with freeze_time(TUESDAY_9):
            self._login(self.team_manager)
            self._rpc("res.partner", "action_confirm_grade", [proposed])
            self._rpc(
                "res.partner",
                "write",
                [customers["manager's own"].ids, PROPOSALS["override"]],
            )
        self.env.invalidate_all()
        plans = {"a": self.plan_a, "c": self.plan_c}
        grades = {**PROPOSED_GRADES, "manager's own": "c"}
        for label, customer in customers.items():
            superseded, grade = followups[label], grades[label]
            with self.subTest(confirmed=label):
                self.assertFalse(customer.grade_to_confirm)
                self.assertEqual(customer.confirmed_grade, grade)
                self.assertEqual(customer.followup_plan_id, plans[grade])
                self.assertTrue(superseded.exists())
                self.assertFalse(superseded.active)
                self.assertTrue(superseded.followup_cancelled)
                self.assertTrue(
                    any("were cancelled" in body for body in self._bodies(customer))
                )

    def test_rep_cannot_stop_the_followups_over_json_rpc(self):
        """Row 4: the retry date and archiving are refused to the rep; the
        team manager archives, and the follow-ups and the month's compliance
        row stay."""
        customer = self.customer_b
        followups = self._followups(customer, open_only=False)
        Compliance = self.env["crm.followup.compliance"]
        compliance_fields = ["month_date", "user_id", "required_count", "done_count"]
        compliance_before = Compliance.search([("partner_id", "=", customer.id)]).read(
            compliance_fields
        )
        self.assertTrue(compliance_before)
        before = self._snapshot(customer, ["active", "followup_retry_date"])
        self._login(self.rep)
        self._assert_rpc_refused(
            "res.partner",
            "write",
            [customer.ids, {"followup_retry_date": "2199-12-31"}],
        )
        self._assert_rpc_bad_input(
            "res.partner", "write", [customer.ids, {"followup_retry_date": YEAR_9999}]
        )
        self._assert_rpc_refused(
            "res.partner", "write", [customer.ids, {"active": False}]
        )
        self.assertEqual(
            self._snapshot(customer, ["active", "followup_retry_date"]), before
        )

        self._login(self.team_manager)
        self._rpc("res.partner", "write", [customer.ids, {"active": False}])
        self.env.invalidate_all()
        self.assertFalse(customer.active)
        self.assertEqual(self._followups(customer, open_only=False), followups)
        self.assertEqual(
            Compliance.search([("partner_id", "=", customer.id)]).read(
                compliance_fields
            ),
            compliance_before,
        )

    def test_history_is_not_erased_over_json_rpc(self):
        """Row 5: the rep and the team manager cannot unlink a done follow-up
        (``active_test=False``), nor unlink or rewrite the done log, the plan
        approval note or a tracked grade change on a customer, nor the
        activity log or tracking on a lead or a ticket. A sales admin can,
        and the chatter records who did. A rep deletes their own comment."""
        customer = self.customer_b
        followup, history = self._build_history(customer)
        bodies = {label: str(message.body) for label, message in history.items()}

        for user in (self.rep, self.team_manager):
            self._login(user)
            with self.subTest(login=user.login, history="done follow-up"):
                self._assert_rpc_refused(
                    "mail.activity",
                    "unlink",
                    [followup.ids],
                    {"context": {"active_test": False}},
                )
            for label, message in history.items():
                with self.subTest(login=user.login, history=label):
                    self._assert_rpc_refused("mail.message", "unlink", [message.ids])
                    self._assert_rpc_refused(
                        "mail.message", "write", [message.ids, {"body": "Nothing"}]
                    )
        self.env.invalidate_all()
        self.assertTrue(followup.exists())
        for label, message in history.items():
            self.assertTrue(message.exists(), label)
            self.assertEqual(str(message.body), bodies[label], label)

        own_comment = customer.with_user(self.rep).message_post(
            body="Call back after the fair", message_type="comment"
        )
        self._login(self.rep)
        self._rpc("mail.message", "unlink", [own_comment.ids])
        self.assertFalse(own_comment.exists())

        admin = self.sales_admin
        self._login(admin)
        self._rpc(
            "mail.activity",
            "unlink",
            [followup.ids],
            {"context": {"active_test": False}},
        )
        self._rpc("mail.message", "unlink", [history["lead: activity done"].ids])
        self._rpc(
            "mail.message",
            "write",
            [history["customer: plan approved note"].ids, {"body": "Corrected"}],
        )
        self.env.invalidate_all()
        self.assertFalse(followup.exists())
        self.assertFalse(history["lead: activity done"].exists())
        for record, text in (
            (customer, f"{admin.name} deleted 1 follow-up(s) of the history"),
            (self.lead_rep, f"{admin.name} deleted a history entry"),
            (customer, f"{admin.name} changed a history entry"),
        ):
            with self.subTest(note=text):
                self.assertTrue(any(text in body for body in self._bodies(record)))

    def test_rep_cannot_dress_an_activity_as_a_followup_over_json_rpc(self):
        """Row 6: ``mail.activity.create`` with the follow-up fields as
        ``default_`` context keys is refused, one key or all; nothing is
        scheduled."""
        customer = self.customer_b
        values = plain_activity_values(customer, self.plan_b, self.rep)
        forged = forged_followup_context(customer, self.plan_b)
        all_activities = self.env["mail.activity"].with_context(active_test=False)
        before = all_activities.search_count([])
        self._login(self.rep)
        for key, value in forged.items():
            with self.subTest(key=key):
                self._assert_rpc_refused(
                    "mail.activity", "create", [[values]], {"context": {key: value}}
                )
        self._assert_rpc_refused(
            "mail.activity", "create", [[values]], {"context": forged}
        )
        self.env.invalidate_all()
        self.assertEqual(all_activities.search_count([]), before)

    def test_verification_is_recorded_not_claimed_over_json_rpc(self):
        """Row 8: who verified and when are refused to the rep on write and
        create; setting the method records the rep and today, tracked."""
        customer = self.customer_b
        forged = forged_verification(self.env)
        values = {"name": "Forged Check Co", "profile_state": "draft"}
        before = self._snapshot(customer, list(forged))
        self._flush_tracking()
        self._login(self.rep)
        for fname, value in forged.items():
            with self.subTest(field=fname):
                self._assert_rpc_refused(
                    "res.partner", "write", [customer.ids, {fname: value}]
                )
                self._assert_rpc_refused(
                    "res.partner", "create", [[{**values, fname: value}]]
                )
                self._assert_rpc_refused(
                    "res.partner",
                    "create",
                    [[values]],
                    {"context": {f"default_{fname}": value}},
                )
        self.assertEqual(self._snapshot(customer, list(forged)), before)
        with freeze_time(TUESDAY_9):
            self._login(self.rep)
            self._rpc(
                "res.partner",
                "write",
                [customer.ids, {"verification_method": "registry"}],
            )
        self.env.invalidate_all()
        self.assertEqual(customer.verified_by_id, self.rep)
        self.assertEqual(customer.verified_date, date(2026, 11, 3))
        tracked = customer.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("verified_by_id", tracked)
        self.assertIn("verified_date", tracked)

    # bad inputs

    def test_send_back_with_a_reason_that_is_no_text_over_json_rpc(self):
        """``action_send_back(ids, {'a': 1})`` is a UserError, not an
        AttributeError; the profile stays under review."""
        customer = self.customer_review
        self._login(self.team_manager)
        self._assert_rpc_bad_input(
            "res.partner", "action_send_back", [customer.ids, {"a": 1}]
        )
        [stored] = self._snapshot(customer, ["profile_state", "send_back_reason"])
        self.assertEqual(stored["profile_state"], "to_review")
        self.assertFalse(stored["send_back_reason"])

    def test_negative_amount_and_odd_founding_dates_over_json_rpc(self):
        """A negative expected amount, a founding date in 9999 or in the
        future: each a ValidationError, nothing written."""
        customer = self.customer_b
        fnames = ["expected_annual_amount", "founding_date"]
        before = self._snapshot(customer, fnames)
        with freeze_time(TUESDAY_9):
            self._login(self.rep)
            for values in (
                {"expected_annual_amount": -1},
                {"founding_date": YEAR_9999},
                {"founding_date": FUTURE_FOUNDING.isoformat()},
            ):
                with self.subTest(values=values):
                    self._assert_rpc_bad_input(
                        "res.partner", "write", [customer.ids, values]
                    )
            self._assert_rpc_bad_input(
                "res.partner",
                "create",
                [[{"name": "Negative Co", "expected_annual_amount": -5}]],
            )
        self.assertEqual(self._snapshot(customer, fnames), before)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Negative Co")]))

    def test_followup_deadline_in_9999_over_json_rpc(self):
        """A follow-up's deadline in 9999 is a ValidationError."""
        followup = self._followups(self.customer_b)
        self._login(self.rep)
        self._assert_rpc_bad_input(
            "mail.activity", "write", [followup.ids, {"date_deadline": YEAR_9999}]
        )
        self.assertEqual(
            self._snapshot(followup, ["date_deadline"])[0]["date_deadline"],
            date(2026, 11, 6),
        )


@tagged("post_install", "-at_install")
class TestLeadGuardJsonRpc(RpcAssertions, LeadCase, HttpCase):
    def test_rep_cannot_write_the_leads_clock_over_json_rpc(self):
        """Row 7: ``crm.lead`` write and create of the first contact, the
        follow-up clock, the stale ladder, the retry marker, the nurture
        pool, the grade and the deadlines are refused; nothing is written."""
        lead = self._lead()
        before = self._snapshot(lead, list(LEAD_ENGINE_VALUES))
        values = {"name": "Forged lead", "user_id": self.rep.id}
        self._login(self.rep)
        for fname, value in LEAD_ENGINE_VALUES.items():
            with self.subTest(field=fname):
                self._assert_rpc_refused(
                    "crm.lead", "write", [lead.ids, {fname: value}]
                )
                self._assert_rpc_refused(
                    "crm.lead", "create", [[{**values, fname: value}]]
                )
                self._assert_rpc_refused(
                    "crm.lead",
                    "create",
                    [[values]],
                    {"context": {f"default_{fname}": value}},
                )
        self.assertEqual(self._snapshot(lead, list(LEAD_ENGINE_VALUES)), before)
        self.assertFalse(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("name", "=", "Forged lead")])
        )

    # bad inputs

    def test_next_followup_search_on_no_date_over_json_rpc(self):
        """``search([('next_followup_date', '=', 'notadate')])`` is a
        UserError, not a ValueError."""
        self._login(self.rep)
        self._assert_rpc_bad_input(
            "crm.lead", "search", [[["next_followup_date", "=", "notadate"]]]
        )

    def test_lead_clock_in_9999_over_json_rpc(self):
        """A follow-up clock or nurture touch in 9999 (an OverflowError in
        the reminder maths) is a ValidationError before anything else."""
        lead = self._lead()
        fnames = ["followup_clock_date", "nurture_touch_date"]
        before = self._snapshot(lead, fnames)
        self._login(self.rep)
        for fname in fnames:
            with self.subTest(field=fname):
                self._assert_rpc_bad_input(
                    "crm.lead", "write", [lead.ids, {fname: f"{YEAR_9999} 00:00:00"}]
                )
        self.assertEqual(self._snapshot(lead, fnames), before)

    def test_capture_date_in_year_one_over_json_rpc(self):
        """A lead captured in year 1 is a ValidationError on create and write."""
        lead = self._lead()
        self._login(self.rep)
        self._assert_rpc_bad_input(
            "crm.lead", "create", [[{"name": "Ancient lead", "capture_date": YEAR_1}]]
        )
        self._assert_rpc_bad_input(
            "crm.lead", "write", [lead.ids, {"capture_date": YEAR_1}]
        )
        self.assertEqual(
            self._snapshot(lead, ["capture_date"])[0]["capture_date"],
            datetime(2026, 11, 23, 9, 0),
        )
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Ancient lead")]))


@tagged("post_install", "-at_install")
class TestTicketGuardJsonRpc(
    RpcAssertions, TicketGuardFixture, ComplaintCase, HttpCase
):
    def test_rep_reaches_no_ticket_of_another_rep_over_json_rpc(self):
        """Row 9: another rep's ticket, whatever its customer, is neither
        read, written, reassigned, cancelled nor taken by the rep; the
        unassigned pool is read, and written once taken with
        ``action_assign_to_me``."""
        fnames = ["user_id", "state", "priority"]
        self._login(self.rep)
        for label, ticket in self.other_tickets.items():
            before = self._snapshot(ticket, fnames)
            with self.subTest(ticket=label):
                self.rpc_model = "crm.complaint.ticket"
                self.assertFalse(self._visible({label: ticket}))
                for method, args in (
                    ("read", [ticket.ids, ["subject"]]),
                    ("write", [ticket.ids, {"user_id": self.rep.id}]),
                    ("write", [ticket.ids, {"priority": "2"}]),
                    ("action_cancel", [ticket.ids]),
                    ("action_assign_to_me", [ticket.ids]),
                ):
                    self._assert_rpc_refused("crm.complaint.ticket", method, args)
                self.assertEqual(self._snapshot(ticket, fnames), before)
        for label, ticket in self.pool_tickets.items():
            with self.subTest(pool=label):
                self.rpc_model = "crm.complaint.ticket"
                self.assertEqual(self._visible({label: ticket}), {label})
                [row] = self._rpc(
                    "crm.complaint.ticket", "read", [ticket.ids, ["subject"]]
                )
                self.assertEqual(row["subject"], "Spare parts arrived late")
                self._assert_rpc_refused(
                    "crm.complaint.ticket", "write", [ticket.ids, {"priority": "2"}]
                )
                self._assert_rpc_refused(
                    "crm.complaint.ticket", "action_cancel", [ticket.ids]
                )
                self.assertEqual(
                    self._snapshot(ticket, fnames)[0],
                    {
                        "id": ticket.id,
                        "user_id": False,
                        "state": "new",
                        "priority": "1",
                    },
                )
                self._rpc("crm.complaint.ticket", "action_assign_to_me", [ticket.ids])
                self._rpc(
                    "crm.complaint.ticket", "write", [ticket.ids, {"priority": "2"}]
                )
                self.env.invalidate_all()
                self.assertEqual((ticket.user_id, ticket.priority), (self.rep, "2"))

    def test_rep_cannot_link_a_partner_they_cannot_see_over_json_rpc(self):
        """Row 10: ``crm.lead.create`` naming another rep's contact, and a
        complaint naming another rep's customer or contact, are refused: no
        e-mail, phone or address of theirs reaches the rep's record."""
        self._login(self.rep)
        self._assert_rpc_refused(
            "crm.lead",
            "create",
            [[{"name": "Copied lead", "partner_id": self.other_buyer.id}]],
        )
        self._assert_rpc_refused(
            "crm.complaint.ticket",
            "create",
            [[ticket_values(self.other_customer, subject="Copied ticket")]],
        )
        self._assert_rpc_refused(
            "crm.complaint.ticket",
            "create",
            [
                [
                    ticket_values(
                        self.customer,
                        subject="Copied ticket",
                        contact_id=self.other_buyer.id,
                    )
                ]
            ],
        )
        self.assertFalse(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("name", "=", "Copied lead")])
        )
        self.assertFalse(
            self.env["crm.complaint.ticket"].search([("subject", "=", "Copied ticket")])
        )

    # bad inputs

    def test_sla_start_in_year_one_or_in_the_future_over_json_rpc(self):
        """A ticket received in year 1 is a ValidationError; one received in
        the future is refused too (the clock starts now or earlier)."""
        with freeze_time(TICKET_MONDAY_9):
            self._login(self.rep)
            for value, error in (
                (YEAR_1, "ValidationError"),
                ("2026-12-31 09:00:00", "AccessError"),
            ):
                with self.subTest(sla_start_date=value):
                    self._assert_rpc_refused(
                        "crm.complaint.ticket",
                        "create",
                        [
                            [
                                ticket_values(
                                    self.customer,
                                    subject="Odd start",
                                    sla_start_date=value,
                                )
                            ]
                        ],
                        errors=(error,),
                    )
        self.assertFalse(
            self.env["crm.complaint.ticket"].search([("subject", "=", "Odd start")])
        )

    def test_megabyte_subject_over_json_rpc(self):
        """A one-megabyte ticket subject is a ValidationError on create and
        write."""
        ticket = self._ticket()
        self._login(self.rep)
        self._assert_rpc_bad_input(
            "crm.complaint.ticket",
            "create",
            [[ticket_values(self.customer, subject=MEGABYTE)]],
        )
        self._assert_rpc_bad_input(
            "crm.complaint.ticket", "write", [ticket.ids, {"subject": MEGABYTE}]
        )
        self.assertEqual(
            self._snapshot(ticket, ["subject"])[0]["subject"],
            "Spare parts arrived late",
        )
        self.assertFalse(
            self.env["crm.complaint.ticket"].search_count([("subject", "=", MEGABYTE)])
        )
