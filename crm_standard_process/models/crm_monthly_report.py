"""The monthly CRM report: immutable snapshot rows of a month's figures (P7).

One row per month, company, sales team, salesperson, grade and industry,
built set-based by ``_build``: one ``INSERT … SELECT`` grouped by the
dimensions per source into a staging table, then one statement that merges
them into the rows. The month-end job (``crm.monthly.report.month``) builds
each month once after it ends; the month in progress is rebuilt every day
as provisional rows (``is_provisional``).

Definitions (the user documentation repeats them):

* ``customer_count``: customers in the process with an active profile at
  month end (activated on or before the month's last day), by their grade,
  owner, team and industry then (when the snapshot is taken);
* ``followup_required_count`` / ``followup_done_count``: the follow-ups of
  the month from ``crm.followup.compliance`` (by assignee);
  ``followup_compliance_rate`` the share done on time of the required ones;
* ``won_count``: opportunities won (closed in a won stage) in the month;
  ``conversion_rate``: won ÷ (won + lost), of those closed in the month
  (lost: archived with a zero probability or a lost reason), by the
  opportunity's salesperson and team, the customer's grade and industry;
* ``complaint_count``: complaint tickets received in the month (type
  complaint, cancelled ones left out);
* ``satisfaction_avg``: average satisfaction score of the tickets closed in
  the month; ``sla_breached_count`` / ``sla_compliance_rate``: of the
  tickets closed in the month under an SLA policy, those with a deadline
  missed / the share with both deadlines met; ``response_hours_avg`` /
  ``resolution_hours_avg``: their average working hours to response and to
  solution (the SLA clock's own measure), by the ticket's owner and team.

Rates and averages add up as ratios of sums (``_read_group_select``), so a
pivot's totals are true rates, not averages of rates. Nobody writes or
deletes a row: a sales admin rebuilds a closed month from its month record.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import period
from ..tools.grading import GRADES

# Rates and averages: aggregate spec -> (numerator, denominator, factor).
RATIOS = {
    "followup_compliance_rate:avg": (
        "followup_on_time_count",
        "followup_required_count",
        100.0,
    ),
    "conversion_rate:avg": ("won_count", "closed_lead_count", 100.0),
    "sla_compliance_rate:avg": ("sla_met_count", "sla_closed_count", 100.0),
    "satisfaction_avg:avg": ("satisfaction_sum", "satisfaction_count", 1.0),
    "response_hours_avg:avg": ("response_hours_sum", "response_count", 1.0),
    "resolution_hours_avg:avg": ("resolution_hours_sum", "resolution_count", 1.0),
}
DIMENSIONS = ("team_id", "user_id", "customer_grade", "industry_id")
SUMS = (
    "customer_count",
    "followup_required_count",
    "followup_done_count",
    "followup_on_time_count",
    "won_count",
    "closed_lead_count",
    "complaint_count",
    "closed_ticket_count",
    "sla_closed_count",
    "sla_met_count",
    "satisfaction_sum",
    "satisfaction_count",
    "response_hours_sum",
    "response_count",
    "resolution_hours_sum",
    "resolution_count",
)
STAGE = "crm_monthly_report_stage"
# Set by the addon's own code only, for a change of rows the ORM must make.
SNAPSHOT_ENGINE = "crm_monthly_report_engine"


class CrmMonthlyReport(models.Model):
    _name = "crm.monthly.report"
    _description = "Monthly CRM Report"
    _order = "month_date desc, company_id, team_id, user_id, customer_grade"
    _rec_name = "month_date"

    month_date = fields.Date(string="Month", required=True, readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    customer_grade = fields.Selection(GRADES, string="Grade", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", readonly=True)
    is_provisional = fields.Boolean(
        string="Provisional",
        readonly=True,
        help="A row of the month in progress, rebuilt every day until the month "
        "is closed.",
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    followup_required_count = fields.Integer(
        string="Follow-ups Required", readonly=True
    )
    followup_done_count = fields.Integer(string="Follow-ups Done", readonly=True)
    followup_on_time_count = fields.Integer(string="Follow-ups on Time", readonly=True)
    followup_compliance_rate = fields.Float(
        string="Follow-up Compliance (%)",
        readonly=True,
        aggregator="avg",
        digits=(5, 1),
        help="Follow-ups done on time, out of the required ones.",
    )
    won_count = fields.Integer(string="Won", readonly=True)
    closed_lead_count = fields.Integer(
        string="Opportunities Closed",
        readonly=True,
        help="Won or lost in the month.",
    )
    conversion_rate = fields.Float(
        string="Conversion (%)",
        readonly=True,
        aggregator="avg",
        digits=(5, 1),
        help="Won, out of the opportunities won or lost in the month.",
    )
    complaint_count = fields.Integer(string="Complaints", readonly=True)
    closed_ticket_count = fields.Integer(string="Tickets Closed", readonly=True)
    satisfaction_avg = fields.Float(
        string="Satisfaction",
        readonly=True,
        aggregator="avg",
        digits=(3, 2),
        help="Average satisfaction score (1-5) of the tickets closed in the month.",
    )
    sla_breached_count = fields.Integer(string="SLA Breached", readonly=True)
    sla_compliance_rate = fields.Float(
        string="SLA Compliance (%)",
        readonly=True,
        aggregator="avg",
        digits=(5, 1),
        help="Tickets closed in the month with both deadlines met, out of those "
        "closed under an SLA policy.",
    )
    response_hours_avg = fields.Float(
        string="Time to Response (h)",
        readonly=True,
        aggregator="avg",
        digits=(6, 1),
        help="Average working hours to the response of the tickets closed in "
        "the month.",
    )
    resolution_hours_avg = fields.Float(
        string="Time to Resolution (h)",
        readonly=True,
        aggregator="avg",
        digits=(6, 1),
        help="Average working hours to the solution of the tickets closed in "
        "the month.",
    )
    # the sums the rates and averages are ratios of
    sla_closed_count = fields.Integer(
        string="Tickets Closed under SLA", readonly=True, aggregator=None
    )
    sla_met_count = fields.Integer(
        string="Tickets with SLA Met", readonly=True, aggregator=None
    )
    satisfaction_sum = fields.Float(
        string="Satisfaction Total", readonly=True, aggregator=None
    )
    satisfaction_count = fields.Integer(
        string="Rated Tickets", readonly=True, aggregator=None
    )
    response_hours_sum = fields.Float(
        string="Hours to Response, Total", readonly=True, aggregator=None
    )
    response_count = fields.Integer(
        string="Responded Tickets", readonly=True, aggregator=None
    )
    resolution_hours_sum = fields.Float(
        string="Hours to Resolution, Total", readonly=True, aggregator=None
    )
    resolution_count = fields.Integer(
        string="Solved Tickets", readonly=True, aggregator=None
    )

    @api.depends("month_date", "team_id", "user_id")
    def _compute_display_name(self):
        for row in self:
            parts = [
                row.month_date and row.month_date.strftime("%Y-%m"),
                row.team_id.name,
                row.user_id.name,
            ]
            row.display_name = " / ".join(part for part in parts if part)

    # CRUD

    def write(self, vals):
        self._check_snapshot_untouched("write")
        return super().write(vals)

    def unlink(self):
        self._check_snapshot_untouched("unlink")
        return super().unlink()

    def _check_snapshot_untouched(self, operation):
        """Rows change only through ``_build``, which writes in SQL: users
        have no right to, and even the superuser is refused."""
        self.check_access(operation)
        if not self.env.context.get(SNAPSHOT_ENGINE):
            raise UserError(
                self.env._(
                    "The monthly report's rows are snapshots and cannot be changed "
                    "or deleted; a sales admin may rebuild a month from its month "
                    "record."
                )
            )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """Rates and averages as ratios of sums: a total is a true rate."""
        if aggregate_spec not in RATIOS:
            return super()._read_group_select(aggregate_spec, query)
        numerator, denominator, factor = RATIOS[aggregate_spec]
        return SQL(
            "(%s * SUM(%s) / NULLIF(SUM(%s), 0))::float8",
            factor,
            self._field_to_sql(self._table, numerator, query),
            self._field_to_sql(self._table, denominator, query),
        )

    # business methods

    @api.model
    def _build(self, company, month, provisional=False):
        """Replace the rows of ``company``'s month starting on ``month`` by a
        fresh snapshot, in a handful of set-based statements whatever the
        number of customers. Returns the number of rows."""
        self.env.flush_all()
        tz = company.resource_calendar_id.tz or "UTC"
        last = period.month_end(month)
        start, end = period.utc_bounds(month, last, tz)
        cr = self.env.cr
        columns = SQL(", ").join(SQL.identifier(name) for name in SUMS)
        cr.execute(
            SQL(
                "CREATE TEMP TABLE IF NOT EXISTS %s (team_id int, user_id int,"
                " customer_grade varchar, industry_id int, %s) ON COMMIT DROP",
                SQL.identifier(STAGE),
                SQL(", ").join(
                    SQL("%s float8 NOT NULL DEFAULT 0", SQL.identifier(name))
                    for name in SUMS
                ),
            )
        )
        cr.execute(SQL("TRUNCATE %s", SQL.identifier(STAGE)))
        bounds = {
            "month": month,
            "last": last,
            "start": start,
            "end": end,
            "company": company.id,
        }
        for source in (
            self._customer_source,
            self._followup_source,
            self._opportunity_source,
            self._ticket_source,
        ):
            cr.execute(source(bounds))
        cr.execute(
            SQL(
                "DELETE FROM crm_monthly_report WHERE company_id = %s"
                " AND month_date = %s",
                company.id,
                month,
            )
        )
        cr.execute(
            SQL(
                """
                INSERT INTO crm_monthly_report (
                    month_date, company_id, team_id, user_id, customer_grade,
                    industry_id, is_provisional, %(columns)s,
                    followup_compliance_rate, conversion_rate, satisfaction_avg,
                    sla_breached_count, sla_compliance_rate, response_hours_avg,
                    resolution_hours_avg,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(month)s, %(company)s, team_id, user_id, customer_grade,
                       industry_id, %(provisional)s, %(sums)s,
                       ROUND((100 * SUM(followup_on_time_count)
                              / NULLIF(SUM(followup_required_count), 0))::numeric, 1),
                       ROUND((100 * SUM(won_count)
                              / NULLIF(SUM(closed_lead_count), 0))::numeric, 1),
                       ROUND((SUM(satisfaction_sum)
                              / NULLIF(SUM(satisfaction_count), 0))::numeric, 2),
                       SUM(sla_closed_count) - SUM(sla_met_count),
                       ROUND((100 * SUM(sla_met_count)
                              / NULLIF(SUM(sla_closed_count), 0))::numeric, 1),
                       ROUND((SUM(response_hours_sum)
                              / NULLIF(SUM(response_count), 0))::numeric, 1),
                       ROUND((SUM(resolution_hours_sum)
                              / NULLIF(SUM(resolution_count), 0))::numeric, 1),
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                       NOW() AT TIME ZONE 'UTC'
                  FROM %(stage)s
              GROUP BY team_id, user_id, customer_grade, industry_id
                """,
                columns=columns,
                month=month,
                company=company.id,
                provisional=provisional,
                sums=SQL(", ").join(
                    SQL("SUM(%s)", SQL.identifier(name)) for name in SUMS
                ),
                stage=SQL.identifier(STAGE),
                uid=self.env.uid,
            )
        )
        count = cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _stage_insert(self, columns, select):
        """``INSERT INTO`` the staging table ``columns`` (the dimensions first)
        from ``select``."""
        return SQL(
            "INSERT INTO %s (%s) %s",
            SQL.identifier(STAGE),
            SQL(", ").join(SQL.identifier(name) for name in columns),
            select,
        )

    @api.model
    def _customer_source(self, bounds):
        """Customers with an active profile at month end."""
        return self._stage_insert(
            (*DIMENSIONS, "customer_count"),
            SQL(
                """
                SELECT partner.team_id, partner.user_id, partner.customer_grade,
                       partner.industry_id, COUNT(*)
                  FROM res_partner partner
                 WHERE partner.profile_state = 'active'
                   AND partner.active
                   AND COALESCE(partner.company_id, partner.grade_company_id)
                       = %(company)s
                   AND (partner.activation_date IS NULL
                        OR partner.activation_date <= %(last)s)
              GROUP BY 1, 2, 3, 4
                """,
                **bounds,
            ),
        )

    @api.model
    def _followup_source(self, bounds):
        """The follow-up compliance of the month, by assignee."""
        return self._stage_insert(
            (
                *DIMENSIONS,
                "followup_required_count",
                "followup_done_count",
                "followup_on_time_count",
            ),
            SQL(
                """
                SELECT compliance.team_id, compliance.user_id,
                       compliance.customer_grade, partner.industry_id,
                       SUM(compliance.required_count), SUM(compliance.done_count),
                       SUM(compliance.on_time_count)
                  FROM crm_followup_compliance compliance
                  JOIN res_partner partner ON partner.id = compliance.partner_id
                 WHERE compliance.month_date = %(month)s
                   AND compliance.company_id = %(company)s
              GROUP BY 1, 2, 3, 4
                """,
                **bounds,
            ),
        )

    @api.model
    def _opportunity_source(self, bounds):
        """Opportunities won or lost in the month."""
        return self._stage_insert(
            (*DIMENSIONS, "won_count", "closed_lead_count"),
            SQL(
                """
                SELECT lead.team_id, lead.user_id,
                       COALESCE(customer.customer_grade, lead.customer_grade),
                       customer.industry_id,
                       COUNT(*) FILTER (WHERE lead.active AND stage.is_won),
                       COUNT(*)
                  FROM crm_lead lead
                  LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                  LEFT JOIN res_partner lead_partner
                    ON lead_partner.id = lead.partner_id
                  LEFT JOIN res_partner customer
                    ON customer.id = COALESCE(lead_partner.commercial_partner_id,
                                              lead_partner.id)
                 WHERE lead.date_closed >= %(start)s
                   AND lead.date_closed < %(end)s
                   AND COALESCE(lead.company_id, lead.grade_company_id) = %(company)s
                   AND lead.type = 'opportunity'
                   AND ((lead.active AND stage.is_won)
                        OR (NOT lead.active
                            AND (lead.probability = 0
                                 OR lead.lost_reason_id IS NOT NULL)))
              GROUP BY 1, 2, 3, 4
                """,
                **bounds,
            ),
        )

    @api.model
    def _ticket_source(self, bounds):
        """Complaints received in the month; tickets closed in the month."""
        return self._stage_insert(
            (
                *DIMENSIONS,
                "complaint_count",
                "closed_ticket_count",
                "sla_closed_count",
                "sla_met_count",
                "satisfaction_sum",
                "satisfaction_count",
                "response_hours_sum",
                "response_count",
                "resolution_hours_sum",
                "resolution_count",
            ),
            SQL(
                """
                SELECT team_id, user_id, customer_grade, industry_id,
                       COUNT(*) FILTER (WHERE received AND ticket_type = 'complaint'),
                       COUNT(*) FILTER (WHERE closed),
                       COUNT(*) FILTER (WHERE closed AND sla_id IS NOT NULL),
                       COUNT(*) FILTER (WHERE closed AND sla_id IS NOT NULL
                                        AND response_sla_met
                                        AND resolution_sla_met),
                       COALESCE(SUM(satisfaction_score) FILTER (
                           WHERE closed AND satisfaction_score > 0), 0),
                       COUNT(*) FILTER (WHERE closed AND satisfaction_score > 0),
                       COALESCE(SUM(response_time) FILTER (
                           WHERE closed AND responded_date IS NOT NULL), 0),
                       COUNT(*) FILTER (WHERE closed AND responded_date IS NOT NULL),
                       COALESCE(SUM(resolution_time) FILTER (
                           WHERE closed AND solved_date IS NOT NULL), 0),
                       COUNT(*) FILTER (WHERE closed AND solved_date IS NOT NULL)
                  FROM (
                    SELECT ticket.team_id, ticket.user_id, customer.customer_grade,
                           customer.industry_id, ticket.ticket_type, ticket.sla_id,
                           ticket.response_sla_met, ticket.resolution_sla_met,
                           ticket.satisfaction_score, ticket.response_time,
                           ticket.resolution_time, ticket.responded_date,
                           ticket.solved_date,
                           ticket.sla_start_date >= %(start)s
                               AND ticket.sla_start_date < %(end)s AS received,
                           ticket.state = 'closed'
                               AND ticket.closed_date >= %(start)s
                               AND ticket.closed_date < %(end)s AS closed
                      FROM crm_complaint_ticket ticket
                      LEFT JOIN res_partner ticket_partner
                        ON ticket_partner.id = ticket.partner_id
                      LEFT JOIN res_partner customer
                        ON customer.id = COALESCE(ticket_partner.commercial_partner_id,
                                                  ticket_partner.id)
                     WHERE ticket.company_id = %(company)s
                       AND ticket.state != 'cancelled'
                       AND ((ticket.sla_start_date >= %(start)s
                             AND ticket.sla_start_date < %(end)s)
                            OR (ticket.closed_date >= %(start)s
                                AND ticket.closed_date < %(end)s))
                  ) AS ticket
              GROUP BY 1, 2, 3, 4
                """,
                **bounds,
            ),
        )
