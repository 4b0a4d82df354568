"""A month of the monthly report per company, and the month-end job that runs it (P7).

The record says whether the month is still provisional or closed, logs its
rebuilds in its chatter and remembers what the job already did for it, so
that a second run (or a second worker) does nothing twice: the snapshot
(once, at the first run after the month ends), the e-mails to the managers,
the quarterly review when the month closes a quarter, and the owners
reminded on the month's last working day (``data_update_user_ids``; the
reminder is an activity on this record, which leads the owner to the
customers to review).

``ir_cron_month_end`` runs ``_cron_month_end`` daily.
"""

import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import period
from ..tools.cron_batch import run_in_savepoints
from .data_update_mixin import DATA_UPDATE_ACTION

_logger = logging.getLogger(__name__)

DATA_UPDATE_ACTIVITY = "crm_standard_process.mail_activity_type_data_update"
REPORT_ACTION = "crm_standard_process.action_report_monthly"
SALES_ADMIN_GROUP = "sales_team.group_sale_manager"
QUARTERLY_REVIEW_ACTION = "crm_standard_process.res_partner_action_quarterly_review"


class CrmMonthlyReportMonth(models.Model):
    _name = "crm.monthly.report.month"
    _description = "Monthly CRM Report: Month"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "month_date desc, company_id"

    name = fields.Char(string="Month", required=True, readonly=True)
    month_date = fields.Date(
        string="First Day", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade"
    )
    state = fields.Selection(
        [("provisional", "Provisional"), ("closed", "Closed")],
        required=True,
        default="provisional",
        readonly=True,
        tracking=True,
        help="Provisional: the month in progress, its rows rebuilt every day. "
        "Closed: snapshotted once after the month ended; its rows no longer "
        "change.",
    )
    snapshot_date = fields.Datetime(string="Snapshot Taken On", readonly=True)
    row_count = fields.Integer(compute="_compute_row_count", string="Rows")
    report_sent = fields.Boolean(
        readonly=True,
        help="The closed month's report was e-mailed to the team managers and "
        "the sales admins.",
    )
    quarter_reviewed = fields.Boolean(
        readonly=True,
        help="The month closes a quarter, and the quarter's review has run.",
    )
    data_update_user_ids = fields.Many2many(
        "res.users",
        "crm_monthly_report_month_data_update_rel",
        "month_id",
        "user_id",
        string="Owners Reminded",
        readonly=True,
        help="The owners reminded to update their customers' data at this "
        "month's end: each at most once.",
    )

    _sql_constraints = [
        (
            "month_company_uniq",
            "unique(month_date, company_id)",
            "One record per month and company.",
        ),
    ]

    def _compute_row_count(self):
        counts = {
            (month, company.id): count
            for month, company, count in self.env["crm.monthly.report"]._read_group(
                [
                    ("month_date", "in", self.mapped("month_date")),
                    ("company_id", "in", self.company_id.ids),
                ],
                ["month_date:day", "company_id"],
                ["__count"],
            )
        }
        for record in self:
            record.row_count = counts.get((record.month_date, record.company_id.id), 0)

    # actions

    def action_view_rows(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_standard_process.crm_monthly_report_action"
        )
        action["domain"] = [
            ("month_date", "=", fields.Date.to_string(self.month_date)),
            ("company_id", "=", self.company_id.id),
        ]
        action["context"] = {}
        return action

    def action_view_data_update(self):
        """The current user's customers whose data waits for review."""
        return self.env["ir.actions.act_window"]._for_xml_id(DATA_UPDATE_ACTION)

    def action_rebuild(self):
        """A sales admin rebuilds the snapshot of these months from today's
        data; the chatter keeps what changed."""
        if not (self.env.su or self.env.user.has_group(SALES_ADMIN_GROUP)):
            raise AccessError(self.env._("Only a sales admin rebuilds a month."))
        for month in self:
            before = month.row_count
            month.sudo()._snapshot(provisional=month.state != "closed")
            month.invalidate_recordset(["row_count"])
            month.message_post(
                body=self.env._(
                    "%(user)s rebuilt the report of %(month)s from the current "
                    "data: %(before)s rows before, %(after)s now.",
                    user=self.env.user.name,
                    month=month.name,
                    before=before,
                    after=month.row_count,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # business methods

    @api.model
    def _for(self, company, month):
        """The record of ``company``'s month starting on ``month``, created if
        needed (two workers cannot create it twice)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_monthly_report_month (
                    name, month_date, company_id, state, create_uid, create_date,
                    write_uid, write_date)
                VALUES (%(name)s, %(month)s, %(company)s, 'provisional', %(uid)s,
                        NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC')
                ON CONFLICT (month_date, company_id) DO NOTHING
                """,
                name=month.strftime("%Y-%m"),
                month=month,
                company=company.id,
                uid=self.env.uid,
            )
        )
        return self.sudo().search(
            [("month_date", "=", month), ("company_id", "=", company.id)], limit=1
        )

    def _claim(self):
        """These records, locked for this transaction; those another worker
        holds are left out."""
        if not self:
            return self
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM crm_monthly_report_month WHERE id IN %s"
                " FOR NO KEY UPDATE SKIP LOCKED",
                tuple(self.ids),
            )
        )
        return self.browse([row[0] for row in rows])

    def _snapshot(self, provisional):
        self.ensure_one()
        self.env["crm.monthly.report"]._build(
            self.company_id, self.month_date, provisional=provisional
        )
        self.write({"snapshot_date": fields.Datetime.now()})

    def _close(self):
        """Snapshot the ended month, once."""
        self.ensure_one()
        if self.state == "closed":
            return
        self._snapshot(provisional=False)
        self.write({"state": "closed"})

    def _month_end_step(self, today):
        """The job's work for this company on its local ``today``: close last
        month (report, e-mails, quarterly review), refresh this month, remind
        the owners on the last working day."""
        company = self.company_id
        month = period.month_start(today)
        closing = self._for(company, period.previous_month(month))._claim()
        if closing:
            closing._close()
            # each in its own savepoint: a failure leaves its marker unset, and
            # the next run tries again
            if not closing.report_sent:
                closing._attempt(closing._send_reports, {"report_sent": True})
            if (
                period.is_quarter_end(closing.month_date)
                and not closing.quarter_reviewed
            ):
                closing._attempt(closing._review_quarter, {"quarter_reviewed": True})
        current = self._for(company, month)._claim()
        if current and current.state != "closed":
            snapshot_day = current.snapshot_date and period.local_today(
                current.snapshot_date, company.resource_calendar_id.tz
            )
            if snapshot_day != today:
                current._snapshot(provisional=True)
        calendar = company.resource_calendar_id
        if current and today == period.last_working_day(month, calendar):
            current._remind_data_update(today)

    def _attempt(self, job, done_values):
        """Run ``job`` in a savepoint and record ``done_values`` when it
        succeeded; log its failure."""
        try:
            with self.env.cr.savepoint():
                job()
                self.write(done_values)
        except Exception:
            _logger.exception(
                "Month-end step %s of %s failed", job.__name__, self.display_name
            )

    def _review_quarter(self):
        """The quarterly review of the quarter this month closes; the team
        managers hear of their teams' new churn risks."""
        quarter = period.quarter_start(self.month_date)
        new_risks = self.env["res.partner"]._review_quarter(self.company_id, quarter)
        teams = self.env["crm.team"].browse([t for t in new_risks if t]).sudo()
        for team in teams:
            customers = self.env["res.partner"].browse(new_risks[team.id])
            for manager in team._team_managers():
                self._notify_new_churn_risks(manager, team, customers)

    def _notify_new_churn_risks(self, manager, team, customers):
        record = self.with_context(lang=manager.lang or self.env.lang)
        names = ", ".join(customers[:20].sudo().mapped("display_name"))
        record.message_notify(
            partner_ids=manager.partner_id.ids,
            subject=record.env._(
                "Quarterly review: new churn risks in %(team)s", team=team.name
            ),
            body=Markup("<p>%s</p>")
            % record.env._(
                "The quarterly review flagged %(count)s customers of %(team)s as "
                "churn risks; their owners have a retention task: %(customers)s.",
                count=len(customers),
                team=team.name,
                customers=names,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _remind_data_update(self, today):
        """Remind each owner with customers not reviewed this month, once a
        month: the owners already reminded are recorded (and two workers
        cannot both record one)."""
        self.ensure_one()
        owners = self.env["res.partner"]._data_update_owners(
            self.company_id, self.month_date
        )
        if not owners:
            return
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_monthly_report_month_data_update_rel (month_id, user_id)
                SELECT %s, unnest(%s::int[])
                ON CONFLICT DO NOTHING
                RETURNING user_id
                """,
                self.id,
                list(owners),
            )
        )
        self.invalidate_recordset(["data_update_user_ids"])
        users = self.env["res.users"].sudo().browse(sorted(row[0] for row in rows))
        activity_type = self.env.ref(DATA_UPDATE_ACTIVITY)
        for user in users:
            record = self.with_context(lang=user.lang or self.env.lang)
            link = Markup('<a href="/odoo/action-%s">%s</a>') % (
                DATA_UPDATE_ACTION,
                record.env._("Open my customers to update"),
            )
            text = record.env._(
                "%(count)s of your customers were not reviewed this month. Check "
                "and update their data, then mark them reviewed.",
                count=owners[user.id],
            )
            record.sudo().activity_schedule(
                DATA_UPDATE_ACTIVITY,
                date_deadline=today,
                summary=activity_type.with_env(record.env).summary,
                note=Markup("<p>%s</p><p>%s</p>") % (text, link),
                user_id=user.id,
            )

    def _send_reports(self):
        """E-mail the closed month's report: each team manager the rows of
        their teams, each sales admin the company's (PDF attached)."""
        self.ensure_one()
        company = self.company_id
        Report = self.env["crm.monthly.report"].sudo()
        rows = Report.search(
            [("company_id", "=", company.id), ("month_date", "=", self.month_date)]
        )
        if not rows:
            return
        admins = (
            self.env.ref(SALES_ADMIN_GROUP)
            .sudo()
            .users.filtered(
                lambda u: u.active and not u.share and company in u.company_ids
            )
        )
        teams_by_manager = {}
        for team in rows.team_id:
            for manager in team._team_managers():
                if manager not in admins:
                    teams_by_manager.setdefault(manager, team.browse())
                    teams_by_manager[manager] |= team
        for manager, teams in teams_by_manager.items():
            team_rows = rows.filtered(lambda r, teams=teams: r.team_id in teams)
            self._mail_report(manager, team_rows, ", ".join(teams.mapped("name")))
        for admin in admins:
            self._mail_report(admin, rows, company.name)

    def _mail_report(self, user, rows, scope):
        """One e-mail to ``user`` with the report of ``rows`` (their ``scope``:
        teams or company) attached, in the user's language."""
        record = self.with_context(lang=user.lang or self.env.lang)
        content, _kind = (
            self.env["ir.actions.report"]
            .sudo()
            .with_context(lang=user.lang or self.env.lang)
            ._render_qweb_pdf(REPORT_ACTION, rows.ids)
        )
        subject = record.env._(
            "Monthly CRM report %(month)s: %(scope)s", month=self.name, scope=scope
        )
        body = Markup("<p>%s</p><p>%s</p>") % (
            record.env._("Hello %(name)s,", name=user.name),
            record.env._(
                "the CRM report of %(month)s for %(scope)s is attached: grades, "
                "follow-up compliance, conversion, satisfaction, complaints and "
                "SLA, with the previous month beside them.",
                month=self.name,
                scope=scope,
            ),
        )
        self.env["mail.mail"].sudo().create(
            {
                "subject": subject,
                "body_html": body,
                "email_from": self.company_id.email_formatted
                or self.env.user.email_formatted,
                "recipient_ids": [fields.Command.link(user.partner_id.id)],
                "model": self._name,
                "res_id": self.id,
                "attachment_ids": [
                    fields.Command.create(
                        {
                            "name": f"crm-report-{self.name}.pdf",
                            "raw": content,
                            "mimetype": "application/pdf",
                        }
                    )
                ],
            }
        )

    @api.model
    def _demo_build_history(self, months=6):
        """Demo data: snapshot the ``months`` closed months before this one
        (as sent), review the quarters they close, and the month in progress."""
        company = self.env.company
        current = period.month_start(fields.Date.context_today(self))
        for back in range(months, 0, -1):
            record = self._for(company, current - relativedelta(months=back))
            record._close()
            values = {"report_sent": True}
            if period.is_quarter_end(record.month_date):
                record._review_quarter()
                values["quarter_reviewed"] = True
            record.write(values)
        self._for(company, current)._snapshot(provisional=True)
        self.env["res.partner"]._create_review_tasks()

    # crons

    @api.model
    def _cron_month_end(self, batch_size=500):
        """The month-end job, daily: per company, close and report the month
        that ended, review the quarter that ended, refresh the month in
        progress and, on its last working day, remind the owners; then one
        batch of the quarterly review's tasks."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].sudo().search([])

        def step(batch):
            for company in batch:
                today = period.local_today(now, company.resource_calendar_id.tz)
                record = self.sudo()._for(company, period.month_start(today))
                record._month_end_step(today)

        done, _failed = run_in_savepoints(
            self.env,
            companies,
            step,
            lambda company: None,
            _logger,
            lambda company: f"Month-end job of company {company.id}",
        )
        tasks_done, remaining = self.env["res.partner"]._create_review_tasks(batch_size)
        self.env["ir.cron"]._notify_progress(
            done=len(done) + tasks_done, remaining=remaining
        )
