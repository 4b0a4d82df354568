"""The monthly management report (PDF): a page per month and company of the rows.

``crm_standard_process.action_report_monthly`` renders, for each month and
company of the ``crm.monthly.report`` rows it is given, the figures of the
teams of those rows beside the previous month's and the change, the grade
distribution, and the churn-risk customers of the last quarterly review.
The figures are read as the user who prints (their record rules apply).
The Excel workbook reads the same pages.
"""

from odoo import api, models
from odoo.osv import expression

from ..tools import period

# The figures of a page: (aggregate, kind); the labels are the fields'.
FIGURES = [
    ("customer_count:sum", "count"),
    ("followup_required_count:sum", "count"),
    ("followup_done_count:sum", "count"),
    ("followup_compliance_rate:avg", "rate"),
    ("won_count:sum", "count"),
    ("conversion_rate:avg", "rate"),
    ("complaint_count:sum", "count"),
    ("satisfaction_avg:avg", "score"),
    ("sla_breached_count:sum", "count"),
    ("sla_compliance_rate:avg", "rate"),
    ("response_hours_avg:avg", "hours"),
    ("resolution_hours_avg:avg", "hours"),
]
CHURN_LIST_SIZE = 15


class ReportMonthly(models.AbstractModel):
    _name = "report.crm_standard_process.report_monthly"
    _description = "Monthly CRM Report (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        rows = self.env["crm.monthly.report"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "crm.monthly.report",
            "docs": rows,
            "pages": self._pages(rows),
            "format_figure": self._format_figure,
            "format_change": self._format_change,
        }

    @api.model
    def _pages(self, rows):
        """One page per (company, month) of ``rows``: the figures of the
        teams of those rows, with the previous month's."""
        Report = self.env["crm.monthly.report"]
        groups = {}
        for row in rows:
            groups.setdefault((row.company_id, row.month_date), Report)
            groups[(row.company_id, row.month_date)] |= row
        pages = []
        for (company, month), page_rows in sorted(
            groups.items(), key=lambda item: (item[0][1], item[0][0].id)
        ):
            team_domain = self._team_domain(page_rows)
            previous = period.previous_month(month)
            current_values = self._figures(company, month, team_domain)
            previous_values = self._figures(company, previous, team_domain)
            labels = Report.fields_get(
                [spec.split(":")[0] for spec, _kind in FIGURES], ["string"]
            )
            pages.append(
                {
                    "company": company,
                    "month": month,
                    "month_label": month.strftime("%Y-%m"),
                    "previous_label": previous.strftime("%Y-%m"),
                    "row": page_rows[:1],
                    "provisional": any(page_rows.mapped("is_provisional")),
                    "teams": self._team_names(page_rows),
                    "figures": [
                        {
                            "label": labels[spec.split(":")[0]]["string"],
                            "kind": kind,
                            "current": current_values.get(spec),
                            "previous": previous_values.get(spec),
                        }
                        for spec, kind in FIGURES
                    ],
                    "grades": self._grades(company, month, previous, team_domain),
                    "churn_risks": self._churn_risks(company, page_rows),
                }
            )
        return pages

    @api.model
    def _team_domain(self, rows):
        teams = rows.team_id
        domain = [("team_id", "in", teams.ids)]
        if any(not row.team_id for row in rows):
            domain = expression.OR([domain, [("team_id", "=", False)]])
        return domain

    @api.model
    def _team_names(self, rows):
        names = sorted(rows.team_id.mapped("name"))
        if any(not row.team_id for row in rows):
            names.append(self.env._("No sales team"))
        return ", ".join(names)

    @api.model
    def _figures(self, company, month, team_domain):
        domain = [
            ("company_id", "=", company.id),
            ("month_date", "=", month),
            *team_domain,
        ]
        specs = [spec for spec, _kind in FIGURES]
        [values] = self.env["crm.monthly.report"]._read_group(domain, [], specs)
        found = self.env["crm.monthly.report"].search_count(domain, limit=1)
        return dict(zip(specs, values, strict=True)) if found else {}

    @api.model
    def _grades(self, company, month, previous, team_domain):
        """[(grade label, customers this month, customers the month before)]."""
        Report = self.env["crm.monthly.report"]
        counts = {}
        for when in (month, previous):
            for grade, count in Report._read_group(
                [
                    ("company_id", "=", company.id),
                    ("month_date", "=", when),
                    *team_domain,
                ],
                ["customer_grade"],
                ["customer_count:sum"],
            ):
                counts[(grade, when)] = count
        labels = dict(Report._fields["customer_grade"]._description_selection(self.env))
        result = [
            (labels[grade], counts.get((grade, month)), counts.get((grade, previous)))
            for grade in labels
        ]
        if counts.get((False, month)) or counts.get((False, previous)):
            result.append(
                (
                    self.env._("Not graded"),
                    counts.get((False, month)),
                    counts.get((False, previous)),
                )
            )
        return result

    @api.model
    def _churn_risks(self, company, rows):
        """The churn-risk customers of these rows' teams, grade A first."""
        domain = [
            ("is_churn_risk", "=", True),
            "|",
            ("company_id", "=", company.id),
            ("grade_company_id", "=", company.id),
            *self._team_domain(rows),
        ]
        return self.env["res.partner"].search(
            domain, order="customer_grade, name", limit=CHURN_LIST_SIZE
        )

    @api.model
    def _format_figure(self, value, kind):
        if value is None or value is False:
            return "-"
        if kind == "count":
            return f"{int(value):,}"
        if kind == "rate":
            return f"{value:.1f} %"
        if kind == "score":
            return f"{value:.2f}"
        return f"{value:.1f} h"

    @api.model
    def _format_change(self, current, previous, kind):
        if current in (None, False) or previous in (None, False):
            return ""
        change = current - previous
        if kind == "count":
            return f"{int(change):+,}"
        if kind == "rate":
            return f"{change:+.1f} pt"
        if kind == "score":
            return f"{change:+.2f}"
        return f"{change:+.1f} h"
