"""The monthly report's key figures as KPIs of Odoo's periodic digest e-mails.

Follow-up compliance, SLA compliance and customer satisfaction over the
digest's period, computed as the digest's recipient (their record rules
apply), the way Odoo's own CRM KPIs are.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError


class DigestDigest(models.Model):
    _inherit = "digest.digest"

    kpi_crm_followup_compliance = fields.Boolean(string="Follow-up Compliance (%)")
    kpi_crm_followup_compliance_value = fields.Float(
        compute="_compute_kpi_crm_followup_compliance_value"
    )
    kpi_crm_sla_compliance = fields.Boolean(string="Complaint SLA Compliance (%)")
    kpi_crm_sla_compliance_value = fields.Float(
        compute="_compute_kpi_crm_sla_compliance_value"
    )
    kpi_crm_satisfaction = fields.Boolean(string="Customer Satisfaction")
    kpi_crm_satisfaction_value = fields.Float(
        compute="_compute_kpi_crm_satisfaction_value"
    )

    def _check_crm_kpi_access(self):
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(
                self.env._("Do not have access, skip this data for user's digest email")
            )

    def _kpi_period(self):
        start, end, companies = self._get_kpi_compute_parameters()
        return (
            fields.Datetime.to_datetime(start),
            fields.Datetime.to_datetime(end),
            companies,
        )

    def _compute_kpi_crm_followup_compliance_value(self):
        """Follow-ups due in the period and logged on time, out of those due."""
        self._check_crm_kpi_access()
        start, end, _companies = self._kpi_period()
        Activity = self.env["mail.activity"].with_context(active_test=False)
        for digest in self:
            company = digest.company_id or self.env.company
            domain = [
                ("followup_plan_id", "!=", False),
                ("followup_cancelled", "=", False),
                ("followup_due_date", ">=", start.date()),
                ("followup_due_date", "<", end.date()),
                ("followup_partner_id.grade_company_id", "=", company.id),
            ]
            due = Activity.search_count(domain)
            on_time = Activity.search_count([*domain, ("followup_on_time", "=", True)])
            digest.kpi_crm_followup_compliance_value = (
                100.0 * on_time / due if due else 0.0
            )

    def _closed_tickets(self, company, start, end, extra=()):
        return [
            ("company_id", "=", company.id),
            ("state", "=", "closed"),
            ("closed_date", ">=", start),
            ("closed_date", "<", end),
            *extra,
        ]

    def _compute_kpi_crm_sla_compliance_value(self):
        """Tickets closed in the period with both deadlines met, out of those
        closed under an SLA policy."""
        self._check_crm_kpi_access()
        start, end, _companies = self._kpi_period()
        Ticket = self.env["crm.complaint.ticket"]
        for digest in self:
            company = digest.company_id or self.env.company
            domain = self._closed_tickets(
                company, start, end, [("sla_id", "!=", False)]
            )
            closed = Ticket.search_count(domain)
            met = Ticket.search_count(
                [
                    *domain,
                    ("response_sla_met", "=", True),
                    ("resolution_sla_met", "=", True),
                ]
            )
            digest.kpi_crm_sla_compliance_value = (
                100.0 * met / closed if closed else 0.0
            )

    def _compute_kpi_crm_satisfaction_value(self):
        """Average satisfaction (1-5) of the tickets closed in the period."""
        self._check_crm_kpi_access()
        start, end, _companies = self._kpi_period()
        for digest in self:
            company = digest.company_id or self.env.company
            [(average,)] = self.env["crm.complaint.ticket"]._read_group(
                self._closed_tickets(
                    company, start, end, [("satisfaction_score", ">", 0)]
                ),
                [],
                ["satisfaction_score:avg"],
            )
            digest.kpi_crm_satisfaction_value = average or 0.0

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        report = f"crm_standard_process.crm_monthly_report_action?menu_id={menu}"
        res["kpi_crm_followup_compliance"] = report
        res["kpi_crm_sla_compliance"] = report
        res["kpi_crm_satisfaction"] = report
        return res

    @api.model
    def _enable_crm_process_kpis(self):
        """Odoo's default digest carries the process's KPIs (at install)."""
        digest = self.env.ref("digest.digest_digest_default", raise_if_not_found=False)
        if digest:
            digest.write(
                {
                    "kpi_crm_followup_compliance": True,
                    "kpi_crm_sla_compliance": True,
                    "kpi_crm_satisfaction": True,
                }
            )
