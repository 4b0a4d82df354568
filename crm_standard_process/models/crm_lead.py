from odoo import api, fields, models
from odoo.exceptions import UserError
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
    next_followup_date = fields.Date(
        string="Next Follow-up",
        compute="_compute_next_followup_date",
        search="_search_next_followup_date",
        help="The earliest of the customer's next planned follow-up and this "
        "opportunity's own next activity.",
    )

    @api.depends("partner_id.commercial_partner_id.customer_grade", "expected_revenue")
    def _compute_customer_grade(self):
        for lead in self:
            customer_grade = lead.partner_id.commercial_partner_id.customer_grade
            lead.customer_grade = customer_grade or grade_for(
                lead.company_id or self.env.company, lead.expected_revenue
            )

    @api.depends(
        "partner_id.commercial_partner_id.next_followup_date", "activity_date_deadline"
    )
    def _compute_next_followup_date(self):
        for lead in self:
            dates = [
                lead.partner_id.commercial_partner_id.next_followup_date,
                lead.activity_date_deadline,
            ]
            lead.next_followup_date = min(filter(None, dates), default=False)

    def _search_next_followup_date(self, operator, value):
        sql_operators = {
            "=": "=",
            "!=": "!=",
            "<": "<",
            "<=": "<=",
            ">": ">",
            ">=": ">=",
        }
        if operator not in sql_operators:
            raise UserError(self.env._("Unsupported search on Next Follow-up Date."))
        self.env.flush_all()
        # LEAST ignores NULLs: the earliest of the two dates that exist.
        next_date = SQL(
            """LEAST(
                (SELECT customer.next_followup_date
                   FROM res_partner contact
                   JOIN res_partner customer
                     ON customer.id = contact.commercial_partner_id
                  WHERE contact.id = %(partner)s),
                (SELECT MIN(activity.date_deadline)
                   FROM mail_activity activity
                  WHERE activity.res_model = 'crm.lead'
                    AND activity.res_id = %(lead)s
                    AND activity.active))""",
            partner=SQL.identifier("crm_lead", "partner_id"),
            lead=SQL.identifier("crm_lead", "id"),
        )
        if value is False or value is None:
            if operator not in ("=", "!="):
                raise UserError(
                    self.env._("Unsupported search on Next Follow-up Date.")
                )
            condition = SQL(
                "%s IS NULL" if operator == "=" else "%s IS NOT NULL", next_date
            )
        else:
            condition = SQL(
                "%s %s %s",
                next_date,
                SQL(sql_operators[operator]),
                fields.Date.to_date(value),
            )
        query = self._search([])
        query.add_where(condition)
        return [("id", "in", query)]

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
