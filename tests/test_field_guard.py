"""Issue 10 through the ORM: each way a rep walked around the approval and
compliance controls is closed (one test per row of the issue's table), and
each bad input gets a clear error with nothing written. The same rows over
JSON-RPC are ``test_rpc_guard``; the records are described in
``guard_common``."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

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
    TicketGuardFixture,
    forged_followup_context,
    forged_plan,
    forged_profile,
    forged_verification,
    plain_activity_values,
    ticket_values,
)
from .lead_common import LeadCase

MUTED = ("odoo.models", "odoo.addons.base.models.ir_rule")


class GuardAssertions:
    def _snapshot(self, records, fnames):
        """``fnames`` of ``records`` as stored, re-read as superuser."""
        self.env.invalidate_all()
        return records.sudo().with_context(active_test=False).read(fnames)

    def _assert_refused(self, operation, error=AccessError):
        with self.assertRaises(error), self.env.cr.savepoint(), mute_logger(*MUTED):
            operation()
            self.env.flush_all()

    def _flush_tracking(self):
        """Log the tracked changes now, as the commit would. Called first,
        it settles the fixture's pending creations, which would otherwise
        keep their records from being tracked in the test."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()


class TestCustomerFieldGuard(GuardAssertions, CustomerGuardFixture, FollowupCase):
    def test_rep_cannot_create_an_active_confirmed_numbered_profile(self):
        """Row 1: a rep's create carrying the review's fields, in the values or
        as ``default_`` context keys, is refused and creates nothing; a draft
        is still the rep's to create."""
        Partner = self.env["res.partner"].with_user(self.rep)
        values = {"name": "Forged Co", "is_company": True, "user_id": self.rep.id}
        forged = forged_profile(self.env)
        for fname in FORGED_PROFILE_KEYS:
            with self.subTest(field=fname):
                self._assert_refused(
                    lambda f=fname: Partner.with_context(
                        **{f"default_{f}": forged[f]}
                    ).create([values])
                )
                self._assert_refused(
                    lambda f=fname: Partner.create([{**values, f: forged[f]}])
                )
        self._assert_refused(
            lambda: Partner.with_context(
                **{f"default_{f}": v for f, v in forged.items()}
            ).create([values])
        )
        Partners = self.env["res.partner"].with_context(active_test=False)
        self.assertFalse(Partners.search([("name", "=", "Forged Co")]))
        self.assertFalse(Partners.search([("archive_number", "=", "B2B-2026-999")]))
        draft = Partner.with_context(default_profile_state="draft").create(values)
        [stored] = self._snapshot(draft, FORGED_PROFILE_KEYS)
        self.assertEqual(stored["profile_state"], "draft")
        self.assertFalse(stored["confirmed_grade"] or stored["archive_number"])
        self.assertFalse(stored["grade_confirmed_by_id"])

    def test_plan_approval_fields_are_the_engines_on_create_and_write(self):
        """Row 2: neither a rep nor the team manager of the team gives a
        customer a plan, its approval or the scheduler's dates, on create
        (values or context defaults) or on write; nothing is written."""
        forged = forged_plan(self.env)
        customer = self.customer_a  # the rep's, in the team manager's team
        before = self._snapshot(customer, list(forged))
        values = {
            "name": "Forged Plan Co",
            "is_company": True,
            "profile_state": "draft",
            "user_id": self.rep.id,
            "team_id": self.team_east.id,
        }
        for user in (self.rep, self.team_manager):
            Partner = self.env["res.partner"].with_user(user)
            for fname, value in forged.items():
                with self.subTest(login=user.login, field=fname):
                    self._assert_refused(
                        lambda f=fname, v=value, P=Partner: P.create([{**values, f: v}])
                    )
                    self._assert_refused(
                        lambda f=fname, v=value, P=Partner: P.with_context(
                            **{f"default_{f}": v}
                        ).create([values])
                    )
                    self._assert_refused(
                        lambda f=fname, v=value, u=user: customer.with_user(u).write(
                            {f: v}
                        )
                    )
        self.assertEqual(self._snapshot(customer, list(forged)), before)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Forged Plan Co")])
        )

    def test_rep_grade_change_on_an_active_customer_is_a_proposal(self):
        """Row 3: a rep's change of the override, the benchmark flag or the
        expected amount of an active customer only proposes a grade: the
        confirmed grade, the plan and the open follow-ups stay, nothing is
        deleted, and the reviewer is asked to confirm. When the team manager
        confirms, the plan switches and the superseded follow-ups not due yet
        are cancelled (archived, still there), which the chatter says. A team
        manager's own change on a customer of the team is confirmed at once."""
        customers = self._grade_b_customers([*PROPOSALS, "manager's own"])
        followups = {
            label: self._followups(customer, open_only=False)
            for label, customer in customers.items()
        }
        confirmation = self.env.ref(GRADE_CONFIRMATION)
        with freeze_time(TUESDAY_9):
            for label, values in PROPOSALS.items():
                customers[label].with_user(self.rep).write(values)
        self.env.invalidate_all()
        for label in PROPOSALS:
            customer, planned = customers[label], followups[label]
            with self.subTest(proposal=label):
                self.assertEqual(len(planned), 1)
                self.assertTrue(customer.grade_to_confirm)
                self.assertEqual(customer.customer_grade, PROPOSED_GRADES[label])
                self.assertEqual(customer.confirmed_grade, "b")
                self.assertEqual(customer.followup_plan_id, self.plan_b)
                self.assertEqual(customer.followup_plan_grade, "b")
                self.assertEqual(self._followups(customer, open_only=False), planned)
                self.assertEqual(planned.mapped("active"), [True])
                self.assertFalse(planned.followup_cancelled)
                asked = customer.activity_ids.filtered(
                    lambda a: a.activity_type_id == confirmation
                )
                self.assertEqual(asked.user_id, self.team_manager)

        proposed = self.env["res.partner"].concat(
            *(customers[label] for label in PROPOSALS)
        )
        with freeze_time(TUESDAY_9):
            proposed.with_user(self.team_manager).action_confirm_grade()
        self.env.invalidate_all()
        plans = {"a": self.plan_a, "c": self.plan_c}
        for label in PROPOSALS:
            customer, superseded = customers[label], followups[label]
            grade = PROPOSED_GRADES[label]
            with self.subTest(confirmed=label):
                self.assertFalse(customer.grade_to_confirm)
                self.assertEqual(customer.confirmed_grade, grade)
                self.assertEqual(customer.followup_plan_id, plans[grade])
                self.assertEqual(customer.followup_plan_grade, grade)
                self.assertTrue(superseded.exists())
                self.assertFalse(superseded.active)
                self.assertTrue(superseded.followup_cancelled)
                self.assertFalse(
                    customer.activity_ids.filtered(
                        lambda a: a.activity_type_id == confirmation
                    )
                )
                self.assertTrue(
                    any(
                        "were cancelled" in (body or "")
                        for body in customer.message_ids.mapped("body")
                    )
                )

        own = customers["manager's own"]
        with freeze_time(TUESDAY_9):
            own.with_user(self.team_manager).write(PROPOSALS["override"])
        self.env.invalidate_all()
        self.assertFalse(own.grade_to_confirm)
        self.assertEqual(
            (own.confirmed_grade, own.followup_plan_id), ("c", self.plan_c)
        )
        self.assertTrue(followups["manager's own"].followup_cancelled)

    def test_rep_cannot_stop_the_followups_by_retry_date_or_archiving(self):
        """Row 4: a rep cannot set the scheduler's retry date nor archive a
        customer in the process; a team manager of its team archives it, and
        its follow-ups and the month's compliance row stay."""
        customer = self.customer_b
        rep_view = customer.with_user(self.rep)
        followups = self._followups(customer, open_only=False)
        Compliance = self.env["crm.followup.compliance"]
        compliance_fields = ["month_date", "user_id", "required_count", "done_count"]
        compliance = Compliance.search([("partner_id", "=", customer.id)])
        self.assertTrue(compliance)
        compliance_before = compliance.read(compliance_fields)
        before = self._snapshot(customer, ["active", "followup_retry_date"])
        self._assert_refused(
            lambda: rep_view.write({"followup_retry_date": "2199-12-31"})
        )
        self._assert_refused(
            lambda: rep_view.write({"followup_retry_date": YEAR_9999}), UserError
        )
        self._assert_refused(lambda: rep_view.write({"active": False}))
        self.assertEqual(
            self._snapshot(customer, ["active", "followup_retry_date"]), before
        )

        customer.with_user(self.team_manager).write({"active": False})
        self.env.invalidate_all()
        self.assertFalse(customer.active)
        self.assertEqual(self._followups(customer, open_only=False), followups)
        self.assertEqual(
            Compliance.search([("partner_id", "=", customer.id)]).read(
                compliance_fields
            ),
            compliance_before,
        )

    def test_history_is_not_erased_by_those_it_judges(self):
        """Row 5: neither the rep nor the team manager deletes a done
        follow-up, nor deletes or rewrites the log of a done activity, the
        plan's approval note or a tracked grade change, on a customer, a lead
        or a ticket. A sales admin may, and the record's chatter then says who
        did. A rep still deletes a plain comment of their own."""
        customer = self.customer_b
        followup, history = self._build_history(customer)
        bodies = {label: str(message.body) for label, message in history.items()}

        for user in (self.rep, self.team_manager):
            with self.subTest(login=user.login, history="done follow-up"):
                self._assert_refused(
                    lambda u=user: (
                        followup.with_user(u).with_context(active_test=False).unlink()
                    )
                )
            for label, message in history.items():
                with self.subTest(login=user.login, history=label):
                    self._assert_refused(
                        lambda m=message, u=user: m.with_user(u).unlink()
                    )
                    self._assert_refused(
                        lambda m=message, u=user: m.with_user(u).write(
                            {"body": "Nothing"}
                        )
                    )
        self.assertTrue(followup.exists())
        for label, message in history.items():
            self.assertTrue(message.exists(), label)
            self.assertEqual(str(message.body), bodies[label], label)

        own_comment = customer.with_user(self.rep).message_post(
            body="Call back after the fair", message_type="comment"
        )
        own_comment.with_user(self.rep).unlink()
        self.assertFalse(own_comment.exists())

        admin = self.sales_admin
        followup.with_user(admin).with_context(active_test=False).unlink()
        history["lead: activity done"].with_user(admin).unlink()
        history["customer: plan approved note"].with_user(admin).write(
            {"body": "Corrected"}
        )
        self.assertFalse(followup.exists())
        self.assertFalse(history["lead: activity done"].exists())
        self.env.invalidate_all()
        for record, text in (
            (customer, f"{admin.name} deleted 1 follow-up(s) of the history"),
            (self.lead_rep, f"{admin.name} deleted a history entry"),
            (customer, f"{admin.name} changed a history entry"),
        ):
            with self.subTest(note=text):
                self.assertTrue(
                    any(
                        text in (body or "")
                        for body in record.message_ids.mapped("body")
                    )
                )

    def test_rep_cannot_dress_an_activity_as_a_followup(self):
        """Row 6: an activity created with the follow-up fields as
        ``default_`` context keys is refused, one key or all; nothing is
        scheduled."""
        customer = self.customer_b
        values = plain_activity_values(customer, self.plan_b, self.rep)
        forged = forged_followup_context(customer, self.plan_b)
        Activity = self.env["mail.activity"].with_user(self.rep)
        all_activities = self.env["mail.activity"].with_context(active_test=False)
        before = all_activities.search_count([])
        for key, value in forged.items():
            with self.subTest(key=key):
                self._assert_refused(
                    lambda k=key, v=value: Activity.with_context(**{k: v}).create(
                        values
                    )
                )
        self._assert_refused(lambda: Activity.with_context(**forged).create(values))
        self.assertEqual(all_activities.search_count([]), before)

    def test_verification_is_recorded_not_claimed(self):
        """Row 8: a rep cannot write who verified a profile nor when, on
        create or write; setting the method records the rep and today, and
        the chatter tracks it."""
        customer = self.customer_b
        forged = forged_verification(self.env)
        Partner = self.env["res.partner"].with_user(self.rep)
        values = {"name": "Forged Check Co", "profile_state": "draft"}
        before = self._snapshot(customer, list(forged))
        for fname, value in forged.items():
            with self.subTest(field=fname):
                self._assert_refused(
                    lambda f=fname, v=value: customer.with_user(self.rep).write({f: v})
                )
                self._assert_refused(
                    lambda f=fname, v=value: Partner.create([{**values, f: v}])
                )
                self._assert_refused(
                    lambda f=fname, v=value: Partner.with_context(
                        **{f"default_{f}": v}
                    ).create([values])
                )
        self.assertEqual(self._snapshot(customer, list(forged)), before)
        self._flush_tracking()
        with freeze_time(TUESDAY_9):
            customer.with_user(self.rep).with_context(tracking_disable=False).write(
                {"verification_method": "registry"}
            )
            self._flush_tracking()
        self.env.invalidate_all()
        self.assertEqual(customer.verified_by_id, self.rep)
        self.assertEqual(customer.verified_date, date(2026, 11, 3))
        tracked = customer.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("verified_by_id", tracked)
        self.assertIn("verified_date", tracked)

    # bad inputs

    def test_send_back_with_a_reason_that_is_no_text_is_refused(self):
        """``action_send_back(ids, {'a': 1})`` is a clear UserError; the
        profile stays under review."""
        customer = self.customer_review.with_user(self.team_manager)
        self._assert_refused(lambda: customer.action_send_back({"a": 1}), UserError)
        self.assertEqual(
            self._snapshot(customer, ["profile_state", "send_back_reason"])[0],
            {
                "id": customer.id,
                "profile_state": "to_review",
                "send_back_reason": False,
            },
        )

    def test_negative_expected_amount_is_refused(self):
        """A negative expected yearly amount is refused on write and create."""
        customer = self.customer_b.with_user(self.rep)
        self._assert_refused(
            lambda: customer.write({"expected_annual_amount": -1}), ValidationError
        )
        self._assert_refused(
            lambda: (
                self.env["res.partner"]
                .with_user(self.rep)
                .create({"name": "Negative Co", "expected_annual_amount": -5})
            ),
            ValidationError,
        )
        self.assertEqual(customer.sudo().expected_annual_amount, 200000)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Negative Co")]))

    def test_founding_date_in_the_future_is_refused(self):
        """A founding date in 9999 or merely in the future is refused."""
        customer = self.customer_b.with_user(self.rep)
        with freeze_time(TUESDAY_9):
            for value in (YEAR_9999, FUTURE_FOUNDING):
                with self.subTest(value=value):
                    self._assert_refused(
                        lambda v=value: customer.write({"founding_date": v}),
                        ValidationError,
                    )
        self.assertFalse(
            self._snapshot(customer, ["founding_date"])[0]["founding_date"]
        )

    def test_followup_deadline_in_9999_is_refused(self):
        """A rep moving their follow-up's deadline to 9999 gets a clear error."""
        followup = self._followups(self.customer_b).with_user(self.rep)
        self._assert_refused(
            lambda: followup.write({"date_deadline": YEAR_9999}), ValidationError
        )
        self.assertEqual(
            self._snapshot(followup, ["date_deadline"])[0]["date_deadline"],
            date(2026, 11, 6),
        )


