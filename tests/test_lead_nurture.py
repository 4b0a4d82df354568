"""P10: vague leads go to a nurture pool with a periodic light touch."""

from datetime import datetime

from odoo.exceptions import UserError
from odoo.tests.common import users

from .lead_common import MONDAY_9, NURTURE_TYPE, STALE_TYPE, LeadCase

TOUCH_1 = datetime(2026, 12, 23, 9, 0)  # 30 days after MONDAY_9
TOUCH_2 = datetime(2027, 1, 22, 9, 0)


class TestLeadNurture(LeadCase):
    def _vague_lead(self, **values):
        return self._lead(need_clarity="vague", expected_revenue=0, **values)

    def test_only_open_vague_leads_go_to_the_pool(self):
        """A clear or unassessed need, or a won lead, is refused with a reason;
        nothing is moved."""
        vague = self._vague_lead()
        clear = self._lead(need_clarity="clear")
        with self.assertRaisesRegex(UserError, "vague need"):
            (vague | clear).action_move_to_nurture_pool()
        won = self._vague_lead()
        won.stage_id = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        with self.assertRaisesRegex(UserError, "Won or lost"):
            (vague | won).action_move_to_nurture_pool()
        self.assertFalse((vague | clear | won).filtered("in_nurture_pool"))
        with self._at(MONDAY_9):
            vague.action_move_to_nurture_pool()
        self.assertTrue(vague.in_nurture_pool)
        self.assertEqual(vague.nurture_touch_date, MONDAY_9)
        self.assertIn(
            vague,
            self.env["crm.lead"].search([("in_nurture_pool", "=", True)]),
        )

    @users("csp_rep")
    def test_rep_moves_own_lead_to_the_pool(self):
        """A rep parks their own vague lead."""
        lead = self._vague_lead(user=self.env.user).with_env(self.env)
        lead.action_move_to_nurture_pool()
        self.assertTrue(lead.in_nurture_pool)

    def test_pool_leads_get_a_touch_per_interval_and_no_stale_reminder(self):
        """Every 30 days the owner gets one light-touch to-do, whatever the
        number of runs; no stale reminder, no stale note."""
        lead = self._vague_lead()
        with self._at(MONDAY_9):
            lead.action_move_to_nurture_pool()
        for when in (datetime(2026, 11, 30, 9, 0), datetime(2026, 12, 23, 8, 59)):
            self._run_cron(when)
        self.assertFalse(self._activities(lead, self.rep, NURTURE_TYPE))
        for when in (TOUCH_1, datetime(2026, 12, 24, 1, 0)):
            self._run_cron(when)
        self.assertEqual(len(self._activities(lead, self.rep, NURTURE_TYPE)), 1)
        self.assertEqual(lead.nurture_touch_date, TOUCH_1)
        self._run_cron(TOUCH_2, via_xmlid=True)
        self.assertEqual(len(self._activities(lead, self.rep, NURTURE_TYPE)), 2)
        self.assertFalse(self._activities(lead, self.rep, STALE_TYPE))
        self.assertFalse(lead.stale_step)

    def test_leaving_the_pool_starts_a_follow_up_period(self):
        """Back in the pipeline, the lead has the full stale delay again and its
        pending touches go."""
        lead = self._vague_lead()
        with self._at(MONDAY_9):
            lead.action_move_to_nurture_pool()
        self._run_cron(TOUCH_1)
        back = datetime(2026, 12, 28, 9, 0)
        with self._at(back):
            lead.action_leave_nurture_pool()
        self.assertFalse(lead.in_nurture_pool)
        self.assertEqual(lead.followup_clock_date, back)
        self.assertFalse(self._activities(lead, self.rep, NURTURE_TYPE))
        self._run_cron(datetime(2027, 1, 4, 9, 0))
        self.assertEqual(len(self._activities(lead, self.rep, STALE_TYPE)), 1)
