"""The stored next reminder moment (stale_due_date) the stale-leads job claims
by: kept up to date by every change it depends on, company delays included,
and the same whether computed per lead or in one statement."""

from datetime import datetime

from .lead_common import LeadCase
from .test_stale_leads_cron import MANAGER, POOL, STALE


class TestLeadStaleDue(LeadCase):
    def test_steps_move_the_due_moment_until_the_last_one(self):
        """Owner at the stale delay, manager after its delay, then nothing
        more without the pool setting."""
        lead = self._lead()
        self.assertEqual(lead.stale_due_date, STALE)
        self._run_cron(STALE)
        self.assertEqual(lead.stale_due_date, MANAGER)
        self._run_cron(MANAGER)
        self.assertFalse(lead.stale_due_date)

    def test_company_delay_change_moves_due_moments(self):
        """A settings change recomputes the company's leads at once."""
        lead = self._lead()
        self._run_cron(STALE)
        self._run_cron(MANAGER)
        self.company.write({"stale_return_to_pool": True})
        self.assertEqual(lead.stale_due_date, POOL)
        self.company.write({"stale_manager_days": 5})
        self.assertEqual(lead.stale_due_date, datetime(2026, 12, 8, 9, 0))
        fresh = self._lead()
        self.company.write({"stale_lead_days": 2})
        self.assertEqual(fresh.stale_due_date, datetime(2026, 11, 25, 9, 0))
        self.company.write({"stale_return_to_pool": False})
        self.assertFalse(lead.stale_due_date)
        self.assertEqual(fresh.stale_due_date, datetime(2026, 11, 25, 9, 0))

    def test_a_logged_call_moves_it_and_won_or_lost_clears_it(self):
        lead = self._lead()
        self._run_cron(STALE)
        self._log_call(lead, datetime(2026, 12, 1, 10, 0))
        self.assertFalse(lead.stale_step)
        self.assertEqual(lead.stale_due_date, datetime(2026, 12, 8, 10, 0))
        won = self._lead()
        won.stage_id = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lost = self._lead()
        lost.action_set_lost()
        self.assertFalse(won.stale_due_date)
        self.assertFalse(lost.stale_due_date)
        lost.action_unarchive()
        self.assertEqual(lost.stale_due_date, STALE)

    def test_a_lead_taken_from_the_pool_starts_again(self):
        self.company.write({"stale_manager_days": 0, "stale_return_to_pool": True})
        lead = self._lead()
        self._run_cron(STALE)
        self._run_cron(datetime(2026, 12, 7, 9, 0))
        self.assertEqual(lead.stale_step, "pool")
        self.assertFalse(lead.stale_due_date)
        with self._at(datetime(2026, 12, 8, 9, 0)):
            lead.user_id = self.rep
        self.assertEqual(lead.stale_due_date, datetime(2026, 12, 15, 9, 0))

    def test_company_change_of_the_lead_takes_its_delays(self):
        branch = self.env["res.company"].create(
            {"name": "Beijing Branch", "stale_lead_days": 5}
        )
        lead = self._lead(user=self.env["res.users"], team_id=False)
        lead.company_id = branch
        self.assertEqual(lead.stale_due_date, datetime(2026, 11, 28, 9, 0))

    def test_one_statement_agrees_with_the_compute(self):
        """The install fill and the settings update give what the compute
        gives, for every kind of lead."""
        self.company.write({"stale_return_to_pool": True})
        leads = self._lead() | self._lead() | self._lead()
        nurtured = self._lead(need_clarity="vague", expected_revenue=0)
        with self._at(MONDAY_10):
            nurtured.action_move_to_nurture_pool()
        lost = self._lead()
        lost.action_set_lost()
        self._run_cron(STALE)
        self._run_cron(MANAGER)
        leads[2].reminder_retry_date = datetime(2026, 12, 20, 9, 0)
        every = (leads | nurtured | lost).with_context(active_test=False)
        self.env.flush_all()
        expected = [(lead.id, lead.stale_due_date) for lead in every]
        self.assertEqual(expected[2][1], datetime(2026, 12, 20, 9, 0))
        self.env.cr.execute(
            "UPDATE crm_lead SET stale_due_date = NULL WHERE id IN %s",
            [tuple(every.ids)],
        )
        self.env["crm.lead"]._store_stale_due_dates()
        self.env.invalidate_all()
        self.assertEqual([(lead.id, lead.stale_due_date) for lead in every], expected)


MONDAY_10 = datetime(2026, 11, 23, 10, 0)