class TestLeadFieldGuard(GuardAssertions, LeadCase):
    def test_rep_cannot_write_the_leads_clock_ladder_or_first_contact(self):
        """Row 7: the lead's first contact, follow-up clock, stale ladder,
        retry marker, nurture pool, grade and deadlines are refused to a rep
        on write and on create (values or context defaults); nothing is
        written."""
        lead = self._lead()
        before = self._snapshot(lead, list(LEAD_ENGINE_VALUES))
        Lead = self.env["crm.lead"].with_user(self.rep)
        values = {"name": "Forged lead", "user_id": self.rep.id}
        for fname, value in LEAD_ENGINE_VALUES.items():
            with self.subTest(field=fname):
                self._assert_refused(
                    lambda f=fname, v=value: lead.with_user(self.rep).write({f: v})
                )
                self._assert_refused(
                    lambda f=fname, v=value: Lead.create([{**values, f: v}])
                )
                self._assert_refused(
                    lambda f=fname, v=value: Lead.with_context(
                        **{f"default_{f}": v}
                    ).create([values])
                )
        self.assertEqual(self._snapshot(lead, list(LEAD_ENGINE_VALUES)), before)
        self.assertFalse(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("name", "=", "Forged lead")])
        )

    # bad inputs

    def test_next_followup_search_on_no_date_is_refused(self):
        """Searching leads by a next follow-up date that is no date is a
        clear UserError, not a ValueError."""
        Lead = self.env["crm.lead"].with_user(self.rep)
        with self.assertRaises(UserError):
            Lead.search([("next_followup_date", "=", "notadate")])

    def test_capture_date_in_year_one_is_refused(self):
        """A lead captured in year 1 is refused on create and write."""
        lead = self._lead()
        Lead = self.env["crm.lead"].with_user(self.rep)
        self._assert_refused(
            lambda: Lead.create({"name": "Ancient lead", "capture_date": YEAR_1}),
            ValidationError,
        )
        self._assert_refused(
            lambda: lead.with_user(self.rep).write({"capture_date": YEAR_1}),
            ValidationError,
        )
        self.assertEqual(
            self._snapshot(lead, ["capture_date"])[0]["capture_date"],
            datetime(2026, 11, 23, 9, 0),
        )
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Ancient lead")]))

    def test_lead_clock_in_9999_is_refused_even_to_the_engine(self):
        """A follow-up clock or nurture touch in 9999 (an OverflowError in
        the reminder maths) is refused whoever writes it."""
        lead = self._lead()
        fnames = ["followup_clock_date", "nurture_touch_date"]
        before = self._snapshot(lead, fnames)
        for fname in fnames:
            with self.subTest(field=fname):
                self._assert_refused(
                    lambda f=fname: lead.sudo().write({f: f"{YEAR_9999} 00:00:00"}),
                    ValidationError,
                )
        self.assertEqual(self._snapshot(lead, fnames), before)


