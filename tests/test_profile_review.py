"""P1/P2: who is in the customer process, submit for review, activation."""

from freezegun import freeze_time

from odoo.addons.crm_standard_process.hooks import uninstall_hook
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests.common import users
from odoo.tools import SQL, mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import (
    ADDON,
    TEAM_MANAGER_GROUP,
    CrmStandardProcessCase,
    complete_draft_customer,
)

# the field guard's refusal of the review's own fields
ONLY_SALES_ADMINS = "can only be changed by a sales admin"


class TestProfileReview(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.need_type = cls.env.ref("crm_standard_process.need_type_equipment")
        cls.source = cls.env["utm.source"].create({"name": "Trade fair"})
        cls.customer = cls._customer("Sunrise Machinery Co., Ltd.", cls.rep)

    @classmethod
    def _customer(cls, name, owner, **values):
        """A complete draft customer of ``owner``'s team, ready for review."""
        return complete_draft_customer(
            cls.env,
            name,
            owner,
            need_type_id=cls.need_type.id,
            source_id=cls.source.id,
            **values,
        )

    def test_partners_outside_the_process_have_no_profile_state(self):
        """Users, vendors and plain contacts stay outside the customer process."""
        vendor = self.env["res.partner"].create({"name": "Paper supplier"})
        self.assertFalse(vendor.profile_state)
        self.assertFalse(self.rep.partner_id.profile_state)

    def test_customer_from_profiles_menu_starts_in_draft_and_contacts_stay_out(self):
        """The Customer Profiles action makes drafts; their contacts stay outside."""
        self.assertEqual(self.customer.profile_state, "draft")
        self.assertTrue(self.customer.child_ids)
        self.assertFalse(self.customer.child_ids.profile_state)

    def test_submit_lists_missing_key_fields_and_writes_nothing(self):
        """Submitting an incomplete profile names every missing key field."""
        bare = (
            self.env["res.partner"]
            .with_context(default_profile_state="draft")
            .create({"name": "Half-known Ltd", "is_company": True})
        )
        self.assertEqual(bare.profile_completeness, 7)
        with self.assertRaisesRegex(UserError, "at least one contact") as caught:
            bare.action_submit_review()
        self.assertIn("Need Type", str(caught.exception))
        self.assertIn("Source Channel", str(caught.exception))
        self.assertEqual(bare.profile_state, "draft")

    @users("csp_rep")
    def test_rep_submits_complete_profile_and_team_leader_gets_review(self):
        """A complete draft goes to review and its team leader gets an activity."""
        customer = self.customer.with_user(self.env.user)
        self.assertFalse(customer.missing_key_fields)
        customer.action_submit_review()
        self.assertEqual(customer.profile_state, "to_review")
        review = customer.sudo().activity_ids
        self.assertEqual(review.user_id, self.team_manager)
        self.assertEqual(
            review.activity_type_id,
            self.env.ref("crm_standard_process.mail_activity_type_profile_review"),
        )

    def test_crm_customers_menu_creates_draft_profiles(self):
        """CRM's Customers menu opens the customer process; new customers are drafts."""
        action = self.env.ref("crm.res_partner_menu_customer").action
        self.assertEqual(
            action, self.env.ref(f"{ADDON}.res_partner_action_customer_profile")
        )
        context = safe_eval(action.context, {"uid": self.rep.id})
        customer = (
            self.env["res.partner"]
            .with_user(self.rep)
            .with_context(**context)
            .create({"name": "Walk-in Trading"})
        )
        self.assertEqual(customer.profile_state, "draft")
        self.assertEqual(customer.user_id, self.rep)
        self.assertTrue(customer.is_company)

    def test_uninstall_gives_the_customers_menu_its_action_back(self):
        """The uninstall hook restores CRM's standard Customers action."""
        uninstall_hook(self.env)
        self.assertEqual(
            self.env.ref("crm.res_partner_menu_customer").action,
            self.env.ref("base.action_partner_form"),
        )

    def test_state_owner_and_key_fields_are_tracked(self):
        """Who changed the state, owner, name or a key field shows in the chatter."""
        customer = self.customer.with_context(tracking_disable=False)
        self.env.cr.precommit.run()  # the creation was not tracked; start afresh
        customer.write(
            {
                "name": "Sunrise Machinery Group",
                "user_id": self.rep_teammate.id,
                "source_id": self.env["utm.source"].create({"name": "Referral"}).id,
            }
        )
        customer.action_submit_review()
        self.env.cr.precommit.run()  # tracking values are written at commit
        tracked = customer.message_ids.tracking_value_ids.field_id.mapped("name")
        for fname in ("name", "user_id", "source_id", "profile_state"):
            self.assertIn(fname, tracked)

    def test_only_drafts_can_be_submitted(self):
        """Submitting twice is refused with the current status in the message."""
        self.customer.action_submit_review()
        with self.assertRaisesRegex(UserError, "To Review"):
            self.customer.action_submit_review()

    @users("csp_rep")
    @mute_logger("odoo.models")
    def test_rep_cannot_activate(self):
        """Activation is the team manager's or the sales admin's."""
        self.customer.action_submit_review()
        with self.assertRaises(AccessError):
            self.customer.with_user(self.env.user).action_activate()
        self.assertEqual(self.customer.profile_state, "to_review")

    @mute_logger("odoo.models")
    def test_team_manager_activates_own_teams_customers_only(self):
        """A team manager cannot activate another team's customer."""
        other = self._customer("Northern Steel", self.rep_other)
        (self.customer | other).action_submit_review()
        with self.assertRaises(AccessError):
            other.with_user(self.team_manager).action_activate()
        self.customer.with_user(self.team_manager).action_activate()
        self.assertEqual(self.customer.profile_state, "active")
        self.assertFalse(
            self.customer.activity_search(
                ["crm_standard_process.mail_activity_type_profile_review"]
            ),
            "the review activity is closed",
        )

    @freeze_time("2031-03-10")  # a year no demo customer was activated in
    def test_activation_draws_gap_free_yearly_archive_numbers(self):
        """Numbers come at activation only, per type and year, without gaps."""
        second = self._customer("Second Co", self.rep)
        consumer = self._customer("Ms. Wang", self.rep, customer_type="b2c")
        customers = self.customer | second | consumer
        customers.action_submit_review()
        self.customer.action_send_back("Add the registered address")
        self.customer.action_submit_review()
        customers.with_user(self.sales_admin).action_activate()
        self.assertEqual(
            customers.mapped("archive_number"),
            ["B2B-2031-001", "B2B-2031-002", "B2C-2031-001"],
        )
        with freeze_time("2032-01-05"):
            next_year = self._customer("New Year Co", self.rep)
            next_year.action_submit_review()
            next_year.action_activate()
        self.assertEqual(next_year.archive_number, "B2B-2032-001")

    def test_activating_a_draft_is_refused(self):
        """A profile must be reviewed before it is activated."""
        with self.assertRaisesRegex(UserError, "under review"):
            self.customer.with_user(self.sales_admin).action_activate()
        self.assertFalse(self.customer.archive_number)

    def test_send_back_needs_a_reason_and_tells_the_owner(self):
        """The wizard returns the profile to draft with its reason in the chatter."""
        self.customer.action_submit_review()
        with self.assertRaisesRegex(UserError, "reason"):
            self.customer.with_user(self.team_manager).action_send_back("  ")
        wizard = (
            self.env["crm.profile.send.back.wizard"]
            .with_user(self.team_manager)
            .create({"partner_ids": self.customer.ids, "reason": "Verify the VAT"})
        )
        wizard.action_send_back()
        self.assertEqual(self.customer.profile_state, "draft")
        self.assertEqual(self.customer.send_back_reason, "Verify the VAT")
        self.assertIn("Verify the VAT", self.customer.message_ids[0].body)

    def test_possible_duplicates_by_name_vat_and_email_domain(self):
        """Same name, VAT or company e-mail domain flags a duplicate; webmail not."""
        Partner = self.env["res.partner"]
        same_vat = Partner.create(
            {"name": "Other name", "is_company": True, "vat": "X1"}
        )
        same_domain = Partner.create(
            {"name": "Third", "is_company": True, "email": "info@Sunrise.CN"}
        )
        webmail = Partner.create(
            {"name": "Fourth", "email": "a@qq.com", "is_company": True}
        )
        new = Partner.new(
            {
                "name": "  sunrise  MACHINERY Co., Ltd. ",
                "vat": "X1",
                "email": "b@sunrise.cn",
            }
        )
        found = new.duplicate_partner_ids._origin
        self.assertEqual(found, self.customer | same_vat | same_domain)
        self.assertNotIn(webmail, found)

    def test_personal_looking_contact_details_are_flagged(self):
        """A mobile as work phone, or a webmail address, is accepted but flagged."""
        self.assertFalse(self.customer.contact_warning)
        self.customer.child_ids.write({"phone": "138 1234 5678", "email": "x@qq.com"})
        self.assertIn("phone looks personal", self.customer.contact_warning)
        self.assertIn("not a company address", self.customer.contact_warning)

    @mute_logger("odoo.models")
    def test_review_fields_are_written_by_the_buttons_only(self):
        """Neither a rep nor a team manager skips the review by writing its
        fields, on create (values or context defaults) or on write; the buttons
        still work and a sales admin may correct."""
        forged = {
            "profile_state": "active",
            "archive_number": "B2B-2000-999",
            "send_back_reason": "none",
            "confirmed_grade": "a",
            "grade_confirmed_by_id": self.team_manager.id,
            "grade_confirmed_date": "2026-01-01 00:00:00",
        }
        for user in (self.rep, self.team_manager):
            customer = self.customer.with_user(user)
            for fname, value in forged.items():
                with self.subTest(user=user.login, field=fname):
                    with self.assertRaisesRegex(AccessError, ONLY_SALES_ADMINS):
                        customer.write({fname: value})
                    with self.assertRaisesRegex(AccessError, ONLY_SALES_ADMINS):
                        customer.create({"name": "Forged Co", fname: value})
                    with self.assertRaisesRegex(AccessError, ONLY_SALES_ADMINS):
                        customer.with_context(**{f"default_{fname}": value}).create(
                            {"name": "Forged Co"}
                        )
        self.assertEqual(self.customer.profile_state, "draft")
        self.assertFalse(self.customer.archive_number)
        customer = self.customer.with_user(self.rep)
        customer.action_submit_review()
        self.assertEqual(customer.profile_state, "to_review")
        with self.assertRaisesRegex(AccessError, ONLY_SALES_ADMINS):
            customer.write({"profile_state": "draft"})
        customer.with_user(self.sales_admin).write({"profile_state": "active"})
        self.assertEqual(customer.profile_state, "active")

    @users("csp_rep")
    def test_rep_brings_a_partner_into_the_process_as_a_draft(self):
        """Starting the process, or creating a draft, needs no review right."""
        vendor = self.env["res.partner"].create({"name": "Tool shop"})
        vendor.action_start_customer_process()
        self.assertEqual(vendor.profile_state, "draft")
        other = self.env["res.partner"].create(
            {"name": "Other shop", "profile_state": "draft"}
        )
        self.assertEqual(other.profile_state, "draft")

    def _reviewer_after_submit(self, customer, submitter):
        customer.with_user(submitter).action_submit_review()
        return customer.activity_search(
            ["crm_standard_process.mail_activity_type_profile_review"]
        ).user_id

    def test_review_goes_to_a_team_manager_of_the_team(self):
        """A leader without review rights is passed over for a team manager
        member; nobody reviews their own submission; else a sales admin."""
        team = self.team_east
        team.user_id = self.rep_teammate  # a plain rep leads the team
        reviewer = self._reviewer_after_submit(self.customer, self.rep)
        self.assertTrue(reviewer.has_group("sales_team.group_sale_manager"))
        team.member_ids = [(4, self.team_manager.id)]
        second = self._customer("Second Co", self.rep)
        self.assertEqual(
            self._reviewer_after_submit(second, self.rep), self.team_manager
        )
        # the team manager submits: someone else reviews
        third = self._customer("Third Co", self.team_manager, team_id=team.id)
        reviewer = self._reviewer_after_submit(third, self.team_manager)
        self.assertTrue(reviewer)
        self.assertNotEqual(reviewer, self.team_manager)
        self.assertTrue(reviewer.has_group("sales_team.group_sale_manager"))
        # no team at all: a sales admin
        teamless = self._customer("Teamless Co", self.rep, team_id=False)
        teamless.team_id = False  # a new profile takes its owner's team
        reviewer = self._reviewer_after_submit(teamless, self.rep)
        self.assertTrue(reviewer.has_group("sales_team.group_sale_manager"))

    def test_review_is_never_routed_to_the_submitting_rep(self):
        """A rep who leads the team (without review rights) is not their own
        reviewer."""
        self.team_east.user_id = self.rep
        reviewer = self._reviewer_after_submit(self.customer, self.rep)
        self.assertTrue(reviewer)
        self.assertNotEqual(reviewer, self.rep)
        self.assertTrue(reviewer.has_group(TEAM_MANAGER_GROUP))

    def test_sales_team_of_another_company_is_refused(self):
        """A customer of one company cannot be followed by another company's
        team; shared customers and teams of no company fit everywhere."""
        main = self.env.ref("base.main_company")
        branch = self.env["res.company"].create({"name": "Branch Co"})
        branch_team = self.env["crm.team"].create(
            {"name": "Branch team", "company_id": branch.id}
        )
        self.team_east.company_id = main
        self.customer.company_id = main
        with (
            self.assertRaisesRegex(ValidationError, "Branch team"),
            self.env.cr.savepoint(),
        ):
            self.customer.team_id = branch_team
        with (
            self.assertRaisesRegex(ValidationError, "Branch Co"),
            self.env.cr.savepoint(),
        ):
            self.customer.company_id = branch
        self.assertEqual(self.customer.team_id, self.team_east)
        shared = self._customer("Shared Co", self.rep)
        shared.team_id = branch_team
        self.assertEqual(shared.team_id, branch_team)
        self.team_east.company_id = False
        self.customer.company_id = branch
        self.assertEqual(self.customer.company_id, branch)

    def test_duplicate_lookup_is_an_index_lookup(self):
        """Name, VAT and e-mail domain are compared for equality on indexed
        columns: the plan reads the indexes, never the whole partner table."""
        self.env.flush_all()
        self.assertEqual(self.customer.company_name_key, "sunrise machinery co., ltd.")
        domain = [
            ("parent_id", "=", False),
            "|",
            "|",
            ("company_name_key", "=", "sunrise machinery co., ltd."),
            ("vat", "=", "X1"),
            ("email_domain", "=", "sunrise.cn"),
        ]
        query = self.env["res.partner"]._search(domain, limit=5)
        # Fresh statistics (most partners have no parent), and a test table
        # small enough for a sequential scan to be cheaper than on a million
        # partners: forbid it, and see which indexes the planner finds.
        self.env.cr.execute("ANALYZE res_partner")
        # Plain index scans are off too: a walk of some other index, filtering
        # row by row, is no lookup either, and the planner's pick among them
        # would follow the statistics of the moment.
        scans = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
        for scan in scans:
            self.env.cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(scan)))
        try:
            self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            for scan in scans:
                self.env.cr.execute(SQL("SET LOCAL %s = on", SQL.identifier(scan)))
        self.assertNotIn("Seq Scan on res_partner", plan)
        for index in (
            "res_partner__company_name_key_index",
            "res_partner__vat_index",
            "res_partner__email_domain_index",
        ):
            self.assertIn(index, plan)

    def test_install_sql_gives_the_duplicate_keys_the_compute_gives(self):
        """The SQL that fills the keys of a live database at install agrees
        with the Python compute of every later write."""
        partners = self.env["res.partner"].create(
            [
                {"name": " Tab\tand  Spaces Ltd ", "email": "Sales@Example.COM "},
                {"name": "No Mail Ltd"},
                {"name": "Odd Ltd", "email": "not-an-address"},
                {"name": "Buyer", "parent_id": self.customer.id, "email": "b@x.cn"},
            ]
        )
        self.env.flush_all()
        expected = [(p.company_name_key, p.email_domain) for p in partners]
        self.assertEqual(
            expected,
            [
                ("tab and spaces ltd", "example.com"),
                ("no mail ltd", False),
                ("odd ltd", False),
                (False, False),
            ],
        )
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET company_name_key = NULL, email_domain = NULL"
                " WHERE id IN %s",
                tuple(partners.ids),
            )
        )
        self.env["res.partner"]._fill_duplicate_keys_in_sql()
        partners.invalidate_recordset(["company_name_key", "email_domain"])
        self.assertEqual(
            [(p.company_name_key, p.email_domain) for p in partners], expected
        )
