"""P10: leads graded A/B/C by fit: the customer's grade, else the expected
revenue against the thresholds, else the clarity of the need."""

from odoo.tests import new_test_user

from .lead_common import LeadCase


class TestLeadGrading(LeadCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = (
            cls.env["res.partner"]
            .with_context(default_profile_state="draft")
            .create(
                {
                    "name": "Graded Co",
                    "is_company": True,
                    "expected_annual_amount": 50000,
                }
            )
        )

    def _revenue_lead(self, revenue, clarity=False):
        return self.env["crm.lead"].create(
            {"name": "Pumps", "expected_revenue": revenue, "need_clarity": clarity}
        )

    def test_customer_grade_wins_over_revenue_and_clarity(self):
        """A lead of a graded customer takes the customer's grade."""
        lead = self._revenue_lead(600000, "clear")
        self.assertEqual(lead.customer_grade, "a")
        lead.partner_id = self.customer
        self.assertEqual(self.customer.customer_grade, "c")
        self.assertEqual(lead.customer_grade, "c")

    def test_revenue_grades_a_lead_without_graded_customer(self):
        """Without a graded customer the expected revenue meets the thresholds."""
        grades = {
            600000: "a",
            500000: "a",
            150000: "b",
            100000: "b",
            99999: "c",
            0: "c",
        }
        for revenue, grade in grades.items():
            self.assertEqual(
                self._revenue_lead(revenue).customer_grade, grade, f"{revenue}"
            )

    def test_clear_need_is_at_least_b_and_vague_c_unless_the_amount_says_more(self):
        """A clear need grades B, a vague one C; a big amount still grades A."""
        lead = self._revenue_lead(0, "clear")
        self.assertEqual(lead.customer_grade, "b")
        lead.need_clarity = "vague"
        self.assertEqual(lead.customer_grade, "c")
        lead.expected_revenue = 150000
        self.assertEqual(lead.customer_grade, "b", "the amount says B")
        lead.expected_revenue = 700000
        self.assertEqual(lead.customer_grade, "a", "the amount says A")
        lead.need_clarity = "clear"
        self.assertEqual(lead.customer_grade, "a")

    def test_threshold_change_regrades_leads_with_the_same_rule(self):
        """The set-based re-grade weighs clarity and follows the customers'
        new grades, as the compute does, and gives upgraded leads a deadline."""
        clear = self._revenue_lead(150000, "clear")
        vague = self._revenue_lead(150000, "vague")
        of_customer = self._revenue_lead(0)
        of_customer.partner_id = self.customer
        self.assertEqual(
            (clear | vague | of_customer).mapped("customer_grade"), ["b", "b", "c"]
        )
        self.assertFalse(of_customer.first_contact_deadline)
        self.company.write({"grade_a_threshold": 600000, "grade_b_threshold": 40000})
        self._run_regrade()
        self.assertEqual(self.customer.customer_grade, "b")
        self.assertEqual(
            (clear | vague | of_customer).mapped("customer_grade"), ["b", "b", "b"]
        )
        self.assertTrue(of_customer.first_contact_deadline)
        self.company.write({"grade_b_threshold": 200000})
        self._run_regrade(via_xmlid=True)
        self.assertEqual(
            (clear | vague | of_customer).mapped("customer_grade"), ["b", "c", "c"]
        )
        self.assertFalse(vague.first_contact_deadline)
        self.assertFalse(of_customer.first_contact_deadline)

    def _grade_tracking(self, lead):
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is posted when the data is
        return lead.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "customer_grade"
        )

    def test_regrade_uses_the_lead_company_thresholds_and_is_tracked(self):
        """A lead is graded against its own company's thresholds, whatever the
        current company; a threshold change regrades that company's leads
        only, and each new grade shows in the lead's chatter."""
        branch = self.env["res.company"].create(
            {
                "name": "Branch Co",
                "grade_a_threshold": 1000000,
                "grade_b_threshold": 300000,
            }
        )
        self.assertEqual(self.env.company, self.company)
        ours = self._revenue_lead(600000)
        theirs = self.env["crm.lead"].create(
            {"name": "Pumps", "expected_revenue": 600000, "company_id": branch.id}
        )
        self.assertEqual((ours | theirs).mapped("customer_grade"), ["a", "b"])
        self.assertFalse(self._grade_tracking(ours | theirs))
        branch.with_context(tracking_disable=False).write({"grade_b_threshold": 700000})
        self._run_regrade()
        self.assertEqual((ours | theirs).mapped("customer_grade"), ["a", "c"])
        changes = self._grade_tracking(theirs)
        self.assertEqual((changes.old_value_char, changes.new_value_char), ("B", "C"))
        self.assertFalse(self._grade_tracking(ours))
        self.company.with_context(tracking_disable=False).write(
            {"grade_a_threshold": 650000}
        )
        self._run_regrade()
        self.assertEqual((ours | theirs).mapped("customer_grade"), ["b", "c"])
        changes = self._grade_tracking(ours)
        self.assertEqual(len(changes), 1)
        self.assertEqual((changes.old_value_char, changes.new_value_char), ("A", "B"))

    def test_regrade_follows_a_customer_graded_by_another_company(self):
        """A lead of one company whose customer another company grades (a
        customer of no company, owned by that company's salesperson) follows
        the customer's new grade when that company's thresholds change."""
        branch = self.env["res.company"].create(
            {
                "name": "Branch Co",
                "grade_a_threshold": 80000,
                "grade_b_threshold": 40000,
            }
        )
        branch_rep = new_test_user(
            self.env,
            login="csp_branch_rep",
            groups="sales_team.group_sale_salesman",
            company_id=branch.id,
            company_ids=[(6, 0, branch.ids)],
        )
        theirs = (
            self.env["res.partner"]
            .with_context(default_profile_state="draft")
            .create(
                {
                    "name": "Branch Customer",
                    "is_company": True,
                    "company_id": False,
                    "user_id": branch_rep.id,
                    "expected_annual_amount": 50000,
                }
            )
        )
        lead = self._revenue_lead(0)
        lead.partner_id = theirs
        self.assertEqual(theirs.grade_company_id, branch)
        self.assertEqual(lead.grade_company_id, self.company)
        self.assertEqual((theirs.customer_grade, lead.customer_grade), ("b", "b"))
        self.env.flush_all()
        branch.write({"grade_b_threshold": 60000})
        self._run_regrade()
        self.assertEqual((theirs.customer_grade, lead.customer_grade), ("c", "c"))
        self.assertFalse(lead.first_contact_deadline)
