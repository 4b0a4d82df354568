from babel.dates import format_skeleton

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse, get_lang

from ..tools.grading import GRADES


class CrmFollowupCompliance(models.Model):
    """Follow-up compliance, per customer, assignee and month.

    Kept by the follow-ups themselves: each one scheduled, reassigned, done,
    cancelled or removed refreshes the rows of its customer and month. A
    follow-up counts in the month of its planned due date: *required* are the
    follow-ups the plan scheduled (a grade-A customer needs 2 a month, B one
    a week, C one a fortnight), *done* those logged, *on time* those logged
    within the company's logging delay; a cancelled one is not owed.
    """

    _name = "crm.followup.compliance"
    _description = "Follow-up Compliance"
    _order = "month_date desc, partner_id, user_id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assignee",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", readonly=True, index="btree_not_null"
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    customer_grade = fields.Selection(GRADES, string="Grade", readonly=True)
    month_date = fields.Date(string="Month", required=True, readonly=True, index=True)
    month_label = fields.Char(
        string="Month Name",
        compute="_compute_month_label",
        help="The month in words, in your language (December 2026).",
    )
    required_count = fields.Integer(string="Required", readonly=True)
    done_count = fields.Integer(string="Done", readonly=True)
    on_time_count = fields.Integer(string="On Time", readonly=True)
    compliance_rate = fields.Float(
        string="Compliance (%)",
        readonly=True,
        aggregator="avg",
        help="Follow-ups done on time, out of the required ones; a total over "
        "several rows weighs each row by its required follow-ups.",
    )

    _sql_constraints = [
        (
            "partner_user_month_uniq",
            "unique(partner_id, user_id, month_date)",
            "One compliance row per customer, assignee and month.",
        ),
    ]

    @api.depends("partner_id", "month_date")
    def _compute_display_name(self):
        for row in self:
            row.display_name = (
                f"{row.partner_id.display_name} "
                f"{(row.month_date and row.month_date.strftime('%Y-%m')) or ''}"
            ).strip()

    @api.depends("month_date")
    @api.depends_context("lang")
    def _compute_month_label(self):
        # the locale's own way of writing a month: December 2026, 2026年12月
        locale = babel_locale_parse(get_lang(self.env).code)
        for row in self:
            row.month_label = row.month_date and format_skeleton(
                "yMMMM", row.month_date, locale=locale
            )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """The compliance of several rows is theirs together: the follow-ups
        done on time out of all those required, not an average of rates."""
        if aggregate_spec == "compliance_rate:avg":
            return SQL(
                "ROUND(100.0 * SUM(%s) / NULLIF(SUM(%s), 0), 1)",
                self._field_to_sql(self._table, "on_time_count", query),
                self._field_to_sql(self._table, "required_count", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _refresh(self, partner_ids, months):
        """Recount the rows of these customers in these months (first days),
        in one statement: upsert what the follow-ups say, drop what they no
        longer do."""
        if not partner_ids or not months:
            return
        self.env["mail.activity"].flush_model(
            [
                "active",
                "user_id",
                "followup_partner_id",
                "followup_plan_id",
                "followup_due_date",
                "followup_on_time",
                "followup_cancelled",
            ]
        )
        self.env["res.partner"].flush_model(
            ["team_id", "company_id", "grade_company_id", "customer_grade"]
        )
        self.env.cr.execute(
            SQL(
                """
                WITH fresh AS (
                    SELECT activity.followup_partner_id AS partner_id,
                           activity.user_id,
                           date_trunc('month', activity.followup_due_date)::date
                               AS month_date,
                           COUNT(*) AS required_count,
                           COUNT(*) FILTER (WHERE NOT activity.active) AS done_count,
                           COUNT(*) FILTER (WHERE activity.followup_on_time)
                               AS on_time_count
                      FROM mail_activity activity
                     WHERE activity.followup_partner_id IN %(partners)s
                       AND activity.followup_plan_id IS NOT NULL
                       AND activity.user_id IS NOT NULL
                       -- a cancelled follow-up was not owed after all
                       AND activity.followup_cancelled IS NOT TRUE
                       AND date_trunc('month', activity.followup_due_date)::date
                           IN %(months)s
                  GROUP BY 1, 2, 3
                ),
                stale AS (
                    DELETE FROM crm_followup_compliance row
                     WHERE row.partner_id IN %(partners)s
                       AND row.month_date IN %(months)s
                       AND NOT EXISTS (
                           SELECT 1 FROM fresh
                            WHERE fresh.partner_id = row.partner_id
                              AND fresh.user_id = row.user_id
                              AND fresh.month_date = row.month_date
                       )
                )
                INSERT INTO crm_followup_compliance (
                    partner_id, user_id, team_id, company_id, customer_grade,
                    month_date, required_count, done_count, on_time_count,
                    compliance_rate, create_uid, create_date, write_uid, write_date
                )
                SELECT fresh.partner_id, fresh.user_id, partner.team_id,
                       COALESCE(partner.company_id, partner.grade_company_id),
                       partner.customer_grade, fresh.month_date,
                       fresh.required_count, fresh.done_count, fresh.on_time_count,
                       ROUND(100.0 * fresh.on_time_count / fresh.required_count, 1),
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                       NOW() AT TIME ZONE 'UTC'
                  FROM fresh
                  JOIN res_partner partner ON partner.id = fresh.partner_id
                    ON CONFLICT (partner_id, user_id, month_date) DO UPDATE
                   SET team_id = EXCLUDED.team_id,
                       company_id = EXCLUDED.company_id,
                       customer_grade = EXCLUDED.customer_grade,
                       required_count = EXCLUDED.required_count,
                       done_count = EXCLUDED.done_count,
                       on_time_count = EXCLUDED.on_time_count,
                       compliance_rate = EXCLUDED.compliance_rate,
                       write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                """,
                partners=tuple(partner_ids),
                months=tuple(months),
                uid=self.env.uid,
            )
        )
        self.invalidate_model()
