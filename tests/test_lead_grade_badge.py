"""Issue 14: the grade badge of a lead shows only a grade that rests on something."""

from .common import ADDON, CrmStandardProcessCase


class TestLeadGradeBadge(CrmStandardProcessCase):
    def test_bare_lead_is_c_without_badge(self):
        """A lead with nothing known is C by the rule, and shows no badge."""
        self.assertEqual(self.lead_rep.customer_grade, "c")
        self.assertFalse(self.lead_rep.grade_is_known)

    def test_lead_of_a_customer_in_the_process_shows_the_customers_grade(self):
        """The opportunity of a graded customer shows the customer's grade."""
        customer = self.env["res.partner"].create(
            {
                "name": "Graded Customer",
                "is_company": True,
                "profile_state": "draft",
                "expected_annual_amount": 900000,
            }
        )
        self.lead_rep.partner_id = customer
        self.assertEqual(self.lead_rep.customer_grade, "a")
        self.assertTrue(self.lead_rep.grade_is_known)

    def test_lead_of_a_partner_outside_the_process_shows_no_badge(self):
        """A vendor or any partner outside the process brings no grade."""
        self.lead_rep.partner_id = self.env["res.partner"].create({"name": "Walk-in"})
        self.assertFalse(self.lead_rep.grade_is_known)

    def test_lead_with_its_own_revenue_or_clarity_shows_its_grade(self):
        """Expected revenue or a need clarity grade the lead itself."""
        self.lead_rep.expected_revenue = 200000
        self.assertEqual(self.lead_rep.customer_grade, "b")
        self.assertTrue(self.lead_rep.grade_is_known)
        self.lead_teammate.need_clarity = "vague"
        self.assertEqual(self.lead_teammate.customer_grade, "c")
        self.assertTrue(self.lead_teammate.grade_is_known)

    def test_views_show_the_badge_only_for_a_known_grade(self):
        """Kanban card, form and lists hide the grade when it rests on nothing."""
        kanban = self.env.ref(f"{ADDON}.crm_lead_view_kanban").arch
        self.assertIn("record.grade_is_known.raw_value", kanban)
        form = self.env.ref(f"{ADDON}.crm_lead_view_form").arch
        self.assertEqual(form.count('invisible="not grade_is_known"'), 2)
        views = self.env["crm.lead"].get_views([(False, "kanban"), (False, "form")])
        self.assertIn("grade_is_known", views["views"]["kanban"]["arch"])
