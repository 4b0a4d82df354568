"""Issue 14: the manager's home and the salesperson's "My day".

Each count is what its list shows, with the reader's rights, and a click
opens that list.
"""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

from .common import ADDON, complete_draft_customer
from .complaint_common import ComplaintCase

NOW = datetime(2026, 11, 23, 10, 40)


class TestProcessDesk(ComplaintCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.to_review = complete_draft_customer(cls.env, "Desk To Review", cls.rep)
        cls.to_review.with_user(cls.rep).action_submit_review()
        cls.draft = complete_draft_customer(cls.env, "Desk Draft", cls.rep)
        cls.north_review = complete_draft_customer(
            cls.env, "North To Review", cls.rep_other
        )
        cls.north_review.with_user(cls.rep_other).action_submit_review()
        cls.proposal = Partner.create(
            {
                "name": "Desk Proposal",
                "is_company": True,
                "profile_state": "active",
                "user_id": cls.rep.id,
                "team_id": cls.team_east.id,
                "expected_annual_amount": 200000,
                "confirmed_grade": "b",
            }
        )
        cls.proposal.proposed_followup_plan_id = cls.env.ref(
            f"{ADDON}.crm_followup_plan_grade_c"
        )
        cls.at_risk = cls._ticket(subject="Desk at risk")
        cls.breached = cls._ticket(
            subject="Desk breached", when=datetime(2026, 11, 20, 9, 0)
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET followup_clock_date = %s WHERE id = %s",
                NOW - timedelta(days=10),
                cls.lead_rep.id,
            )
        )
        cls.env.invalidate_all()

    def _desk(self, record, user):
        with freeze_time(NOW):
            self.env["crm.complaint.ticket"]._refresh_sla_status()
            return record.with_user(user).with_context(tz="UTC")

    def test_manager_home_counts_the_teams_work(self):
        """The team manager's card counts the team's profiles to review, grades
        to confirm, plans to approve, tickets at risk and breached, stale leads."""
        team = self._desk(self.team_east, self.team_manager)
        with freeze_time(NOW):
            self.assertEqual(team.desk_review_count, 1)
            # the profile under review's, and the complaint fixture's customer's
            self.assertEqual(team.desk_grade_count, 2)
            self.assertEqual(team.desk_plan_count, 1)
            self.assertEqual(team.desk_ticket_risk_count, 1)
            self.assertEqual(team.desk_ticket_breached_count, 1)
            self.assertEqual(team.desk_stale_lead_count, 1)
            self.assertEqual(team.desk_compliance_label, "No follow-up due this month")
        north = self._desk(self.team_north, self.sales_admin)
        with freeze_time(NOW):
            self.assertEqual(north.desk_review_count, 1)
            self.assertEqual(north.desk_ticket_risk_count, 0)

    def test_each_count_opens_its_list(self):
        """A click on a count opens the list holding exactly what it counted."""
        team = self._desk(self.team_east, self.team_manager)
        for item, model, expected in (
            ("review", "res.partner", self.to_review),
            ("plan", "res.partner", self.proposal),
            ("ticket_risk", "crm.complaint.ticket", self.at_risk),
            ("ticket_breached", "crm.complaint.ticket", self.breached),
            ("stale_lead", "crm.lead", self.lead_rep),
        ):
            with freeze_time(NOW):
                action = team.with_context(desk_item=item).action_open_desk_item()
                self.assertEqual(action["res_model"], model)
                self.assertEqual(action["views"][0][1], "list", item)
                found = (
                    self.env[model]
                    .with_user(self.team_manager)
                    .search(action["domain"])
                )
            self.assertEqual(found, expected, item)

    def test_unknown_item_is_refused(self):
        """A made-up item opens nothing."""
        with self.assertRaisesRegex(UserError, "no such list"):
            self.team_east.with_context(desk_item="salaries").action_open_desk_item()

    def test_my_day_counts_the_reps_own_work(self):
        """The rep's day: drafts to complete, tickets at risk and breached, stale
        leads; nothing of the teammates'."""
        me = self._desk(self.rep, self.rep)
        with freeze_time(NOW):
            self.assertEqual(me.desk_draft_count, 1)
            self.assertEqual(me.desk_ticket_risk_count, 1)
            self.assertEqual(me.desk_ticket_breached_count, 1)
            self.assertEqual(me.desk_stale_lead_count, 1)
        teammate = self._desk(self.rep_teammate, self.rep_teammate)
        with freeze_time(NOW):
            # the handler of the tickets sees them on their day too
            self.assertEqual(teammate.desk_ticket_risk_count, 1)
            self.assertEqual(teammate.desk_draft_count, 0)
            self.assertEqual(teammate.desk_stale_lead_count, 0)

    def test_rep_reads_only_their_own_day(self):
        """A rep's "My day" action shows their own user; the counts follow the
        rep's rights, never another rep's records."""
        action = self.env.ref(f"{ADDON}.res_users_action_my_day")
        self.assertIn("uid", action.domain)
        other = self._desk(self.rep_other, self.rep)
        with freeze_time(NOW), mute_logger("odoo.models"):
            # counted with the rep's rights: the other rep's records stay hidden
            self.assertEqual(other.desk_ticket_risk_count, 0)
            self.assertEqual(other.desk_draft_count, 0)

    def test_menus_for_reps_and_team_managers(self):
        """My Day for salespeople, Manager's Home for team managers."""
        self.assertEqual(
            self.env.ref(f"{ADDON}.crm_team_menu_desk").groups_id,
            self.env.ref(f"{ADDON}.group_sale_team_manager"),
        )
        self.assertEqual(
            self.env.ref(f"{ADDON}.res_users_menu_my_day").groups_id,
            self.env.ref("sales_team.group_sale_salesman"),
        )
