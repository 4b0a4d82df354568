"""P3: A/B/C grading with company thresholds, override and confirmation."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tools import mute_logger

from .common import CrmStandardProcessCase


class TestGrading(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"grade_a_threshold": 500000, "grade_b_threshold": 100000})
        cls.customer = cls._customer("Graded Co", 0)

    @classmethod
    def _customer(cls, name, amount, **values):
        return (
            cls.env["res.partner"]
            .with_context(default_profile_state="draft")
            .create(
                {
                    "name": name,
                    "is_company": True,
                    "user_id": cls.rep.id,
                    "team_id": cls.team_east.id,
                    "expected_annual_amount": amount,
                    **values,
                }
            )
        )

    def test_thresholds_are_inclusive_bounds(self):
        """A from threshold A, B from threshold B, C below, bounds included."""
        expected = {
            500000: "a",
            499999.99: "b",
            100000: "b",
            99999.99: "c",
            0: "c",
        }
        for amount, grade in expected.items():
            self.customer.expected_annual_amount = amount
            self.assertEqual(self.customer.customer_grade, grade, f"amount {amount}")

    def test_benchmark_and_need_clarity(self):
        """A benchmark company is A; a clear need at least B; a vague one C."""
        self.customer.is_industry_benchmark = True
        self.assertEqual(self.customer.customer_grade, "a")
        self.customer.write({"is_industry_benchmark": False, "need_clarity": "clear"})
        self.assertEqual(self.customer.customer_grade, "b")
        self.customer.need_clarity = "vague"
        self.assertEqual(self.customer.customer_grade, "c")
        self.customer.expected_annual_amount = 600000
        self.assertEqual(self.customer.customer_grade, "a", "the amount says more")

    def test_partners_outside_the_process_are_not_graded(self):
        """A plain contact without an expected amount has no grade."""
        self.assertFalse(
            self.env["res.partner"].create({"name": "Plain"}).customer_grade
        )

    def test_invalid_thresholds_are_refused(self):
        """Threshold A must be above B and both positive."""
        for values in (
            {"grade_a_threshold": 100000, "grade_b_threshold": 100000},
            {"grade_a_threshold": 50000},
            {"grade_b_threshold": -1},
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.company.write(values)
        self.assertEqual(self.company.grade_a_threshold, 500000)

    def test_threshold_save_only_marks_the_grades_stale(self):
        """Saving new thresholds in Settings re-grades nothing in its own
        transaction: it records that the company's grades are stale, shows it
        in Settings and has the re-grade job run soon."""
        customer = self._customer("Stale Co", 150000)
        self.assertEqual(customer.customer_grade, "b")
        cron = self.env.ref("crm_standard_process.ir_cron_regrade")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.regrade_state)
        self.env["res.config.settings"].create({"grade_b_threshold": 200000}).execute()
        self.assertEqual(self.company.regrade_state, "customers")
        self.assertEqual(self.company.regrade_requested_by_id, self.env.user)
        self.assertEqual(customer.customer_grade, "b", "not re-graded yet")
        self.assertEqual(
            self.env["res.config.settings"].create({}).regrade_state, "customers"
        )
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            len(triggers),
        )
        # saving the same thresholds again asks for nothing
        self._run_regrade()
        self.assertEqual(customer.customer_grade, "c")
        self.env["res.config.settings"].create({"grade_b_threshold": 200000}).execute()
        self.assertFalse(self.company.regrade_state)

    def test_threshold_change_regrades_in_batches_and_logs_it(self):
        """The re-grade job re-grades customers, then leads, in batches of a
        fixed number of statements whatever their size, and logs each change
        in the customer's chatter."""
        small = self.env["res.partner"]
        for n in range(10):
            small |= self._customer(f"Small {n}", 150000)
        self.env.flush_all()
        self.company.write({"grade_b_threshold": 200000})
        self.env.flush_all()
        Company = self.env["res.company"]
        # one batch of customers, one of leads: 23 queries, whatever their size
        with self.assertQueryCount(__system__=23):
            Company._cron_regrade()
        self.assertFalse(self.company.regrade_state)
        many = self.env["res.partner"]
        for n in range(50):
            many |= self._customer(f"Many {n}", 250000)
        self.env.flush_all()
        self.company.write({"grade_b_threshold": 300000})
        self.env.flush_all()
        with self.assertQueryCount(__system__=23):
            Company._cron_regrade()
        self.assertEqual(set((small | many).mapped("customer_grade")), {"c"})
        note = many[0].message_ids[0]
        self.assertIn("thresholds changed", note.body)
        self.assertEqual(note.author_id, self.env.user.partner_id)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))

    def test_regrade_is_restartable_batch_after_batch(self):
        """Each call takes the next batch from where the last one stopped and
        reports how many it did and about how many remain; the last one ends
        the re-grade."""
        customers = self.env["res.partner"]
        for n in range(7):
            customers |= self._customer(f"Batch {n}", 150000)
        self.env.flush_all()
        self.company.write({"grade_b_threshold": 200000})
        cron = self.env.ref("crm_standard_process.ir_cron_regrade")
        progress_seen = []
        for _call in range(100):
            if not self.company.regrade_state:
                break
            _cron, progress = cron._add_progress()
            self.env["res.company"].with_context(
                ir_cron_progress_id=progress.id
            )._cron_regrade(batch_size=3)
            progress_seen.append((progress.done, progress.remaining))
            if self.company.regrade_state == "customers":
                done = customers.filtered(lambda c: c.id <= self.company.regrade_cursor)
                self.assertEqual(
                    set(done.mapped("customer_grade")), {"c"} if done else set()
                )
                # the ones not reached yet keep their grade (the last batch
                # may end on the last customer, the next call then finishes)
                self.assertLessEqual(
                    set((customers - done).mapped("customer_grade")), {"b"}
                )
        self.assertFalse(self.company.regrade_state)
        self.assertEqual(set(customers.mapped("customer_grade")), {"c"})
        self.assertGreater(len(progress_seen), 3)
        # at most a batch a call (the step from customers to leads may do less)
        self.assertTrue(all(done <= 3 for done, _left in progress_seen))
        self.assertGreaterEqual(sum(done for done, _left in progress_seen), 7)
        self.assertTrue(all(left > 0 for _done, left in progress_seen[:-1]))
        self.assertEqual(progress_seen[-1][1], 0)

    def test_other_companies_customers_keep_their_grade(self):
        """Only the company whose thresholds changed is re-graded."""
        other_company = self.env["res.company"].create({"name": "Other Co"})
        theirs = self._customer("Theirs", 150000, company_id=other_company.id)
        self.assertEqual(theirs.customer_grade, "b")
        self.company.write({"grade_b_threshold": 200000})
        self._run_regrade()
        self.assertEqual(theirs.customer_grade, "b")
        self.assertEqual(self._customer("Ours", 150000).customer_grade, "c")

    def test_override_needs_a_reason_and_is_flagged(self):
        """The grade in force is the override; a mismatch is flagged."""
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.customer.write({"grade_override": "a"})
        self.customer.write(
            {"grade_override": "a", "grade_override_reason": "Group headquarters"}
        )
        self.assertEqual(self.customer.computed_grade, "c")
        self.assertEqual(self.customer.customer_grade, "a")
        self.assertTrue(self.customer.grade_differs)

    @mute_logger("odoo.models")
    def test_manager_confirms_grade_and_a_change_asks_again(self):
        """A confirmed grade is who/when; a new grade needs a new confirmation."""
        with self.assertRaises(AccessError):
            self.customer.with_user(self.rep).action_confirm_grade()
        self.customer.with_user(self.team_manager).action_confirm_grade()
        self.assertEqual(self.customer.confirmed_grade, "c")
        self.assertEqual(self.customer.grade_confirmed_by_id, self.team_manager)
        self.assertFalse(self.customer.grade_to_confirm)
        Partner = self.env["res.partner"]
        self.assertNotIn(
            self.customer, Partner.search([("grade_to_confirm", "=", True)])
        )
        self.customer.expected_annual_amount = 200000
        self.assertTrue(self.customer.grade_to_confirm)
        self.assertIn(self.customer, Partner.search([("grade_to_confirm", "=", True)]))
        self.assertNotIn(
            self.customer, Partner.search([("grade_to_confirm", "=", False)])
        )

    def test_grade_changes_are_tracked(self):
        """A grade change leaves a tracking value in the chatter."""
        customer = self._customer("Tracked Co", 0).with_context(tracking_disable=False)
        self.env.cr.precommit.run()  # the creation was not tracked; start afresh
        customer.expected_annual_amount = 800000
        self.env.cr.precommit.run()  # tracking values are written at commit
        tracked = customer.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("customer_grade", tracked)
        self.assertIn("expected_annual_amount", tracked)

    def test_lead_grade_follows_customer_else_expected_revenue(self):
        """A lead takes its customer's grade, else grades its expected revenue."""
        lead = self.lead_rep
        lead.expected_revenue = 120000
        self.assertEqual(lead.customer_grade, "b")
        lead.partner_id = self.customer.child_ids.create(
            {"name": "Buyer", "parent_id": self.customer.id}
        )
        self.assertEqual(lead.customer_grade, "c")
        self.customer.is_industry_benchmark = True
        self.assertEqual(lead.customer_grade, "a")

    def test_threshold_change_regrades_leads_without_graded_customer(self):
        """Leads graded by revenue follow the new thresholds."""
        self.lead_rep.expected_revenue = 150000
        self.assertEqual(self.lead_rep.customer_grade, "b")
        self.company.write({"grade_b_threshold": 200000})
        self._run_regrade(via_xmlid=True)
        self.assertEqual(self.lead_rep.customer_grade, "c")

    def test_grade_is_the_customers_company_whoever_computes_it(self):
        """Thresholds and currency come from the customer's company, else its
        owner's, else the main company; never from the current user's company."""
        eur = self.env.ref("base.EUR")
        eur.active = True
        branch = self.env["res.company"].create(
            {
                "name": "Euro Branch",
                "currency_id": eur.id,
                "grade_a_threshold": 50000,
                "grade_b_threshold": 10000,
            }
        )
        theirs = self._customer("Euro Customer", 60000, company_id=branch.id)
        ours = self._customer("Yuan Customer", 60000)
        shared = self._customer("Shared Customer", 60000, user_id=False)
        for company in (self.company, branch):
            with self.subTest(company=company.name):
                Partner = self.env["res.partner"].with_company(company)
                self.assertEqual(Partner.browse(theirs.id).customer_grade, "a")
                self.assertEqual(Partner.browse(theirs.id).profile_currency_id, eur)
                self.assertEqual(Partner.browse(ours.id).customer_grade, "c")
                created = Partner.with_context(default_profile_state="draft").create(
                    {
                        "name": f"Walk-in of {company.name}",
                        "is_company": True,
                        "expected_annual_amount": 60000,
                    }
                )
                self.assertEqual(
                    created.grade_company_id, self.env.ref("base.main_company")
                )
                self.assertEqual(created.customer_grade, "c")
                self.assertEqual(
                    created.profile_currency_id,
                    self.env.ref("base.main_company").currency_id,
                )
        self.assertEqual(shared.grade_company_id, self.env.ref("base.main_company"))
        branch.write({"grade_b_threshold": 20000, "grade_a_threshold": 70000})
        self._run_regrade()
        self.assertEqual(theirs.customer_grade, "b")
        self.assertEqual(ours.customer_grade, "c")
