"""Issue 14: a customer's work lands on the right desk.

The sales team and the account manager follow the salesperson unless chosen
by hand; open review tasks move with the owner and the team; the follow-up
tab says who receives the plan's follow-ups.
"""

from odoo import Command
from odoo.tests.common import users

from .common import (
    ADDON,
    CrmStandardProcessCase,
    JsonRpcMatrixMixin,
    complete_draft_customer,
)
from .common import CrmStandardProcessHttpCase as HttpCase

REVIEW = f"{ADDON}.mail_activity_type_profile_review"
GRADE_CONFIRMATION = f"{ADDON}.mail_activity_type_grade_confirmation"
PLAN_APPROVAL = f"{ADDON}.mail_activity_type_plan_approval"


def new_profile(env, name, **values):
    """A profile as the Customer Profiles action creates it."""
    return (
        env["res.partner"]
        .with_context(default_profile_state="draft")
        .create({"name": name, "is_company": True, **values})
    )


class TestCustomerRouting(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.need_type = cls.env.ref(f"{ADDON}.need_type_equipment")
        cls.source = cls.env.ref("utm.utm_source_search_engine")

    def _submittable(self, owner, **values):
        return complete_draft_customer(self.env, "Routed Machinery", owner, **values)

    def _tasks(self, customer, xmlid):
        return customer.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(xmlid)
        )

    # the team and the account manager follow the owner

    @users("csp_rep")
    def test_profile_of_a_rep_gets_the_reps_team_and_account_manager(self):
        """A rep's new profile is in the rep's sales team, the rep its account
        manager: the team manager can open it, grade-A follow-ups reach the rep."""
        customer = new_profile(self.env, "Rep's New Customer", user_id=self.rep.id)
        self.assertEqual(customer.team_id, self.team_east)
        self.assertEqual(customer.account_manager_id, self.rep)
        self.assertTrue(
            customer.with_user(self.team_manager).has_access("read"),
            "the team manager opens the new profile",
        )

    def test_team_given_on_create_stays(self):
        """A team chosen on create is kept, whoever the owner."""
        customer = new_profile(
            self.env, "Chosen Team", user_id=self.rep.id, team_id=self.team_north.id
        )
        self.assertEqual(customer.team_id, self.team_north)

    def test_partners_outside_the_process_and_contacts_are_left_alone(self):
        """Vendors and a company's contacts get no team nor account manager."""
        vendor = self.env["res.partner"].create(
            {"name": "Paper vendor", "user_id": self.rep.id}
        )
        self.assertFalse(vendor.team_id)
        self.assertFalse(vendor.account_manager_id)
        customer = new_profile(self.env, "Parent", user_id=self.rep.id)
        contact = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": customer.id, "user_id": self.rep.id}
        )
        self.assertFalse(contact.account_manager_id)

    def test_new_owner_brings_team_and_account_manager_they_followed(self):
        """Changing the owner moves the team and the account manager when they
        were the former owner's."""
        customer = new_profile(self.env, "Moving Customer", user_id=self.rep.id)
        customer.user_id = self.rep_other
        self.assertEqual(customer.team_id, self.team_north)
        self.assertEqual(customer.account_manager_id, self.rep_other)

    def test_team_and_account_manager_chosen_by_hand_stay_on_owner_change(self):
        """A team or account manager set by hand is not overwritten."""
        customer = new_profile(self.env, "Key Account", user_id=self.rep.id)
        customer.write(
            {"team_id": self.team_north.id, "account_manager_id": self.team_manager.id}
        )
        customer.user_id = self.rep_teammate
        self.assertEqual(customer.team_id, self.team_north)
        self.assertEqual(customer.account_manager_id, self.team_manager)
        # a write naming the team keeps the team it names
        customer.write({"user_id": self.rep_other.id, "team_id": self.team_east.id})
        self.assertEqual(customer.team_id, self.team_east)

    def test_partner_entering_the_process_takes_its_owners_team(self):
        """Start Customer Profile on an existing company fills team and account
        manager from its salesperson."""
        company = self.env["res.partner"].create(
            {"name": "Existing Buyer", "is_company": True, "user_id": self.rep.id}
        )
        company.action_start_customer_process()
        self.assertEqual(company.team_id, self.team_east)
        self.assertEqual(company.account_manager_id, self.rep)

    def test_team_leader_owner_gets_the_team_they_lead(self):
        """An owner who leads a team without being a member gets that team."""
        customer = new_profile(self.env, "Leader's Own", user_id=self.team_manager.id)
        self.assertEqual(customer.team_id, self.team_east)

    def test_form_onchange_shows_team_and_account_manager(self):
        """The form fills team and account manager as soon as the owner is set."""
        from odoo.tests import Form

        form = Form(
            self.env["res.partner"].with_context(
                default_profile_state="draft", default_is_company=True
            )
        )
        form.name = "Form Customer"
        form.user_id = self.rep_other
        self.assertEqual(form.team_id, self.team_north)
        self.assertEqual(form.account_manager_id, self.rep_other)

    # review tasks move with the desk

    def test_review_task_of_a_teamless_profile_moves_to_the_new_team_manager(self):
        """A profile submitted without team asks a sales admin; given a team,
        its review task moves to that team's manager."""
        customer = self._submittable(self.rep_other, team_id=False)
        customer.team_id = False
        customer.with_user(self.rep_other).action_submit_review()
        task = self._tasks(customer, REVIEW)
        self.assertTrue(task.user_id.has_group("sales_team.group_sale_manager"))
        customer.with_user(self.rep_other).team_id = self.team_east
        self.assertEqual(task.user_id, self.team_manager)
        self.assertEqual(len(self._tasks(customer, REVIEW)), 1, "moved, not doubled")

    def test_owner_change_reroutes_review_grade_and_plan_tasks(self):
        """A new owner in another team: the review, grade confirmation and plan
        approval tasks go to that team's reviewer."""
        customer = self._submittable(self.rep)
        customer.with_user(self.rep).action_submit_review()
        customer.with_user(self.team_manager).action_activate()
        customer.with_user(self.rep).write(
            {
                "expected_annual_amount": 900000,
                "proposed_followup_plan_id": self.env.ref(
                    f"{ADDON}.crm_followup_plan_grade_b"
                ).id,
            }
        )
        grade = self._tasks(customer, GRADE_CONFIRMATION)
        plan = self._tasks(customer, PLAN_APPROVAL)
        self.assertEqual((grade | plan).user_id, self.team_manager)
        # the rep hands the customer over (a manager's change would confirm
        # the grade at once)
        customer.with_user(self.rep).user_id = self.rep_other
        self.assertEqual(customer.team_id, self.team_north)
        self.assertEqual(grade.user_id, self.sales_admin)
        self.assertEqual(plan.user_id, self.sales_admin)

    def test_rerouted_task_reads_in_the_new_reviewers_language(self):
        """The moved task's summary is written again for its new reviewer."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", ADDON)]
        )._update_translations(["zh_CN"])
        self.sales_admin.lang = "zh_CN"
        customer = self._submittable(self.rep)
        customer.with_user(self.rep).action_submit_review()
        task = self._tasks(customer, REVIEW)
        self.assertEqual(task.summary, "Review the customer profile")
        customer.user_id = self.rep_other
        self.assertEqual(task.user_id, self.sales_admin)
        self.assertNotEqual(task.summary, "Review the customer profile")

    # who receives the follow-ups

    def test_followups_go_to_shows_the_account_manager_or_the_salesperson(self):
        """Grade A plans go to the account manager (else the team leader); B and
        C to the salesperson; the role says why."""
        customer = new_profile(
            self.env, "Big Account", user_id=self.rep.id, expected_annual_amount=900000
        )
        self.assertEqual(customer.customer_grade, "a")
        self.assertEqual(customer.followup_user_id, self.rep)
        self.assertEqual(customer.followup_user_role, "Account manager")
        customer.account_manager_id = False
        self.assertEqual(customer.followup_user_id, self.team_manager)
        self.assertIn("team leader", customer.followup_user_role)
        customer.expected_annual_amount = 200000
        self.assertEqual(customer.followup_user_id, self.rep)
        self.assertEqual(customer.followup_user_role, "Salesperson")

    def test_activated_grade_a_followup_reaches_the_reps_my_followups(self):
        """A rep's grade-A customer, activated, schedules its follow-up for the
        rep (the account manager by default)."""
        customer = self._submittable(self.rep, expected_annual_amount=900000)
        customer.with_user(self.rep).action_submit_review()
        customer.with_user(self.team_manager).action_activate()
        followup = self.env["mail.activity"].search(
            [("followup_partner_id", "=", customer.id)]
        )
        self.assertEqual(followup.user_id, self.rep)
        self.assertEqual(customer.followup_user_id, followup.user_id)


class TestCustomerRoutingRpc(JsonRpcMatrixMixin, HttpCase):
    rpc_model = "res.partner"

    def test_rep_creates_a_profile_over_json_rpc_and_it_lands_in_the_team(self):
        """Over JSON-RPC, a rep's profile takes the rep's team: the team manager
        sees it and gets its review."""
        from odoo.tests import new_test_user

        rep = new_test_user(
            self.env, login="csp_rpc_router", groups="sales_team.group_sale_salesman"
        )
        manager = new_test_user(
            self.env,
            login="csp_rpc_router_manager",
            groups=f"{ADDON}.group_sale_team_manager",
        )
        team = self.env["crm.team"].create(
            {
                "name": "RPC Routing Team",
                "user_id": manager.id,
                "member_ids": [Command.link(rep.id)],
            }
        )
        self.authenticate(rep.login, rep.login)
        partner_id = self._call(
            "create",
            [
                {
                    "name": "RPC Routed Ltd",
                    "is_company": True,
                    "user_id": rep.id,
                    "team_id": False,
                    "need_type_id": self.env.ref(f"{ADDON}.need_type_equipment").id,
                    "source_id": self.env.ref("utm.utm_source_search_engine").id,
                    "child_ids": [Command.create({"name": "RPC Buyer"})],
                }
            ],
            {"context": {"default_profile_state": "draft"}},
        )
        self._call("action_submit_review", [[partner_id]])
        customer = self.env["res.partner"].browse(partner_id)
        self.assertEqual(customer.team_id, team)
        self.assertEqual(customer.activity_ids.user_id, manager)
