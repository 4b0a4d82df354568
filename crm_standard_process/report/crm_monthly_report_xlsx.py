"""The monthly report as an Excel workbook (OCA ``report_xlsx``), four sheets.

``crm_standard_process.action_report_monthly_xlsx`` writes, for the
``crm.monthly.report`` rows it is given: the summary of each month and
company with the previous month beside it (the PDF's pages), the figures by
salesperson and by grade, and the tickets received or closed in those
months by those teams. Everything is read as the user who exports.
"""

from odoo import api, models

from ..tools import period
from .crm_monthly_report_pdf import FIGURES

BY_FIELDS = [spec for spec, _kind in FIGURES]
NUMBER_FORMATS = {"count": "#,##0", "rate": "0.0", "score": "0.00", "hours": "0.0"}


class ReportMonthlyXlsx(models.AbstractModel):
    _name = "report.crm_standard_process.report_monthly_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Monthly CRM Report (Excel)"

    def generate_xlsx_report(self, workbook, data, rows):
        styles = self._styles(workbook)
        pages = self.env["report.crm_standard_process.report_monthly"]._pages(rows)
        self._write_summary(
            workbook.add_worksheet(self.env._("Summary")), pages, styles
        )
        self._write_breakdown(
            workbook.add_worksheet(self.env._("By Rep")), rows, "user_id", styles
        )
        self._write_breakdown(
            workbook.add_worksheet(self.env._("By Grade")),
            rows,
            "customer_grade",
            styles,
        )
        self._write_tickets(workbook.add_worksheet(self.env._("Tickets")), rows, styles)

    @api.model
    def _styles(self, workbook):
        base = {"font_size": 10}
        styles = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "header": workbook.add_format(
                {**base, "bold": True, "bg_color": "#DDE4EE", "border": 1}
            ),
            "text": workbook.add_format(base),
            "note": workbook.add_format({**base, "italic": True, "font_color": "#777"}),
        }
        for kind, number_format in NUMBER_FORMATS.items():
            styles[kind] = workbook.add_format({**base, "num_format": number_format})
        return styles

    @api.model
    def _labels(self, fnames):
        info = self.env["crm.monthly.report"].fields_get(fnames, ["string"])
        return [info[fname]["string"] for fname in fnames]

    @api.model
    def _write_header(self, sheet, row, headers, styles, widths=None):
        for col, header in enumerate(headers):
            sheet.write(row, col, header, styles["header"])
            sheet.set_column(col, col, (widths or {}).get(col, 16))

    @api.model
    def _write_summary(self, sheet, pages, styles):
        row = 0
        for page in pages:
            title = self.env._(
                "%(company)s, %(month)s: %(teams)s",
                company=page["company"].name,
                month=page["month_label"],
                teams=page["teams"],
            )
            sheet.write(row, 0, title, styles["title"])
            if page["provisional"]:
                sheet.write(
                    row + 1,
                    0,
                    self.env._("Provisional: the month is still in progress."),
                    styles["note"],
                )
            row += 2
            self._write_header(
                sheet,
                row,
                [
                    self.env._("Figure"),
                    page["month_label"],
                    page["previous_label"],
                    self.env._("Change"),
                ],
                styles,
                {0: 30},
            )
            row += 1
            for figure in page["figures"]:
                style = styles[figure["kind"]]
                current, previous = figure["current"], figure["previous"]
                sheet.write(row, 0, figure["label"], styles["text"])
                for col, value in ((1, current), (2, previous)):
                    if value is not None:
                        sheet.write_number(row, col, value, style)
                if current is not None and previous is not None:
                    sheet.write_number(row, 3, current - previous, style)
                row += 1
            row += 1
        sheet.freeze_panes(0, 1)

    @api.model
    def _write_breakdown(self, sheet, rows, fname, styles):
        """The figures of ``rows``' months and companies, by ``fname``."""
        Report = self.env["crm.monthly.report"]
        domain = [
            ("company_id", "in", rows.company_id.ids),
            ("month_date", "in", list(set(rows.mapped("month_date")))),
            ("id", "in", rows.ids),
        ]
        groups = Report._read_group(
            domain, ["month_date:month", "company_id", fname], BY_FIELDS
        )
        measures = [spec.split(":")[0] for spec in BY_FIELDS]
        headers = [
            *self._labels(["month_date", "company_id", fname]),
            *self._labels(measures),
        ]
        self._write_header(sheet, 0, headers, styles, {0: 12, 1: 24, 2: 24})
        selection = dict(
            Report._fields["customer_grade"]._description_selection(self.env)
        )
        for line, (month, company, key, *values) in enumerate(
            sorted(groups, key=lambda g: (g[0], g[1].id, str(g[2]))), start=1
        ):
            sheet.write(line, 0, month.strftime("%Y-%m"), styles["text"])
            sheet.write(line, 1, company.name, styles["text"])
            if fname == "customer_grade":
                label = selection.get(key) or self.env._("Not graded")
            else:
                label = key.name or self.env._("Unassigned")
            sheet.write(line, 2, label, styles["text"])
            for col, ((_spec, kind), value) in enumerate(
                zip(FIGURES, values, strict=True), start=3
            ):
                if value is not None:
                    sheet.write_number(line, col, value, styles[kind])
        sheet.freeze_panes(1, 3)
        sheet.autofilter(0, 0, max(len(groups), 1), len(headers) - 1)

    @api.model
    def _write_tickets(self, sheet, rows, styles):
        """The tickets received or closed in the rows' months, of their teams."""
        Ticket = self.env["crm.complaint.ticket"]
        fnames = [
            "name",
            "subject",
            "partner_id",
            "user_id",
            "team_id",
            "ticket_type",
            "state",
            "sla_start_date",
            "closed_date",
            "sla_status",
            "satisfaction",
            "response_time",
            "resolution_time",
        ]
        info = Ticket.fields_get(fnames, ["string", "selection"])
        self._write_header(
            sheet, 0, [info[f]["string"] for f in fnames], styles, {1: 36, 2: 28}
        )
        tickets = Ticket.browse()
        for (company, month), page_rows in self._months(rows).items():
            start, end = period.utc_bounds(
                month, period.month_end(month), company.resource_calendar_id.tz
            )
            team_domain = self.env[
                "report.crm_standard_process.report_monthly"
            ]._team_domain(page_rows)
            tickets |= Ticket.search(
                [
                    ("company_id", "=", company.id),
                    "|",
                    "&",
                    ("sla_start_date", ">=", start),
                    ("sla_start_date", "<", end),
                    "&",
                    ("closed_date", ">=", start),
                    ("closed_date", "<", end),
                    *team_domain,
                ]
            )
        for line, ticket in enumerate(tickets.sorted("sla_start_date"), start=1):
            for col, fname in enumerate(fnames):
                value = ticket[fname]
                field = Ticket._fields[fname]
                if field.type == "many2one":
                    value = value.display_name or ""
                elif field.type == "selection":
                    value = dict(info[fname]["selection"]).get(value, "")
                elif field.type == "datetime":
                    value = value.strftime("%Y-%m-%d %H:%M") if value else ""
                if isinstance(value, float):
                    sheet.write_number(line, col, value, styles["hours"])
                else:
                    sheet.write(line, col, value or "", styles["text"])
        sheet.freeze_panes(1, 2)

    @api.model
    def _months(self, rows):
        result = {}
        for row in rows:
            key = (row.company_id, row.month_date)
            result.setdefault(key, rows.browse())
            result[key] |= row
        return result
