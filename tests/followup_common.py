"""Fixture of the follow-up tests: a Mon-Fri 8-12/13-17 calendar in UTC.

::

    November 2026        slots of the shipped plans, due on their last working day
    Mo Tu We Th Fr Sa Su
           (Sunday 1st)  A 2 a month:      1-15 (due Fri 13), 16-30 (due Mon 30)
     2  3  4  5  6  7  8  B 1 a week:       Monday to Sunday (due Friday)
     9 10 11 12 13 14 15  C 1 a fortnight:  2-15 (due Fri 13), 16-29 (due Fri 27)
    16 17 18 19 20 21 22
    23 24 25 26 27 28 29
    30

    team_east (leader team_manager; members rep, rep_teammate)
      customer_a  grade A, owner rep           plan A, run by team_manager
      customer_b  grade B, owner rep           plan B, run by rep
      customer_c  grade C, owner rep_teammate  plan C, run by rep_teammate
    team_north (leader sales_admin; member rep_other)
      customer_north  grade B, owner rep_other plan B, run by rep_other

The customers are activated on Monday 2 November at 09:00 by the team
managers, which approves their grade's plan and schedules the first
follow-up of each.
"""

from datetime import date, datetime

from freezegun import freeze_time

from .common import CrmStandardProcessCase

MONDAY = date(2026, 11, 2)
MONDAY_9 = datetime(2026, 11, 2, 9, 0)
ADDON = "crm_standard_process"
# The daily follow-up jobs, in the order of their hours: re-graded customers
# take their plan, the coming follow-ups are scheduled, important dates are
# greeted. job -> (cron xmlid, model, method)
FOLLOWUP_JOBS = {
    "regrade": (
        "ir_cron_followup_regrade",
        "crm.followup.plan",
        "_cron_followup_regrade",
    ),
    "schedule": ("ir_cron_followup_plan", "crm.followup.plan", "_cron_followup_plan"),
    "greetings": (
        "ir_cron_followup_greetings",
        "crm.followup.greeting",
        "_cron_followup_greetings",
    ),
}


class FollowupCase(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Office hours (UTC)", "tz": "UTC"}
        )
        cls.env.company.resource_calendar_id = cls.calendar
        cls.plan_a = cls.env.ref(f"{ADDON}.crm_followup_plan_grade_a")
        cls.plan_b = cls.env.ref(f"{ADDON}.crm_followup_plan_grade_b")
        cls.plan_c = cls.env.ref(f"{ADDON}.crm_followup_plan_grade_c")
        cls.customer_a = cls._customer(
            "Huadong Precision", 800000, cls.rep, cls.team_east
        )
        cls.customer_b = cls._customer(
            "Xinhai Logistics", 200000, cls.rep, cls.team_east
        )
        cls.customer_c = cls._customer(
            "Lanting Foods", 50000, cls.rep_teammate, cls.team_east
        )
        cls.customer_north = cls._customer(
            "Beifang Steel", 200000, cls.rep_other, cls.team_north
        )
        cls._activate(
            cls.customer_a | cls.customer_b | cls.customer_c, cls.team_manager
        )
        cls._activate(cls.customer_north, cls.sales_admin)

    @classmethod
    def _customer(cls, name, amount, owner, team, **values):
        customer = cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "profile_state": "to_review",
                "expected_annual_amount": amount,
                "user_id": owner.id,
                "team_id": team.id,
                **values,
            }
        )
        if not values.get("account_manager_id"):
            # no account manager (a new profile has its owner): the plans run
            # by the account manager go to the team leader
            customer.account_manager_id = False
        return customer

    @classmethod
    def _activate(cls, customers, manager, when=MONDAY_9):
        with freeze_time(when):
            customers.with_user(manager).action_activate()

    def _followups(self, customers, open_only=True, plan=True):
        domain = [("followup_partner_id", "in", customers.ids)]
        domain.append(("followup_plan_id", "!=" if plan else "=", False))
        return (
            self.env["mail.activity"]
            .with_context(active_test=open_only)
            .search(domain, order="followup_due_date, id")
        )

    def _run_cron(self, when, via_xmlid=False, jobs=tuple(FOLLOWUP_JOBS)):
        """Run the daily follow-up ``jobs`` at ``when``, by their methods or
        through their cron records."""
        with freeze_time(when):
            for job in jobs:
                xmlid, model, method = FOLLOWUP_JOBS[job]
                if via_xmlid:
                    self.env.ref(f"{ADDON}.{xmlid}").method_direct_trigger()
                else:
                    getattr(self.env[model], method)()

    def _log(self, activity, when, **values):
        """Log ``activity`` as done through the wizard, at ``when``."""
        with freeze_time(when):
            action = activity.action_open_followup_done_wizard()
            wizard = (
                self.env["crm.followup.done.wizard"]
                .with_context(**action["context"])
                .create(values)
            )
            wizard.action_done()
        return activity
