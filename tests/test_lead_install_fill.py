"""Install on a live database: the grade of the existing leads is filled in one
SQL statement, which must give what the Python compute gives."""

from odoo.tools import SQL

from .lead_common import LeadCase


class TestLeadInstallFill(LeadCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create(
            {
                "name": "Small Deals Ltd",
                "grade_a_threshold": 60,
                "grade_b_threshold": 10,
            }
        )
        graded = (
            cls.env["res.partner"]
            .with_context(default_profile_state="draft")
            .create(
                {
                    "name": "Graded Co",
                    "is_company": True,
                    "expected_annual_amount": 600000,
                }
            )
        )
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Buyer", "parent_id": graded.id}
        )
        cls.ungraded = cls.env["res.partner"].create(
            {"name": "Outside Co", "is_company": True}
        )

    def _lead(self, revenue, **values):
        return self.env["crm.lead"].create(
            {"name": "Pumps", "expected_revenue": revenue, **values}
        )

    def test_sql_fill_gives_the_computed_grade(self):
        """Every branch of the compute: the customer's grade (through a contact),
        a customer without grade, the thresholds of the lead's company with
        their bounds, the current company for a lead without one, the need
        clarity, no revenue."""
        main = self.env.company
        leads = self.env["crm.lead"]
        for revenue in (600000, 500000, 499999.99, 100000, 99999.99, 0, False):
            leads |= self._lead(revenue, company_id=main.id)
            leads |= self._lead(revenue, company_id=False, user_id=False)
        for revenue in (61, 60, 59.99, 10, 9.99, 0):
            leads |= self._lead(revenue, company_id=self.other_company.id)
        for clarity in ("clear", "vague"):
            for revenue in (600000, 0):
                leads |= self._lead(revenue, need_clarity=clarity)
            leads |= self._lead(
                5, company_id=self.other_company.id, need_clarity=clarity
            )
        leads |= self._lead(0, partner_id=self.buyer.id)
        leads |= self._lead(0, partner_id=self.ungraded.id)
        leads |= self._lead(600000, partner_id=self.ungraded.id)
        self.assertTrue(leads.filtered(lambda lead: not lead.company_id))
        self.assertEqual(self.buyer.commercial_partner_id.customer_grade, "a")
        self.assertFalse(self.ungraded.customer_grade)
        self.env.flush_all()
        computed = {lead.id: lead.customer_grade for lead in leads}
        self.assertEqual(set(computed.values()), {"a", "b", "c"})

        self.env.cr.execute(
            SQL("UPDATE crm_lead SET customer_grade = NULL WHERE id IN %s", leads._ids)
        )
        leads.invalidate_recordset(["customer_grade"])
        self.env["crm.lead"]._fill_customer_grade_in_sql(leads.ids)
        leads.invalidate_recordset(["customer_grade"])
        self.assertEqual({lead.id: lead.customer_grade for lead in leads}, computed)
