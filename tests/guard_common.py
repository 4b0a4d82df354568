"""Issue 10's walk-arounds, written once for the ORM tests (``test_field_guard``)
and the JSON-RPC ones (``test_rpc_guard``): what a rep sent to get round the
approval and compliance controls, and the records it is tried on.

The fixtures are the areas' own (``FollowupCase``, ``LeadCase``,
``ComplaintCase``) with a few records more::

    FollowupCase (team_east: rep, rep_teammate, led by team_manager;
                  team_north: rep_other, led by sales_admin)
      customer_review   grade B, owner rep, to review (the send-back)
      north_buyer       contact of customer_north (rep_other's), with an
                        e-mail, a phone and an address a rep must not copy
    ComplaintCase (customer: active, owner rep, team_east)
      other_customer    active, owner rep_other, team_north; other_buyer
      outside_customer  outside the process, owner rep_other
      nobodys_outside   outside the process, no owner
      pool_customer     active, no owner
      ticket_other            owner rep_other, customer other_customer
      ticket_other_outside    owner rep_other, customer outside_customer
      ticket_other_nobodys    owner rep_other, customer nobodys_outside
      ticket_pool             no owner, customer pool_customer (intake pool)
      ticket_pool_outside     no owner, customer nobodys_outside (intake pool)
"""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import ADDON, JsonRpcMatrixMixin

# Row 3: the rep writes on Tuesday 3 November, before the first follow-up of
# each customer falls due (Friday 6 November).
TUESDAY_9 = datetime(2026, 11, 3, 9, 0)
GRADE_CONFIRMATION = f"{ADDON}.mail_activity_type_grade_confirmation"

# Row 1: a customer created active, its grade "confirmed" by the admin, with
# a number of the archive's sequence.
FORGED_PROFILE_KEYS = (
    "profile_state",
    "confirmed_grade",
    "archive_number",
    "grade_confirmed_by_id",
)


def forged_profile(env):
    return {
        "profile_state": "active",
        "confirmed_grade": "a",
        "archive_number": "B2B-2026-999",
        "grade_confirmed_by_id": env.ref("base.user_admin").id,
    }


# Row 2: the approval of a follow-up plan, and the scheduler's own dates.
def forged_plan(env):
    return {
        "followup_plan_id": env.ref(f"{ADDON}.crm_followup_plan_grade_c").id,
        "followup_plan_grade": "c",
        "followup_plan_approved_by_id": env.ref("base.user_admin").id,
        "followup_plan_approved_date": "2026-11-02 09:00:00",
        # a sane date: 9999-12-31 is refused as a date already (bad inputs)
        "followup_retry_date": "2199-12-31",
        "next_followup_date": "2026-12-31",
    }


# Row 3: the grade inputs a rep changes, and the grade each proposes for a
# grade-B customer (200,000 a year).
PROPOSALS = {
    "override": {"grade_override": "c", "grade_override_reason": "Budget frozen"},
    "benchmark": {"is_industry_benchmark": True},
    "amount": {"expected_annual_amount": 50000},
}
PROPOSED_GRADES = {"override": "c", "benchmark": "a", "amount": "c"}


# Row 6: an activity posing as a follow-up of the customer's plan.
def forged_followup_context(customer, plan):
    return {
        "default_followup_partner_id": customer.id,
        "default_followup_plan_id": plan.id,
        "default_followup_slot_date": "2026-11-09",
        "default_followup_due_date": "2026-11-13",
    }


def plain_activity_values(customer, plan, user):
    """An ordinary activity on ``customer``: what the forged context dresses up."""
    return {
        "res_model_id": customer.env["ir.model"]._get_id("res.partner"),
        "res_id": customer.id,
        "activity_type_id": plan.activity_type_id.id,
        "user_id": user.id,
        "summary": "Weekly call",
    }


# Row 7: the lead's clock, stale ladder, nurture pool, grade and first contact.
LEAD_ENGINE_VALUES = {
    "first_contact_date": "2026-11-23 09:30:00",
    "stale_step": "pool",
    "reminder_retry_date": "2199-12-31 00:00:00",
    "last_followup_date": "2026-11-23 09:30:00",
    "followup_clock_date": "2026-11-23 09:30:00",
    "in_nurture_pool": True,
    "stale_due_date": "2199-12-31 00:00:00",
    "customer_grade": "a",
    "first_contact_deadline": "2199-12-31 00:00:00",
}


# Row 8: a verification claimed in another user's name.
def forged_verification(env):
    return {
        "verified_by_id": env.ref("base.user_admin").id,
        "verified_date": "2026-11-01",
    }


# Bad inputs: one megabyte of subject, dates out of any process.
MEGABYTE = "x" * 1024 * 1024
YEAR_1 = "0001-01-01 09:00:00"
YEAR_9999 = "9999-12-31"
FUTURE_FOUNDING = date(2027, 1, 1)


