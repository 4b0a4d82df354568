"""Several workers at once: jobs run by two real cursors committing concurrently.

Not the rolled-back test transaction: each test makes its own data in
committed transactions, runs the jobs in two threads, each with a cursor of
its own, released together by a barrier, commits them, and checks what the
database holds then; it removes everything it made at the end (rows above
the watermarks taken before it started), so that nothing leaks into other
tests.

"Exactly once" is checked against a dry run: the same job run once, alone,
in a transaction rolled back afterwards; two runs at once, then the runner's
next call (a run that lost a race to a concurrent one is rolled back whole
and done again later), must leave exactly what the single run leaves.

The jobs run at a moment of 2001, half a year away from today's month and
day (``QUIET_MOMENT``): nothing of the database's own data (demo data
included) falls due then, which each test checks before it runs its jobs.
Every wait is bounded: the barrier's and the threads' timeouts, and a lock
timeout on every cursor, so that a deadlock fails the test instead of
hanging it.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from functools import partial
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.addons.crm_standard_process.tools.cron_batch import CONCURRENCY_ERRORS
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import SQL, mute_logger

from .common import ADDON, AddonTestMixin

TIMEOUT = 60  # seconds: the longest any wait of these tests may last
LOCK_TIMEOUT = "20s"
_today = date.today()
_day = date(2001, (_today.month + 5) % 12 + 1, 10)
# A Monday at 09:00, half a year from today's month and day, in 2001.
QUIET_MOMENT = datetime.combine(_day - timedelta(days=_day.weekday()), time(9, 0))
# The tables the jobs (and the tests) add rows to, children first: whatever
# a test added there is removed after it.
TABLES = (
    "mail_tracking_value",
    "mail_notification",
    "mail_message",
    "mail_activity",
    "mail_followers",
    "crm_followup_greeting",
    "crm_followup_compliance",
    "crm_complaint_ticket",
    "crm_lead",
    "res_partner",
    "ir_cron_trigger",
    "bus_bus",
)
QUIET = (
    "odoo.sql_db",  # the conflicts these tests provoke are logged as bad queries
    f"odoo.addons.{ADDON}.models.crm_followup_plan",
    f"odoo.addons.{ADDON}.models.crm_followup_greeting",
    f"odoo.addons.{ADDON}.models.escalation_mixin",
    f"odoo.addons.{ADDON}.models.res_company",
    "odoo.service.model",
)


class TestConcurrency(AddonTestMixin, BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        self.assertFalse(self.registry.in_test_mode(), "needs real cursors")
        with self._cursor() as env:
            self.watermarks = {
                table: env.execute_query(
                    SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table))
                )[0][0]
                for table in TABLES
            }
            self.admin = env.ref("base.user_admin").id
        self.addCleanup(self._remove_what_the_test_made)

    def _remove_what_the_test_made(self):
        with self._cursor() as env:
            for table in TABLES:
                env.cr.execute(
                    SQL(
                        "DELETE FROM %s WHERE id > %s",
                        SQL.identifier(table),
                        self.watermarks[table],
                    )
                )

    # ------------------------------------------------------------ helpers

    @contextmanager
    def _cursor(self, moment=None):
        """An environment on a cursor of its own, committed at the end of the
        block (rolled back on an error); both clocks Odoo reads frozen at
        ``moment`` when given."""
        with self.registry.cursor() as cr:
            cr.execute(SQL("SET LOCAL lock_timeout = %s", LOCK_TIMEOUT))
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            if moment is None:
                yield env
            else:
                with freeze_time(moment), patch.object(cr, "now", lambda: moment):
                    yield env

    def _run_at_once(self, *jobs, moment=QUIET_MOMENT):
        """Run each ``job(env)`` in a thread of its own, on a cursor of its
        own, all released at once, and commit each. Returns, in order,
        ``("done", result)``, or ``("conflict", error)`` for a job rolled back
        by a concurrency error (serialization failure, deadlock, lock
        timeout), as Odoo's cron runner rolls a call back."""
        barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)
        dbname = self.registry.db_name

        def run(job):
            thread = threading.current_thread()
            thread.testing, thread.dbname = True, dbname
            try:
                with self.registry.cursor() as cr:
                    cr.execute(SQL("SET LOCAL lock_timeout = %s", LOCK_TIMEOUT))
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait()
                    return "done", job(env)
            except CONCURRENCY_ERRORS as error:
                return "conflict", error

        with (
            mute_logger(*QUIET),
            freeze_time(moment),
            ThreadPoolExecutor(max_workers=len(jobs)) as pool,
        ):
            futures = [pool.submit(run, job) for job in jobs]
            return [future.result(timeout=TIMEOUT) for future in futures]

    def _run(self, job, moment=QUIET_MOMENT, quiet=True):
        """Run ``job(env)`` once, alone, and commit (the runner's next call)."""
        with (
            mute_logger(*(QUIET if quiet else ())),
            self._cursor() as env,
            freeze_time(moment),
        ):
            return job(env)

    def _dry_run(self, job, outcome, moment=QUIET_MOMENT):
        """What ``job`` run once, alone, leaves: ``outcome(env)`` after it, in
        a transaction rolled back afterwards."""
        with mute_logger(*QUIET), self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            with freeze_time(moment):
                job(env)
            env.flush_all()
            result = outcome(env)
            cr.rollback()
        return result

    def _what_jobs_left(self, env, states=None):
        """What the jobs left: the activities and chatter messages added since
        the test started, the greeting markers, and ``states`` (an SQL query)."""
        activities = env.execute_query(
            SQL(
                """SELECT res_model, res_id, user_id, activity_type_id, summary,
                          date_deadline, active
                     FROM mail_activity WHERE id > %s ORDER BY 1, 2, 3, 4, 5""",
                self.watermarks["mail_activity"],
            )
        )
        messages = env.execute_query(
            SQL(
                """SELECT model, res_id, message_type, body FROM mail_message
                    WHERE id > %s ORDER BY 1, 2, 3, 4""",
                self.watermarks["mail_message"],
            )
        )
        greetings = env.execute_query(
            SQL(
                """SELECT partner_id, occasion, year, retry_date
                     FROM crm_followup_greeting WHERE id > %s ORDER BY 1, 2, 3""",
                self.watermarks["crm_followup_greeting"],
            )
        )
        return {
            "activities": activities,
            "messages": messages,
            "greetings": greetings,
            "states": env.execute_query(states) if states else [],
        }

    def _assert_exactly_once(self, job, ours, states=None, workers=2):
        """Two (``workers``) runs of ``job`` at once, then the runner's next
        call, leave what one run alone leaves; at least one run did its work,
        on the test's own records (``ours``, ids) only."""
        outcome = partial(self._what_jobs_left, states=states)
        expected = self._dry_run(job, outcome)
        self.assertTrue(
            expected["activities"] or expected["messages"], "the job had work to do"
        )
        touched = {row[1] for row in expected["activities"] + expected["messages"]}
        self.assertLessEqual(
            touched, set(ours), "the job touched the test's records only"
        )
        results = self._run_at_once(*[job] * workers)
        self.assertIn("done", [status for status, _result in results], results)
        self._run(job)
        with self._cursor() as env:
            self.assertEqual(outcome(env), expected)
        return results

    def _only_ours_due(self, due_ids, ours):
        """The job's finder finds this test's records only: the database's own
        data is left alone."""
        self.assertTrue(due_ids, "the test's records are due")
        self.assertLessEqual(set(due_ids), set(ours), "only the test's records are due")

    # --------------------------------------------------------------- data

    def _customers(self, env, count, **values):
        """``count`` active customers of the sales admin, with the approved
        plan of grade B and no follow-up yet."""
        plan = env.ref(f"{ADDON}.crm_followup_plan_grade_b")
        customers = env["res.partner"].create(
            [
                {
                    "name": f"Concurrent customer {n}",
                    "is_company": True,
                    "user_id": self.admin,
                    "expected_annual_amount": 200000,
                    **values,
                }
                for n in range(count)
            ]
        )
        customers.sudo().write(
            {
                "profile_state": "active",
                "confirmed_grade": "b",
                "followup_plan_id": plan.id,
                "followup_plan_grade": "b",
            }
        )
        env.flush_all()
        return customers.ids

    # --------------------------------------------------------------- tests

    def test_two_sla_runs_escalate_once(self):
        """Two runs of the SLA job at once tell each person of each breached
        ticket once, with one chatter note per ticket."""
        created = QUIET_MOMENT - timedelta(days=7)
        with self._cursor(created) as env:
            customer = env["res.partner"].browse(self._customers(env, 1))
            tickets = env["crm.complaint.ticket"].create(
                [
                    {
                        "subject": f"Concurrent ticket {n}",
                        "partner_id": customer.id,
                        "handler_id": self.admin,
                    }
                    for n in range(6)
                ]
            )
            ticket_ids = tickets.ids
        with self._cursor() as env:
            Ticket = env["crm.complaint.ticket"]
            self._only_ours_due(
                Ticket._claim_due_escalations(QUIET_MOMENT, 500).ids, ticket_ids
            )
        self._assert_exactly_once(
            lambda env: env["crm.complaint.ticket"]._cron_check_sla(),
            ticket_ids,
            SQL(
                """SELECT id, sla_status, escalation_level FROM crm_complaint_ticket
                    WHERE id IN %s ORDER BY id""",
                tuple(ticket_ids),
            ),
        )

    def test_two_stale_lead_runs_remind_once(self):
        """Two runs of the stale-leads job at once remind each lead's
        salesperson once, with one chatter note per lead."""
        with self._cursor(QUIET_MOMENT - timedelta(days=20)) as env:
            leads = env["crm.lead"].create(
                [
                    {"name": f"Concurrent lead {n}", "user_id": self.admin}
                    for n in range(6)
                ]
            )
            lead_ids = leads.ids
        with self._cursor() as env:
            self._only_ours_due(
                env["crm.lead"]._claim_due_escalations(QUIET_MOMENT, 500).ids,
                lead_ids,
            )
        self._assert_exactly_once(
            lambda env: env["crm.lead"]._cron_stale_leads(),
            lead_ids,
            SQL(
                """SELECT id, stale_step, user_id FROM crm_lead
                    WHERE id IN %s ORDER BY id""",
                tuple(lead_ids),
            ),
        )

    def test_two_scheduling_runs_schedule_once(self):
        """Two runs of the follow-up scheduling at once give each customer
        one follow-up, and mark none of them failed."""
        with self._cursor(QUIET_MOMENT - timedelta(days=1)) as env:
            customer_ids = self._customers(env, 8)
        with self._cursor() as env:
            self._only_ours_due(
                env["crm.followup.plan"]
                ._customers_to_schedule(QUIET_MOMENT.date())
                .ids,
                customer_ids,
            )

        def schedule(env):
            # batches of 5, called again while there is work, as the runner does
            for _call in range(10):
                if not env["crm.followup.plan"]._cron_followup_plan(batch_size=5):
                    break

        self._assert_exactly_once(
            schedule,
            customer_ids,
            SQL(
                """SELECT id, followup_retry_date, next_followup_date
                     FROM res_partner WHERE id IN %s ORDER BY id""",
                tuple(customer_ids),
            ),
        )

    def test_two_greeting_runs_greet_once(self):
        """Two runs of the greetings job at once greet each important date
        once, and mark none of them failed."""
        birthday = (QUIET_MOMENT + timedelta(days=3)).date().replace(year=1980)
        with self._cursor(QUIET_MOMENT - timedelta(days=1)) as env:
            customer_ids = self._customers(env, 3)
            env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent contact {n}",
                        "parent_id": customer_ids[n % 3],
                        "birthday": birthday,
                    }
                    for n in range(6)
                ]
            )
        with self._cursor() as env:
            due = env["crm.followup.greeting"]._due_occasions(QUIET_MOMENT.date())
            self._only_ours_due([row[1] for row in due], customer_ids)
        self._assert_exactly_once(
            lambda env: env["crm.followup.greeting"]._cron_followup_greetings(),
            customer_ids,
        )
        with self._cursor() as env:
            self.assertEqual(
                env["crm.followup.greeting"].search_count(
                    [("customer_id", "in", customer_ids)]
                ),
                6,
            )

    def _customers_to_regrade(self, count):
        """``count`` committed customers graded with older thresholds (C,
        where today's give B) and a re-grade requested; the company's re-grade
        state is restored after the test. Returns their ids and the company's."""
        with self._cursor() as env:
            company = env.company
            saved = company.read(
                ["regrade_state", "regrade_cursor", "regrade_requested_by_id"]
            )[0]
            customer_ids = self._customers(env, count)
            env.cr.execute(
                SQL(
                    """UPDATE res_partner SET computed_grade = 'c',
                              customer_grade = 'c', confirmed_grade = 'c'
                        WHERE id IN %s""",
                    tuple(customer_ids),
                )
            )
            # the thresholds did not change: only this test's customers move
            company.sudo()._request_regrade()
            company_id = company.id
        self.addCleanup(self._restore_company, company_id, saved)
        return customer_ids, company_id

    def test_two_regrade_runs_log_each_change_once(self):
        """Two runs of the re-grade job at once re-grade each customer once,
        with one chatter line each."""
        customer_ids, _company_id = self._customers_to_regrade(6)
        self._assert_exactly_once(
            lambda env: env["res.company"]._cron_regrade(),
            customer_ids,
            SQL(
                """SELECT id, computed_grade, customer_grade, confirmed_grade
                     FROM res_partner WHERE id IN %s ORDER BY id""",
                tuple(customer_ids),
            ),
        )

    def _restore_company(self, company_id, saved):
        with self._cursor() as env:
            env["res.company"].browse(company_id).sudo().write(
                {
                    "regrade_state": saved["regrade_state"],
                    "regrade_cursor": saved["regrade_cursor"],
                    "regrade_requested_by_id": saved["regrade_requested_by_id"]
                    and saved["regrade_requested_by_id"][0],
                }
            )

    def test_manager_approval_while_the_job_schedules(self):
        """A manager approving a customer's proposed plan while the follow-up
        job schedules the same customer: whichever commits first, the
        customer is not marked failed, follows the approved plan and has one
        open follow-up, of that plan."""
        with self._cursor(QUIET_MOMENT - timedelta(days=1)) as env:
            customer_ids = self._customers(env, 2)
            env["res.partner"].browse(customer_ids).write(
                {
                    "proposed_followup_plan_id": env.ref(
                        f"{ADDON}.crm_followup_plan_grade_a"
                    ).id
                }
            )

        def approve(env):
            customers = env["res.partner"].with_user(self.admin).browse(customer_ids)
            # an RPC is retried on a serialization failure (odoo.service.model)
            return retrying(customers.action_approve_followup_plan, env)

        results = self._run_at_once(
            lambda env: env["crm.followup.plan"]._cron_followup_plan(), approve
        )
        self.assertEqual(results[1][0], "done", results)
        self._run(lambda env: env["crm.followup.plan"]._cron_followup_plan())
        self._assert_approved(customer_ids)

    def test_manager_approval_holding_the_customer(self):
        """The job does not wait for a customer a manager is approving: it
        skips it (no retry mark), and schedules it at its next call if the
        approval has not."""
        with self._cursor(QUIET_MOMENT - timedelta(days=1)) as env:
            customer_ids = self._customers(env, 2)
            env["res.partner"].browse(customer_ids).write(
                {
                    "proposed_followup_plan_id": env.ref(
                        f"{ADDON}.crm_followup_plan_grade_a"
                    ).id
                }
            )
        with (
            mute_logger(*QUIET),
            self._cursor(QUIET_MOMENT) as manager,
            self._cursor(QUIET_MOMENT) as job,
        ):
            manager["res.partner"].with_user(self.admin).browse(
                customer_ids
            ).action_approve_followup_plan()
            manager.flush_all()
            done = job["crm.followup.plan"]._cron_followup_plan()
            self.assertFalse(done, "the customers held by the manager are skipped")
        self._assert_approved(customer_ids)

    def _assert_approved(self, customer_ids):
        with self._cursor() as env:
            plan_a = env.ref(f"{ADDON}.crm_followup_plan_grade_a")
            for customer in env["res.partner"].browse(customer_ids):
                self.assertFalse(customer.followup_retry_date)
                self.assertEqual(customer.followup_plan_id, plan_a)
                followups = env["mail.activity"].search(
                    [
                        ("followup_partner_id", "=", customer.id),
                        ("followup_plan_id", "!=", False),
                    ]
                )
                self.assertEqual(followups.followup_plan_id, plan_a)
                self.assertEqual(len(followups), 1)

    def test_a_failing_record_is_skipped_reported_and_retried(self):
        """A customer that fails mid-batch is rolled back alone, reported in
        the log and marked for tomorrow; the rest of the batch is committed;
        tomorrow's run schedules it."""
        with self._cursor(QUIET_MOMENT - timedelta(days=1)) as env:
            customer_ids = self._customers(env, 3)
        failing = customer_ids[1]
        Partner = self.registry["res.partner"]
        original = Partner._followup_responsible

        def responsible(partner, role):
            if partner.id == failing:
                raise ValueError("broken calendar")
            return original(partner, role)

        logger = f"odoo.addons.{ADDON}.models.crm_followup_plan"
        with (
            patch.object(Partner, "_followup_responsible", responsible),
            self.assertLogs(logger, "ERROR") as logs,
        ):
            self._run(
                lambda env: env["crm.followup.plan"]._cron_followup_plan(),
                quiet=False,
            )
        self.assertIn("Concurrent customer 1", "\n".join(logs.output))
        with self._cursor() as env:
            customers = env["res.partner"].browse(customer_ids)
            self.assertEqual(
                [len(c.followup_activity_ids) for c in customers], [1, 0, 1]
            )
            self.assertEqual(
                customers.mapped("followup_retry_date"),
                [False, QUIET_MOMENT.date() + timedelta(days=1), False],
            )
        self._run(
            lambda env: env["crm.followup.plan"]._cron_followup_plan(),
            moment=QUIET_MOMENT + timedelta(days=1),
        )
        with self._cursor() as env:
            customer = env["res.partner"].browse(failing)
            self.assertEqual(len(customer.followup_activity_ids), 1)
            self.assertFalse(customer.followup_retry_date)

    def test_a_lock_timeout_is_retried_never_a_failed_record(self):
        """A lock the batch cannot get in time is no failing record: the
        call is rolled back whole, nothing is marked failed, and the next
        call, once the lock is released, does the work."""
        with self._cursor(QUIET_MOMENT - timedelta(days=1)) as env:
            customer_ids = self._customers(env, 3)
        with self._cursor() as holder:
            # another transaction holds the assignee, whom every follow-up
            # created refers to (a user being edited or deleted)
            holder.cr.execute(
                SQL("SELECT id FROM res_users WHERE id = %s FOR UPDATE", self.admin)
            )
            with (
                mute_logger(*QUIET),
                self.registry.cursor() as cr,
                freeze_time(QUIET_MOMENT),
            ):
                cr.execute("SET LOCAL lock_timeout = '200ms'")
                env = api.Environment(cr, SUPERUSER_ID, {})
                with self.assertRaises(errors.LockNotAvailable):
                    env["crm.followup.plan"]._cron_followup_plan()
                cr.rollback()
            holder.cr.rollback()
        with self._cursor() as env:
            customers = env["res.partner"].browse(customer_ids)
            self.assertFalse(any(customers.mapped("followup_retry_date")))
            self.assertFalse(customers.followup_activity_ids)
        self._run(lambda env: env["crm.followup.plan"]._cron_followup_plan())
        with self._cursor() as env:
            customers = env["res.partner"].browse(customer_ids)
            self.assertEqual([len(c.followup_activity_ids) for c in customers], [1] * 3)

    def test_regrade_skips_a_held_customer_and_comes_back_to_it(self):
        """The re-grade job does not wait for a customer another transaction
        holds: it re-grades the others, stops before it and asks to run again
        a minute later; once released, the customer is re-graded too."""
        customer_ids, company_id = self._customers_to_regrade(4)
        held = customer_ids[2]
        with self._cursor() as holder:
            holder.cr.execute(
                SQL("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", held)
            )
            with mute_logger(*QUIET), self._cursor() as env:
                env["res.company"]._cron_regrade()
                grades = dict(
                    env.execute_query(
                        SQL(
                            "SELECT id, customer_grade FROM res_partner WHERE id IN %s",
                            tuple(customer_ids),
                        )
                    )
                )
                # the batch re-graded all it could claim; it starts again
                # from the held one
                self.assertEqual(
                    [grades[i] for i in customer_ids], ["b", "b", "c", "b"]
                )
                cron = env.ref(f"{ADDON}.ir_cron_regrade")
                self.assertTrue(
                    env["ir.cron.trigger"].search_count(
                        [("cron_id", "=", cron.id), ("call_at", ">", env.cr.now())]
                    )
                )
                self.assertEqual(
                    env["res.company"].browse(company_id).regrade_state, "customers"
                )
            holder.cr.rollback()
        with mute_logger(*QUIET), self._cursor() as env:
            for _call in range(20):
                if not env["res.company"].browse(company_id).regrade_state:
                    break
                env["res.company"]._cron_regrade()
        with self._cursor() as env:
            self.assertEqual(
                set(env["res.partner"].browse(customer_ids).mapped("customer_grade")),
                {"b"},
            )

    def test_regrade_neither_locks_nor_waits_for_a_customer_keeping_its_grade(self):
        """A customer whose grade the new thresholds do not change is not
        claimed: another transaction holding it does not stop the re-grade,
        which finishes in one call without asking to run again."""
        with self._cursor() as env:
            keeps = self._customers(env, 1)[0]
        customer_ids, company_id = self._customers_to_regrade(2)
        with self._cursor() as holder:
            holder.cr.execute(
                SQL("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", keeps)
            )
            with mute_logger(*QUIET), self._cursor() as env:
                env["res.company"]._cron_regrade()
                grades = env.execute_query(
                    SQL(
                        "SELECT customer_grade FROM res_partner WHERE id IN %s",
                        (keeps, *customer_ids),
                    )
                )
                self.assertEqual({grade for (grade,) in grades}, {"b"})
                self.assertNotEqual(
                    env["res.company"].browse(company_id).regrade_state,
                    "customers",
                )
                cron = env.ref(f"{ADDON}.ir_cron_regrade")
                self.assertFalse(
                    env["ir.cron.trigger"].search_count(
                        [("cron_id", "=", cron.id), ("call_at", ">", env.cr.now())]
                    )
                )
            holder.cr.rollback()