class TestTicketFieldGuard(GuardAssertions, TicketGuardFixture, ComplaintCase):
    def test_rep_reaches_no_ticket_of_another_rep(self):
        """Row 9: a rep cannot read, write, reassign or cancel a ticket owned
        by another rep, whatever its customer; the rep reads the unassigned
        intake pool but changes a pool ticket only after taking it with
        "Assign to Me"."""
        Ticket = self.env["crm.complaint.ticket"].with_user(self.rep)
        fnames = ["user_id", "state", "priority"]
        for label, ticket in self.other_tickets.items():
            mine = ticket.with_user(self.rep)
            before = self._snapshot(ticket, fnames)
            with self.subTest(ticket=label):
                self._assert_refused(lambda t=mine: t.read(["subject"]))
                self._assert_refused(lambda t=mine: t.write({"user_id": self.rep.id}))
                self._assert_refused(lambda t=mine: t.write({"priority": "2"}))
                self._assert_refused(lambda t=mine: t.action_cancel())
                self._assert_refused(lambda t=mine: t.action_assign_to_me())
                self.assertNotIn(ticket, Ticket.search([]))
                self.assertEqual(self._snapshot(ticket, fnames), before)
        for label, ticket in self.pool_tickets.items():
            mine = ticket.with_user(self.rep)
            with self.subTest(pool=label):
                self.assertIn(ticket, Ticket.search([]))
                self.assertEqual(mine.read(["subject"])[0]["subject"], ticket.subject)
                self._assert_refused(lambda t=mine: t.write({"priority": "2"}))
                self._assert_refused(lambda t=mine: t.action_cancel())
                self.assertEqual(
                    self._snapshot(ticket, fnames)[0],
                    {
                        "id": ticket.id,
                        "user_id": False,
                        "state": "new",
                        "priority": "1",
                    },
                )
                mine.action_assign_to_me()
                mine.write({"priority": "2"})
                self.assertEqual((ticket.user_id, ticket.priority), (self.rep, "2"))

    def test_rep_cannot_link_a_partner_they_cannot_see(self):
        """Row 10: a lead or a ticket cannot be linked to another rep's
        customer or contact, so no e-mail, phone or address of theirs is
        copied onto the rep's record; nothing is created."""
        Lead = self.env["crm.lead"].with_user(self.rep)
        Ticket = self.env["crm.complaint.ticket"].with_user(self.rep)
        self._assert_refused(
            lambda: Lead.create(
                {"name": "Copied lead", "partner_id": self.other_buyer.id}
            )
        )
        self._assert_refused(
            lambda: Ticket.create(
                ticket_values(self.other_customer, subject="Copied ticket")
            )
        )
        self._assert_refused(
            lambda: Ticket.create(
                ticket_values(
                    self.customer,
                    subject="Copied ticket",
                    contact_id=self.other_buyer.id,
                )
            )
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

    def test_sla_start_in_year_one_or_in_the_future_is_refused(self):
        """A ticket received in year 1 or in the future is refused: no
        deadline lies in year 1, none is pushed out by a future start."""
        Ticket = self.env["crm.complaint.ticket"].with_user(self.rep)
        with freeze_time(TICKET_MONDAY_9):
            for value in (YEAR_1, "2026-12-31 09:00:00"):
                with self.subTest(sla_start_date=value):
                    self._assert_refused(
                        lambda v=value: Ticket.create(
                            ticket_values(
                                self.customer, subject="Odd start", sla_start_date=v
                            )
                        ),
                        UserError,
                    )
        self.assertFalse(
            self.env["crm.complaint.ticket"].search([("subject", "=", "Odd start")])
        )

    def test_megabyte_subject_is_refused(self):
        """A ticket subject of one megabyte is refused on create and write."""
        Ticket = self.env["crm.complaint.ticket"].with_user(self.rep)
        ticket = self._ticket()
        self._assert_refused(
            lambda: Ticket.create(ticket_values(self.customer, subject=MEGABYTE)),
            ValidationError,
        )
        self._assert_refused(
            lambda: ticket.with_user(self.rep).write({"subject": MEGABYTE}),
            ValidationError,
        )
        self.assertEqual(
            self._snapshot(ticket, ["subject"])[0]["subject"],
            "Spare parts arrived late",
        )
        self.assertFalse(
            self.env["crm.complaint.ticket"].search_count([("subject", "=", MEGABYTE)])
        )
