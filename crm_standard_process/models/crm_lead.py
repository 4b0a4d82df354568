from odoo import api, fields, models
from odoo.tools import SQL

from ..grading import GRADES, grade_for, grade_sql


class CrmLead(models.Model):
    _inherit = "crm.lead"

    customer_grade = fields.Selection(
        GRADES,
        string="Grade",
        compute="_compute_customer_grade",
        store=True,
        tracking=True,
        index="btree_not_null",
        help="The customer's grade; without a graded customer, the expected "
        "revenue against the company's grade thresholds.",
    )

    @api.depends("partner_id.commercial_partner_id.customer_grade", "expected_revenue")
    def _compute_customer_grade(self):
        for lead in self:
            customer_grade = lead.partner_id.commercial_partner_id.customer_grade
            lead.customer_grade = customer_grade or grade_for(
                lead.company_id or self.env.company, lead.expected_revenue
            )

    @api.model
    def _regrade_leads(self, companies):
        """Re-grade, in one UPDATE per company, the leads graded by revenue."""
        self.env.flush_all()
        for company in companies:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE crm_lead lead
                       SET customer_grade = %(grade)s
                      FROM crm_lead graded
                 LEFT JOIN res_partner contact ON contact.id = graded.partner_id
                 LEFT JOIN res_partner customer
                        ON customer.id = contact.commercial_partner_id
                     WHERE lead.id = graded.id
                       AND customer.customer_grade IS NULL
                       AND COALESCE(graded.company_id, %(company)s) = %(company)s
                    """,
                    grade=grade_sql(
                        SQL.identifier("lead", "expected_revenue"), company
                    ),
                    company=company.id,
                )
            )
        self.invalidate_model(["customer_grade"])
