"""ir_cron_followup_plan: the coming follow-up of every customer, once;
ir_cron_followup_regrade: re-graded customers take their new plan."""

from datetime import date, datetime
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo import Command
from odoo.tools import mute_logger

from .followup_common import ADDON, FOLLOWUP_JOBS, MONDAY, FollowupCase

TUESDAY_10 = datetime(2026, 11, 3, 10, 0)
NEXT_MONDAY_7 = datetime(2026, 11, 9, 7, 0)


class TestFollowupCron(FollowupCase):
    def test_first_followups_follow_each_grade(self):
        """Each grade's follow-up is due on the last working day of its slot,
        assigned to the right user, with the plan's channel and goal."""
        expected = {
            self.customer_a: (date(2026, 11, 13), self.team_manager, "meeting"),
            self.customer_b: (date(2026, 11, 6), self.rep, "call"),
            self.customer_c: (date(2026, 11, 13), self.rep_teammate, "email"),
            self.customer_north: (date(2026, 11, 6), self.rep_other, "call"),
        }
        for customer, (due, user, channel) in expected.items():
            followup = self._followups(customer)
            self.assertEqual(len(followup), 1)
            self.assertEqual(followup.date_deadline, due)
            self.assertEqual(followup.followup_due_date, due)
            self.assertEqual(followup.user_id, user)
            self.assertEqual(followup.followup_channel, channel)
            self.assertEqual(
                followup.activity_type_id, customer.followup_plan_id.activity_type_id
            )
            self.assertIn(customer.followup_plan_id.goal, followup.note)
            self.assertEqual(customer.next_followup_date, due)
        self.assertEqual(
            self._followups(self.customer_b).summary, "Phone Call: Grade B: weekly call"
        )

    def test_running_twice_creates_nothing_new(self):
        """The job is idempotent: a second run, or a run through the cron
        record, adds no follow-up."""
        customers = self.customer_a | self.customer_b | self.customer_c
        before = self._followups(customers)
        self._run_cron(TUESDAY_10)
        self._run_cron(TUESDAY_10, via_xmlid=True)
        self.assertEqual(self._followups(customers), before)

    def test_a_new_slot_gets_its_followup(self):
        """Next Monday the B customer gets this week's call, while last week's
        unlogged one stays open (overdue); A and C are still in their slots."""
        last_week = self._followups(self.customer_b)
        self._run_cron(NEXT_MONDAY_7)
        self._run_cron(NEXT_MONDAY_7)
        followups = self._followups(self.customer_b)
        self.assertEqual(
            followups.mapped("date_deadline"), [date(2026, 11, 6), date(2026, 11, 13)]
        )
        self.assertIn(last_week, followups)
        self.assertEqual(self.customer_b.next_followup_date, date(2026, 11, 6))
        self.assertEqual(len(self._followups(self.customer_a)), 1)

    def test_followup_done_ahead_schedules_the_next_slot(self):
        """Logging this week's call on Tuesday schedules next week's at once;
        the job adds no second one for this week."""
        self._log(self._followups(self.customer_b), TUESDAY_10, feedback="Fine")
        followup = self._followups(self.customer_b)
        self.assertEqual(followup.date_deadline, date(2026, 11, 13))
        self.assertEqual(self.customer_b.next_followup_date, date(2026, 11, 13))
        self._run_cron(TUESDAY_10)
        self.assertEqual(self._followups(self.customer_b), followup)

    def test_due_date_skips_public_holidays(self):
        """A public holiday on the slot's last working day moves the due date
        to the working day before it."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 13, 0, 0),
                "date_to": datetime(2026, 11, 13, 23, 59, 59),
            }
        )
        self._log(self._followups(self.customer_b), TUESDAY_10)
        self.assertEqual(
            self._followups(self.customer_b).date_deadline, date(2026, 11, 12)
        )

    def test_due_date_follows_the_assignee_calendar(self):
        """A rep who works Monday to Thursday has the weekly call due on Thursday."""
        four_days = self.env["resource.calendar"].create(
            {
                "name": "Mon-Thu (UTC)",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 8,
                            "hour_to": 17,
                        }
                    )
                    for day in range(4)
                ],
            }
        )
        self.env["resource.resource"].create(
            {"name": self.rep.name, "user_id": self.rep.id, "calendar_id": four_days.id}
        )
        self._log(self._followups(self.customer_b), TUESDAY_10)
        self.assertEqual(
            self._followups(self.customer_b).date_deadline, date(2026, 11, 12)
        )

    def test_slot_already_past_its_due_day_is_skipped(self):
        """A customer approved on a Saturday gets next week's follow-up, not one
        already overdue on Friday."""
        customer = self._customer("Weekend Co", 200000, self.rep, self.team_east)
        self._activate(customer, self.team_manager, when=datetime(2026, 11, 7, 10, 0))
        self.assertEqual(self._followups(customer).date_deadline, date(2026, 11, 13))

    def test_customers_outside_the_process_get_nothing(self):
        """Drafts, archived profiles, customers of an archived plan and
        customers without anyone to run them get no follow-up."""
        draft = self._customer("Draft Co", 200000, self.rep, self.team_east)
        nobody = self._customer(
            "Nobody Co", 200000, self.env["res.users"], self.env["crm.team"]
        )
        self._activate(nobody, self.sales_admin)
        self.customer_c.profile_state = "archived"
        self.plan_a.active = False
        self._log(self._followups(self.customer_a), TUESDAY_10)
        self._run_cron(NEXT_MONDAY_7)
        self.assertFalse(self._followups(draft | nobody | self.customer_c))
        self.assertFalse(self._followups(self.customer_a))

    def test_archived_customers_cancel_their_open_followups(self):
        """Archiving a profile cancels its open follow-ups, logged in the
        chatter, never deletes them; done ones stay done."""
        done = self._log(self._followups(self.customer_b), TUESDAY_10)
        pending = self._followups(self.customer_b)
        self.assertTrue(pending)
        self.customer_b.profile_state = "archived"
        self.assertFalse(self._followups(self.customer_b))
        self.assertEqual(
            self._followups(self.customer_b, open_only=False), done | pending
        )
        self.assertTrue(pending.followup_cancelled)
        self.assertFalse(done.followup_cancelled)
        self.assertFalse(self.customer_b.next_followup_date)
        self.assertIn(
            "open follow-up(s) were cancelled", self.customer_b.message_ids[0].body
        )

    def test_archiving_the_partner_keeps_its_followups(self):
        """Archiving the partner record (active) is no side door: the open
        follow-ups and the month's compliance stay."""
        followups = self._followups(self.customer_b)
        compliance = self.customer_b.followup_compliance_ids
        self.assertTrue(followups and compliance)
        self.customer_b.with_user(self.team_manager).active = False
        self.assertEqual(self._followups(self.customer_b), followups)
        self.assertEqual(self.customer_b.followup_compliance_ids, compliance)

    def test_database_refuses_a_second_followup_for_a_slot(self):
        """Two follow-ups of one customer, plan and slot cannot both exist, even
        when two cron workers race."""
        followup = self._followups(self.customer_b)
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            followup.copy()
            self.env.flush_all()

    def test_a_failing_customer_does_not_stop_the_batch(self):
        """The others are scheduled; the failing one is retried the next day."""
        customers = (
            self._customer("One", 200000, self.rep, self.team_east)
            | self._customer("Two", 200000, self.rep, self.team_east)
            | self._customer("Three", 200000, self.rep, self.team_east)
        )
        self._approve_without_scheduling(customers, self.plan_b)
        failing = customers[1]
        original = type(failing)._followup_responsible

        def responsible(partner, role):
            if partner == failing:
                raise ValueError("broken calendar")
            return original(partner, role)

        logger = f"odoo.addons.{ADDON}.models.crm_followup_plan"
        with patch.object(type(failing), "_followup_responsible", responsible):
            with mute_logger(logger):
                self._run_cron(TUESDAY_10)
            self.assertEqual([len(self._followups(c)) for c in customers], [1, 0, 1])
            self.assertEqual(failing.followup_retry_date, date(2026, 11, 4))
            self._run_cron(TUESDAY_10)  # not retried the same day: no error logged
        self._run_cron(datetime(2026, 11, 4, 7, 0))
        self.assertEqual(len(self._followups(failing)), 1)

    def test_batch_query_count_is_flat(self):
        """Scheduling 10 or 100 customers costs the same number of queries."""
        counts = {}
        for size in (1, 10, 100):  # the first run warms the caches
            customers = self._b_customers(size)
            self._approve_without_scheduling(customers, self.plan_b)
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(TUESDAY_10):
                before = self.cr.sql_log_count
                self.env["crm.followup.plan"]._cron_followup_plan()
                counts[size] = self.cr.sql_log_count - before
            self.assertEqual(len(self._followups(customers)), size)
        # 40 queries for a batch of 10 or 100 (1 to spare: Odoo writes at most
        # 100 rows a statement).
        self.assertLessEqual(counts[100], counts[10] + 1, counts)
        self.assertLessEqual(counts[10], 45, counts)

    def test_regraded_batch_query_count_is_flat(self):
        """Moving 10 or 100 re-graded customers to their new grade's plan costs
        the same number of queries."""
        counts = {}
        for size in (1, 10, 100):  # the first run warms the caches
            customers = self._b_customers(size)
            self.env["res.partner"].create(
                [{"name": f"Contact of {c.name}", "parent_id": c.id} for c in customers]
            )
            # grade B now, plan A approved when they were A
            self._approve_without_scheduling(customers, self.plan_b)
            customers.sudo().write(
                {"followup_plan_id": self.plan_a.id, "followup_plan_grade": "a"}
            )
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(TUESDAY_10):
                before = self.cr.sql_log_count
                self.env["crm.followup.plan"]._cron_followup_regrade()
                counts[size] = self.cr.sql_log_count - before
            self.assertEqual(set(customers.mapped("followup_plan_id")), {self.plan_b})
            self.assertEqual(set(customers.mapped("followup_plan_grade")), {"b"})
            self.assertEqual(len(self._followups(customers)), size)
        # 45 queries for a batch of 10 or 100 customers with a contact each
        # (the base write synced each one's contacts: 66 for 10, 246 for 100)
        self.assertLessEqual(counts[100], counts[10] + 1, counts)
        self.assertLessEqual(counts[10], 48, counts)

    def test_lead_shows_the_earliest_next_followup(self):
        """An opportunity's next follow-up is its customer's next one, or its own
        next activity when earlier; it is searchable."""
        lead = self.lead_rep
        lead.partner_id = self.customer_a
        self.assertEqual(lead.next_followup_date, date(2026, 11, 13))
        lead.activity_schedule(
            "mail.mail_activity_data_call", date_deadline=date(2026, 11, 4)
        )
        lead.invalidate_recordset(["next_followup_date"])
        self.assertEqual(lead.next_followup_date, date(2026, 11, 4))
        Lead = self.env["crm.lead"]
        self.assertIn(lead, Lead.search([("next_followup_date", "<=", "2026-11-04")]))
        self.assertNotIn(lead, Lead.search([("next_followup_date", "<", MONDAY)]))
        self.assertNotIn(lead, Lead.search([("next_followup_date", "=", False)]))
        self.assertIn(
            self.lead_unassigned, Lead.search([("next_followup_date", "=", False)])
        )

    def test_each_followup_job_runs_on_its_own(self):
        """Re-graded customers, scheduling and greetings are three cron jobs:
        the greetings failing hold up neither the re-graded customers nor the
        scheduling."""
        crons = self.env["ir.cron"]
        for xmlid, model, method in FOLLOWUP_JOBS.values():
            cron = self.env.ref(f"{ADDON}.{xmlid}")
            self.assertEqual(
                (cron.model_id.model, cron.code), (model, f"model.{method}()")
            )
            self.assertTrue(cron.active)
            crons |= cron
        self.assertEqual(len(crons), 3)
        # B now, plan A approved when it was A: re-graded; and one to schedule
        self.customer_b.sudo().write(
            {"followup_plan_id": self.plan_a.id, "followup_plan_grade": "a"}
        )
        new = self._b_customers(1)
        self._approve_without_scheduling(new, self.plan_b)
        Greeting = type(self.env["crm.followup.greeting"])
        with patch.object(Greeting, "_due_occasions", side_effect=ValueError("bad")):
            with self.assertRaises(ValueError), self.env.cr.savepoint():
                self._run_cron(TUESDAY_10, via_xmlid=True, jobs=("greetings",))
            self._run_cron(TUESDAY_10, via_xmlid=True, jobs=("regrade", "schedule"))
        self.assertEqual(self.customer_b.followup_plan_id, self.plan_b)
        self.assertEqual(len(self._followups(new)), 1)

    def test_each_followup_job_reports_its_own_progress(self):
        """Each job takes one batch a call and tells the cron runner how many
        it did and how many of its own remain, up to one batch more (never a
        count of every record due)."""
        to_schedule = self._b_customers(3)
        self._approve_without_scheduling(to_schedule, self.plan_b)
        self._run_cron(TUESDAY_10, jobs=("schedule",))
        regraded = self._b_customers(2)
        self._approve_without_scheduling(regraded, self.plan_b)
        regraded.sudo().write(
            {"followup_plan_id": self.plan_a.id, "followup_plan_grade": "a"}
        )
        self._approve_without_scheduling(self._b_customers(2), self.plan_b)
        self.env["res.partner"].create(
            [
                {
                    "name": f"Born {n}",
                    "parent_id": self.customer_c.id,
                    "birthday": date(1980, 11, 5),
                }
                for n in range(4)
            ]
        )
        today = date(2026, 11, 3)
        Plan, Greeting = (
            self.env["crm.followup.plan"],
            self.env["crm.followup.greeting"],
        )
        # what remains of each job's own work after its call (the database's
        # demo data may add to it)
        remaining = {
            "regrade": (1, lambda: Plan._regraded_customers(today, count=True)),
            "schedule": (2, lambda: Plan._customers_to_schedule(today, count=True)),
            "greetings": (3, lambda: Greeting._due_occasions(today, count=True)),
        }
        for job, (xmlid, model, method) in FOLLOWUP_JOBS.items():
            with self.subTest(job=job):
                _cron, progress = self.env.ref(f"{ADDON}.{xmlid}")._add_progress()
                records = self.env[model].with_context(ir_cron_progress_id=progress.id)
                with freeze_time(TUESDAY_10):
                    getattr(records, method)(batch_size=1)
                at_least, count = remaining[job]
                self.assertEqual(progress.done, 1)
                self.assertEqual(progress.remaining, 1)
                self.assertGreaterEqual(count(), at_least)

    def test_each_call_goes_on_after_the_last_customer_it_looked_at(self):
        """A long run does not walk again past the customers it scheduled:
        each call starts after the last customer of the previous full batch,
        and past the last customer it goes on from the first, where one that
        fell due behind the cursor is found, in the same call."""
        first, second, third = customers = self._b_customers(3)
        self._approve_without_scheduling(customers, self.plan_b)
        Plan = self.env["crm.followup.plan"]
        with freeze_time(TUESDAY_10):
            self.assertEqual(
                Plan._cron_followup_plan(batch_size=2).ids, [*first.ids, *second.ids]
            )
            # behind the cursor, first falls due again: its follow-up is gone
            self._followups(first).sudo().unlink()
            self.assertEqual(
                Plan._cron_followup_plan(batch_size=2).ids, [*third.ids, *first.ids]
            )
            self.assertFalse(Plan._cron_followup_plan(batch_size=2))

    def _b_customers(self, count):
        """``count`` new active B customers of the rep in team East."""
        return self.env["res.partner"].create(
            [
                {
                    "name": f"Customer {count}-{n}",
                    "is_company": True,
                    "profile_state": "active",
                    "expected_annual_amount": 200000,
                    "user_id": self.rep.id,
                    "team_id": self.team_east.id,
                }
                for n in range(count)
            ]
        )

    def _approve_without_scheduling(self, customers, plan):
        """Customers with an approved plan the job has not scheduled yet."""
        customers.sudo().write(
            {
                "followup_plan_id": plan.id,
                "followup_plan_grade": plan.customer_grade,
                "confirmed_grade": plan.customer_grade,
                "profile_state": "active",
            }
        )
