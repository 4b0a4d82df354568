"""ir_cron_stale_leads: owner, then team manager, then (optionally) the pool;
each step once per period without follow-up; batches stay batches."""

from datetime import datetime
from unittest.mock import patch

from odoo import Command
from odoo.tests.common import new_test_user
from odoo.tools import mute_logger

from .lead_common import MONDAY_9, LeadCase

# A lead created on MONDAY_9 goes stale 7 days later; the team manager is
# notified 3 days after the owner, the pool comes 3 days after that.
STALE = datetime(2026, 11, 30, 9, 0)
MANAGER = datetime(2026, 12, 3, 9, 0)
POOL = datetime(2026, 12, 6, 9, 0)
LOGGER = "odoo.addons.crm_standard_process.models.escalation_mixin"


class TestStaleLeadsCron(LeadCase):
    def _notes(self, lead, text):
        return lead.message_ids.filtered(lambda m: text in (m.body or ""))

    def test_each_step_fires_once_per_stale_period(self):
        """The owner is reminded after 7 days, the team manager 3 days later,
        each once however often the job runs; without the pool setting the
        lead keeps its salesperson."""
        lead = self._lead()
        self._run_cron(datetime(2026, 11, 30, 8, 59))
        self.assertFalse(self._activities(lead, self.rep))
        for when in (STALE, datetime(2026, 11, 30, 10, 0), datetime(2026, 12, 1, 1, 0)):
            self._run_cron(when)
        self.assertEqual(len(self._activities(lead, self.rep)), 1)
        self.assertEqual((lead.stale_step, lead.stale_step_date), ("owner", STALE))
        self.assertFalse(self._activities(lead, self.team_manager))
        for when in (MANAGER, datetime(2026, 12, 4, 1, 0)):
            self._run_cron(when, via_xmlid=True)
        manager_activities = self._activities(lead, self.team_manager)
        self.assertEqual(len(manager_activities), 1)
        self.assertIn("Stale lead", manager_activities.summary)
        self.assertEqual(lead.stale_step, "manager")
        self.assertIn(
            manager_activities, lead.with_user(self.team_manager).activity_ids
        )
        for when in (POOL, datetime(2026, 12, 20, 1, 0)):
            self._run_cron(when)
        self.assertEqual(lead.user_id, self.rep)
        self.assertEqual(len(self._activities(lead, self.rep)), 1)
        self.assertEqual(len(self._notes(lead, "reminded")), 1)
        self.assertEqual(len(self._notes(lead, "notified")), 1)

    def test_without_further_delay_owner_and_manager_are_told_together(self):
        """With no further delay for the team manager (the default), the
        salesperson and the team manager are told in the same run, each once
        per period; the optional pool comes one stale delay later."""
        self.company.write({"stale_manager_days": 0, "stale_return_to_pool": True})
        lead = self._lead()
        self._run_cron(datetime(2026, 11, 30, 8, 59))
        self.assertFalse(self._activities(lead, self.rep))
        self.assertFalse(self._activities(lead, self.team_manager))
        for when in (STALE, datetime(2026, 11, 30, 10, 0), datetime(2026, 12, 1, 1, 0)):
            self._run_cron(when)
        self.assertEqual(len(self._activities(lead, self.rep)), 1)
        self.assertEqual(len(self._activities(lead, self.team_manager)), 1)
        self.assertEqual((lead.stale_step, lead.stale_step_date), ("manager", STALE))
        self.assertEqual(lead.user_id, self.rep)
        self.assertEqual(len(self._notes(lead, "reminded")), 1)
        self.assertEqual(len(self._notes(lead, "notified")), 1)
        self._run_cron(datetime(2026, 12, 7, 8, 59))
        self.assertEqual(lead.user_id, self.rep)
        self._run_cron(datetime(2026, 12, 7, 9, 0))
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.stale_step, "pool")

    def test_pool_setting_returns_the_lead_to_the_unassigned_pool(self):
        """With the setting, the lead loses its salesperson 3 days after the
        manager was told, once; the manager's to-do stays, the owner's goes."""
        self.company.stale_return_to_pool = True
        lead = self._lead()
        for when in (STALE, MANAGER, datetime(2026, 12, 6, 8, 59)):
            self._run_cron(when)
        self.assertEqual(lead.user_id, self.rep)
        for when in (POOL, datetime(2026, 12, 20, 1, 0)):
            self._run_cron(when)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.team_id, self.team_east)
        self.assertEqual(lead.stale_step, "pool")
        self.assertFalse(self._activities(lead, self.rep))
        self.assertEqual(len(self._activities(lead, self.team_manager)), 1)
        self.assertEqual(len(self._notes(lead, "unassigned pool")), 1)

    def test_taking_a_pooled_lead_starts_a_new_period(self):
        """Whoever takes the lead from the pool has the full delay again."""
        self.company.stale_return_to_pool = True
        lead = self._lead()
        for when in (STALE, MANAGER, POOL):
            self._run_cron(when)
        taken = datetime(2026, 12, 7, 9, 0)
        with self._at(taken):
            lead.user_id = self.rep_teammate
        self.assertEqual((lead.followup_clock_date, lead.stale_step), (taken, False))
        self._run_cron(datetime(2026, 12, 14, 8, 59))
        self.assertFalse(self._activities(lead, self.rep_teammate))
        self._run_cron(datetime(2026, 12, 14, 9, 0))
        self.assertEqual(len(self._activities(lead, self.rep_teammate)), 1)

    def test_a_new_interaction_resets_the_ladder(self):
        """A call after the owner's reminder ends the period: the reminder goes,
        the manager is not told, and the next period reminds afresh."""
        lead = self._lead()
        self._run_cron(STALE)
        call = datetime(2026, 12, 1, 10, 0)
        self._log_call(lead, call)
        self.assertEqual((lead.stale_step, lead.followup_clock_date), (False, call))
        self.assertFalse(self._activities(lead, self.rep))
        self._run_cron(MANAGER)
        self.assertFalse(self._activities(lead, self.team_manager))
        self._run_cron(datetime(2026, 12, 8, 9, 59))
        self.assertFalse(self._activities(lead, self.rep))
        self._run_cron(datetime(2026, 12, 8, 10, 0))
        self.assertEqual(len(self._activities(lead, self.rep)), 1)
        self.assertEqual(len(self._notes(lead, "reminded")), 2)

    def test_reminders_do_not_count_as_follow_up(self):
        """Marking the stale reminder done is no follow-up: the ladder goes on."""
        lead = self._lead()
        self._run_cron(STALE)
        with self._at(datetime(2026, 12, 1, 10, 0)):
            self._activities(lead, self.rep).with_user(self.rep).action_done()
        self.assertEqual(lead.stale_step, "owner")
        self.assertEqual(lead.followup_clock_date, MONDAY_9)
        self._run_cron(MANAGER)
        self.assertEqual(len(self._activities(lead, self.team_manager)), 1)

    def test_unassigned_lead_goes_to_the_team_manager(self):
        """Nobody to remind at first: a note says so; the manager is told next."""
        lead = self._lead(user=self.env["res.users"])
        self.assertFalse(lead.user_id)
        self._run_cron(STALE)
        self.assertEqual(lead.stale_step, "owner")
        self.assertEqual(len(self._notes(lead, "nobody to remind")), 1)
        self._run_cron(MANAGER)
        self.assertEqual(len(self._activities(lead, self.team_manager)), 1)

    def test_manager_step_passes_over_a_leader_who_is_a_plain_rep(self):
        """A team led by a plain rep: its manager member hears of the lead."""
        self.team_east.write(
            {
                "user_id": self.rep_teammate.id,
                "member_ids": [Command.link(self.team_manager.id)],
            }
        )
        lead = self._lead()
        self._run_cron(STALE)
        self._run_cron(MANAGER)
        self.assertEqual(len(self._activities(lead, self.team_manager)), 1)
        self.assertFalse(self._activities(lead, self.rep_teammate))

    def test_team_manager_owning_the_lead_is_told_without_error(self):
        """The salesperson is the team manager and does not follow the lead
        (imported data): told as both in one run, without failing the batch."""
        self.company.stale_manager_days = 0
        lead = self._lead(user=self.team_manager)
        lead.message_unsubscribe(partner_ids=self.team_manager.partner_id.ids)
        with self.assertNoLogs(LOGGER, "ERROR"):
            self._run_cron(STALE)
        self.assertEqual(lead.stale_step, "manager")
        self.assertTrue(self._activities(lead, self.team_manager))
        self.assertEqual(len(self._activities(lead, self.team_manager)), 1)

    def test_won_lost_and_nurtured_leads_are_not_stale(self):
        """Only open leads outside the nurture pool are reminded or filtered."""
        won = self._lead()
        won.stage_id = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lost = self._lead()
        lost.action_set_lost()
        nurtured = self._lead(need_clarity="vague", expected_revenue=0)
        nurtured.action_move_to_nurture_pool()
        stale = self._lead()
        with self._at(STALE):
            found = self.env["crm.lead"].search([("is_stale", "=", True)])
            self.assertTrue(stale.is_stale)
            self.assertFalse(nurtured.is_stale)
        self.assertIn(stale, found)
        self.assertFalse((won | lost | nurtured) & found)
        self._run_cron(STALE)
        self.assertEqual(
            len(self._activities(won | lost | nurtured | stale, self.rep)), 1
        )

    def test_open_and_stale_mean_the_same_everywhere(self):
        """The field, its filter (archived leads shown too), the first-contact
        filter and the job agree on which leads are open and stale: a lost
        lead is neither stale nor overdue, a lead without stage is."""
        lost = self._lead()
        lost.action_set_lost()
        no_stage = self._lead()
        no_stage.stage_id = False
        leads = lost | no_stage
        Lead = self.env["crm.lead"].with_context(active_test=False)
        with self._at(datetime(2026, 11, 30, 8, 59)):
            self.assertFalse(
                Lead.search([("id", "in", leads.ids), ("is_stale", "=", True)])
            )
            self.assertFalse(leads.filtered("is_stale"))
        leads.invalidate_recordset(["is_stale"])  # computed at another moment
        with self._at(STALE):
            for flag in ("is_stale", "first_contact_overdue"):
                with self.subTest(flag):
                    found = Lead.search([("id", "in", leads.ids), (flag, "=", True)])
                    self.assertEqual(found, leads.filtered(flag))
                    self.assertEqual(found, no_stage)
        self._run_cron(STALE)
        self.assertEqual(leads.mapped("stale_step"), [False, "owner"])

    def test_cron_runs_as_root_for_every_company_with_its_own_delay(self):
        """The job reaches the leads of every company, each with its delay."""
        branch = self.env["res.company"].create(
            {"name": "Beijing Branch", "stale_lead_days": 5}
        )
        branch_rep = new_test_user(
            self.env,
            login="csp_branch_rep",
            groups="sales_team.group_sale_salesman",
            company_id=branch.id,
            company_ids=[(6, 0, branch.ids)],
        )
        theirs = self._lead(user=branch_rep, company_id=branch.id, team_id=False)
        ours = self._lead()
        self.assertEqual(theirs.company_id, branch)
        self._run_cron(datetime(2026, 11, 28, 9, 0), via_xmlid=True)
        self.assertEqual(len(self._activities(theirs, branch_rep)), 1)
        self.assertFalse(self._activities(ours, self.rep))
        with self._at(datetime(2026, 11, 28, 9, 0)):
            self.assertIn(
                theirs, self.env["crm.lead"].search([("is_stale", "=", True)])
            )

    def test_a_failing_lead_does_not_stop_the_batch(self):
        """The other leads are reminded; the failing one is tried again the
        next day, not at every run of the day."""
        leads = self._lead() | self._lead() | self._lead()
        failing = leads[1]
        original = type(failing)._escalation_recipients

        def reminder_recipient(lead, step):
            if lead == failing:
                raise ValueError("mail server down")
            return original(lead, step)

        with (
            patch.object(type(failing), "_escalation_recipients", reminder_recipient),
            mute_logger(LOGGER),
        ):
            self._run_cron(STALE)
            self._run_cron(datetime(2026, 11, 30, 12, 0))
        self.assertEqual(leads.mapped("stale_step"), ["owner", False, "owner"])
        self.assertEqual(failing.reminder_retry_date, datetime(2026, 12, 1, 9, 0))
        self.assertEqual(len(self._activities(leads, self.rep)), 2)
        self._run_cron(datetime(2026, 12, 1, 9, 0))
        self.assertEqual(failing.stale_step, "owner")
        self.assertFalse(failing.reminder_retry_date)
        self.assertEqual(len(self._activities(leads, self.rep)), 3)

    def test_batch_query_count_is_flat(self):
        """Reminding owners, then managers, of 10 or 100 leads costs the same
        number of queries."""
        counts = {}
        for size in (1, 10, 100):  # the first run warms the caches
            leads = self.env["crm.lead"]
            for _n in range(size):
                leads |= self._lead()
            counts[size] = []
            for when in (STALE, MANAGER):
                self.env.flush_all()
                self.env.invalidate_all()
                with self._at(when):
                    before = self.cr.sql_log_count
                    self.env["crm.lead"]._cron_stale_leads()
                    self.env.flush_all()
                    counts[size].append(self.cr.sql_log_count - before)
            self.assertEqual(set(leads.mapped("stale_step")), {"manager"})
        self.assertEqual(counts[100], counts[10], counts)
        self.assertLessEqual(max(counts[10]), 40, counts)