class CustomerGuardFixture:
    """Mixed into a ``FollowupCase``: the records the customer rows need."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_review = cls._customer(
            "Donghai Chemicals", 200000, cls.rep, cls.team_east
        )
        cls.north_buyer = cls.env["res.partner"].create(
            {
                "name": "Zhao Lei",
                "parent_id": cls.customer_north.id,
                "email": "zhao.lei@beifang-steel.example.com",
                "phone": "+86 10 5555 0101",
                "street": "1 Steelworks Road",
            }
        )

    def _grade_b_customers(self, labels):
        """Fresh grade-B customers of the rep, activated on Monday 2
        November by the team manager (plan B, a follow-up due Friday 6)."""
        customers = {
            label: self._customer(f"Proposal {label}", 200000, self.rep, self.team_east)
            for label in labels
        }
        self._activate(
            self.env["res.partner"].concat(*customers.values()), self.team_manager
        )
        return customers

    def _build_history(self, customer):
        """The process's history of ``customer``, a lead and a ticket, each
        entry exactly once: the rep's done follow-up and its log, the plan
        approval note, a tracked grade change (on customer A), done activity
        logs on the lead and the ticket, and the ticket's tracked state.
        Returns (done follow-up, {label: message})."""
        followup = self._followups(customer)
        with self.with_user(self.rep.login):
            self._log(followup, datetime(2026, 11, 6, 10, 0), feedback="Called")
        self.assertFalse(followup.active)
        ticket = self.env["crm.complaint.ticket"].create(ticket_values(customer))
        self._flush_tracking()
        self.customer_a.with_user(self.team_manager).with_context(
            tracking_disable=False
        ).write(PROPOSALS["override"])
        ticket.with_user(self.rep).with_context(tracking_disable=False).action_start()
        with freeze_time(datetime(2026, 11, 6, 11, 0)):
            for record in (self.lead_rep, ticket):
                record.with_user(self.rep).activity_schedule(
                    "mail.mail_activity_data_call", user_id=self.rep.id
                ).action_feedback(feedback="Called the buyer")
        self._flush_tracking()
        history = {
            f"customer: {label}": message
            for label, message in self._history_of(customer).items()
        }
        history["customer: grade changed"] = self.customer_a.message_ids.filtered(
            lambda m: "customer_grade" in m.tracking_value_ids.field_id.mapped("name")
        )
        for label, record in (("lead", self.lead_rep), ("ticket", ticket)):
            history[f"{label}: activity done"] = record.message_ids.filtered(
                "mail_activity_type_id"
            )
        history["ticket: state tracked"] = ticket.message_ids.filtered(
            "tracking_value_ids"
        )
        for label, message in history.items():
            self.assertEqual(len(message), 1, label)
        return followup, history

    def _history_of(self, customer):
        """The process's history on ``customer``: the log of its done
        follow-up and the note of its plan's approval."""
        messages = customer.sudo().message_ids
        return {
            "done follow-up log": messages.filtered("mail_activity_type_id")[:1],
            "plan approved note": messages.filtered(
                lambda m: "approved by" in (m.body or "")
            )[:1],
        }


class TicketGuardFixture:
    """Mixed into a ``ComplaintCase``: other reps' tickets and the pool."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.other_customer = Partner.create(
            {
                "name": "Beifang Steel",
                "is_company": True,
                "profile_state": "active",
                "user_id": cls.rep_other.id,
                "team_id": cls.team_north.id,
            }
        )
        cls.other_buyer = Partner.create(
            {
                "name": "Zhao Lei",
                "parent_id": cls.other_customer.id,
                "email": "zhao.lei@beifang-steel.example.com",
                "phone": "+86 10 5555 0101",
                "street": "1 Steelworks Road",
            }
        )
        cls.outside_customer = Partner.create(
            {"name": "Walk-in buyer", "user_id": cls.rep_other.id}
        )
        cls.nobodys_outside = Partner.create({"name": "Anonymous caller"})
        cls.pool_customer = Partner.create(
            {"name": "Xinhai Logistics", "is_company": True, "profile_state": "active"}
        )
        cls.ticket_other = cls._ticket(
            partner_id=cls.other_customer.id, handler_id=False
        )
        cls.ticket_other_outside = cls._ticket(
            partner_id=cls.outside_customer.id, handler_id=False
        )
        cls.ticket_other_nobodys = cls._ticket(
            partner_id=cls.nobodys_outside.id,
            user_id=cls.rep_other.id,
            handler_id=False,
        )
        cls.ticket_pool = cls._ticket(partner_id=cls.pool_customer.id, handler_id=False)
        cls.ticket_pool_outside = cls._ticket(
            partner_id=cls.nobodys_outside.id, handler_id=False
        )
        others = cls.ticket_other | cls.ticket_other_outside | cls.ticket_other_nobodys
        others.write({"cancel_reason": "Duplicate"})
        (cls.ticket_pool | cls.ticket_pool_outside).write({"cancel_reason": "Spam"})
        cls.other_tickets = {
            "customer of another rep": cls.ticket_other,
            "another rep's customer outside the process": cls.ticket_other_outside,
            "nobody's customer outside the process": cls.ticket_other_nobodys,
        }
        cls.pool_tickets = {
            "customer in the process": cls.ticket_pool,
            "customer outside the process": cls.ticket_pool_outside,
        }


def ticket_values(customer, **values):
    return {"subject": "Spare parts arrived late", "partner_id": customer.id, **values}


class JsonRpcGuardMixin(JsonRpcMatrixMixin):
    """Calls on any model through ``/web/dataset/call_kw`` as the logged-in
    user, and the refusals they end in."""

    def _rpc(self, model, method, args, kwargs=None):
        self.rpc_model = model
        return self._call(method, args, kwargs)

    def _assert_rpc_refused(self, model, method, args, kwargs=None, errors=None):
        """The call ends in one of ``errors`` (exception class names; an
        AccessError by default), not a traceback nor a success."""
        errors = errors or ("AccessError",)
        with (
            self.assertRaises(JsonRpcException) as caught,
            mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule"),
        ):
            self._rpc(model, method, args, kwargs)
        self.assertIn(
            str(caught.exception), {f"odoo.exceptions.{name}" for name in errors}
        )

    def _assert_rpc_bad_input(self, model, method, args, kwargs=None):
        """A clear error for a bad input: a UserError or ValidationError."""
        self._assert_rpc_refused(
            model, method, args, kwargs, errors=("UserError", "ValidationError")
        )
