import calendar
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from ..tools import sla_clock
from ..tools.cron_batch import run_in_savepoints

_logger = logging.getLogger(__name__)

OCCASIONS = [
    ("birthday", "Birthday"),
    ("founding", "Founding Anniversary"),
    ("cooperation", "Cooperation Anniversary"),
]


def month_day_sql(column):
    """The month-day key of a date column (1231 for 31 December), as indexed
    on res_partner's birthday and founding_date (res.partner's init)."""
    return SQL(
        "(EXTRACT(MONTH FROM %s)::int * 100 + EXTRACT(DAY FROM %s)::int)",
        column,
        column,
    )


def horizon_keys(today, horizon):
    """The days from today to ``horizon`` days ahead, each with the
    month-day key of the dates whose anniversary it is: its own, and on 28
    February of a common year also 229, since whoever was born on 29
    February is greeted on the 28th in other years. Two lists of one length,
    (days, keys)."""
    days, keys = [], []
    for offset in range(horizon + 1):
        day = today + timedelta(days=offset)
        days.append(day)
        keys.append(day.month * 100 + day.day)
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            days.append(day)
            keys.append(229)
    return days, keys


class CrmFollowupGreeting(models.Model):
    """An important date greeted: the marker that makes it once a year.

    The daily greetings job schedules a greeting task on the customer some
    days ahead of a contact's birthday, of the company's founding anniversary
    and of the anniversary of the first won opportunity, and records it here;
    the unique key (person, occasion, year) keeps it to once a year, even with
    several cron workers. A greeting that failed is recorded too, with the day
    it is tried again: its own marker, which holds up nothing else of the
    customer's follow-up.
    """

    _name = "crm.followup.greeting"
    _description = "Important-Date Greeting"
    _order = "occasion_date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Greeted",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        help="The contact whose birthday, or the customer whose anniversary, it is.",
    )
    customer_id = fields.Many2one(
        "res.partner", required=True, readonly=True, index=True, ondelete="cascade"
    )
    occasion = fields.Selection(OCCASIONS, required=True, readonly=True)
    occasion_date = fields.Date(required=True, readonly=True)
    year = fields.Integer(required=True, readonly=True)
    activity_id = fields.Many2one(
        "mail.activity", string="Greeting Task", readonly=True, ondelete="set null"
    )
    retry_date = fields.Date(
        readonly=True,
        help="The greeting failed; it is tried again from this day on.",
    )

    _sql_constraints = [
        (
            "partner_occasion_year_uniq",
            "unique(partner_id, occasion, year)",
            "This important date was already greeted this year.",
        ),
    ]

    @api.model
    def _cron_followup_greetings(self, batch_size=500):
        """Schedule the greetings falling due, one batch a call, then report
        what remains."""
        today = fields.Date.context_today(self)
        greeted = self._greet_important_dates(today, limit=batch_size)
        self.env["ir.cron"]._notify_progress(
            done=greeted,
            remaining=self._due_occasions(today, limit=batch_size, count=True),
        )
        return greeted

    @api.model
    def _greet_important_dates(self, today, limit=None):
        """Schedule the greetings falling due, one batch; returns how many."""
        occasions = self._due_occasions(today, limit=limit)
        if not occasions:
            return 0
        Partner = self.env["res.partner"]
        done, _failed = run_in_savepoints(
            self.env,
            occasions,
            lambda batch: self._greet(batch, today),
            lambda occasion: self._mark_failed(occasion, today),
            _logger,
            lambda occasion: f"Greeting {Partner.browse(occasion[1]).display_name}",
        )
        return len(done)

    @api.model
    def _mark_failed(self, occasion, today):
        """Try the greeting of ``occasion`` again tomorrow, not at every call."""
        person_id, customer_id, name, _origin, day = occasion
        values = {"retry_date": today + timedelta(days=1)}
        marker = self._failed_markers([occasion]).get((person_id, name, day.year))
        if marker:
            marker.write(values)
        else:
            self.create(
                {
                    "partner_id": person_id,
                    "customer_id": customer_id,
                    "occasion": name,
                    "occasion_date": day,
                    "year": day.year,
                    **values,
                }
            )

    @api.model
    def _failed_markers(self, occasions):
        """(person id, occasion, year) -> the marker of a failed greeting."""
        markers = self.search(
            [
                ("partner_id", "in", list({row[0] for row in occasions})),
                ("retry_date", "!=", False),
            ]
        )
        return {(m.partner_id.id, m.occasion, m.year): m for m in markers}

    @api.model
    def _due_occasions(self, today, limit=None, count=False):
        """The important dates to greet from today to each company's horizon,
        not greeted yet that year, as tuples (greeted person id, customer id,
        occasion, original date, anniversary date) (``count``: how many, up to
        ``limit``).

        Dates are matched on their month-day key (``month_day_sql``, indexed
        on birthdays, founding dates and cooperation start dates) against the
        keys of the days of the horizon, so that a million partners are not
        compared with each day, nor every won lead aggregated."""
        self.env.flush_all()
        companies = self.env["res.company"].sudo().search([])
        horizon = max(companies.mapped("followup_greeting_days") or [0])
        days, keys = horizon_keys(today, horizon)
        query = SQL(
            """
            WITH customer AS (
                SELECT partner.id, company.followup_greeting_days
                  FROM res_partner partner
                  JOIN res_company company ON company.id = partner.grade_company_id
             LEFT JOIN crm_team team ON team.id = partner.team_id
                 WHERE partner.profile_state = 'active'
                   AND partner.active
                   AND COALESCE(partner.account_manager_id, team.user_id,
                                partner.user_id) IS NOT NULL
            ),
            occasion AS (
                SELECT contact.id AS partner_id,
                       contact.commercial_partner_id AS customer_id,
                       'birthday' AS occasion, contact.birthday AS origin,
                       %(birthday_key)s AS key
                  FROM res_partner contact
                 WHERE contact.birthday IS NOT NULL AND contact.active
                   AND %(birthday_key)s = ANY(%(keys)s)
             UNION ALL
                SELECT partner.id, partner.id, 'founding', partner.founding_date,
                       %(founding_key)s
                  FROM res_partner partner
                 WHERE partner.founding_date IS NOT NULL
                   AND %(founding_key)s = ANY(%(keys)s)
             UNION ALL
                SELECT partner.id, partner.id, 'cooperation',
                       partner.cooperation_start_date, %(cooperation_key)s
                  FROM res_partner partner
                 WHERE partner.cooperation_start_date IS NOT NULL
                   AND %(cooperation_key)s = ANY(%(keys)s)
            ),
            day AS (
                SELECT day, key
                  FROM unnest(%(days)s::date[], %(day_keys)s::int[]) AS day(day, key)
            )
            SELECT occasion.partner_id, occasion.customer_id, occasion.occasion,
                   occasion.origin, day.day
              FROM occasion
              JOIN customer ON customer.id = occasion.customer_id
              JOIN day
                ON day.key = occasion.key
               AND day.day <= %(today)s::date + customer.followup_greeting_days
               AND EXTRACT(YEAR FROM day.day) > EXTRACT(YEAR FROM occasion.origin)
             WHERE NOT EXISTS (
                   SELECT 1 FROM crm_followup_greeting greeting
                    WHERE greeting.partner_id = occasion.partner_id
                      AND greeting.occasion = occasion.occasion
                      AND greeting.year = EXTRACT(YEAR FROM day.day)
                      -- a failed greeting is due again on its retry day
                      AND (greeting.retry_date IS NULL
                           OR greeting.retry_date > %(today)s))
            """,
            today=today,
            keys=sorted(set(keys)),
            days=days,
            day_keys=keys,
            birthday_key=month_day_sql(SQL.identifier("contact", "birthday")),
            founding_key=month_day_sql(SQL.identifier("partner", "founding_date")),
            cooperation_key=month_day_sql(
                SQL.identifier("partner", "cooperation_start_date")
            ),
        )
        if count:
            return self.env.execute_query(
                SQL(
                    "SELECT COUNT(*) FROM (%s %s) AS due",
                    query,
                    SQL("LIMIT %s", limit) if limit else SQL(),
                )
            )[0][0]
        query = SQL(
            "%s ORDER BY day.day, occasion.customer_id, occasion.partner_id %s",
            query,
            SQL("LIMIT %s", limit) if limit else SQL(),
        )
        return self.env.execute_query(query)

    @api.model
    def _greet(self, occasions, today):
        """One greeting task per occasion on its customer, and its marker."""
        Partner = self.env["res.partner"]
        people = Partner.browse({row[0] for row in occasions})
        customers = Partner.browse({row[1] for row in occasions})
        (people | customers).fetch(["name", "user_id", "team_id", "account_manager_id"])
        # records of the batch: what one reads, it reads for the whole batch
        partners = {partner.id: partner for partner in people | customers}
        activity_type = self.env.ref("crm_standard_process.mail_activity_type_greeting")
        due_dates, vals_list, markers = {}, [], []
        for person_id, customer_id, occasion, origin, day in occasions:
            person, customer = partners[person_id], partners[customer_id]
            user = customer._followup_responsible("owner")
            calendar = customer._followup_calendar(user)
            key = (day, calendar)
            if key not in due_dates:
                # the last working day before the occasion, but not in the past
                days = sla_clock.working_days(today, day, calendar)
                due_dates[key] = days[-1] if days else day
            vals_list.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": customer.id,
                    "followup_partner_id": customer.id,
                    "activity_type_id": activity_type.id,
                    "date_deadline": due_dates[key],
                    "user_id": user.id,
                    "summary": self.with_context(lang=user.lang)._summary(
                        occasion, person, origin, day
                    ),
                }
            )
            markers.append(
                {
                    "partner_id": person.id,
                    "customer_id": customer.id,
                    "occasion": occasion,
                    "occasion_date": day,
                    "year": day.year,
                }
            )
        activities = self.env["mail.activity"]._create_in_bulk(vals_list).sudo(False)
        for marker, activity in zip(markers, activities, strict=True):
            marker["activity_id"] = activity.id
        # a greeting that failed before has its marker already
        failed = self._failed_markers(occasions)
        greetings = self.browse()
        new_markers = []
        for marker in markers:
            key = (marker["partner_id"], marker["occasion"], marker["year"])
            if key in failed:
                failed[key].write({**marker, "retry_date": False})
                greetings |= failed[key]
            else:
                new_markers.append(marker)
        return greetings | self._create_markers(new_markers)

    @api.model
    def _create_markers(self, markers):
        """Insert the markers of new greetings in one statement that yields to
        a marker of the same date another transaction inserted: under Odoo's
        repeatable-read isolation, ``ON CONFLICT DO NOTHING`` on a row this
        transaction cannot see fails with a serialization error, which the
        batch loop raises again (``tools/cron_batch``): a second cron worker
        greeting the same dates is rolled back and retried, instead of each
        greeting being blamed and marked failed on a duplicate key."""
        if not markers:
            return self.browse()
        self.env.flush_all()
        columns = ("partner_id", "customer_id", "occasion", "occasion_date", "year")
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_followup_greeting (
                    partner_id, customer_id, occasion, occasion_date, year,
                    activity_id, create_uid, create_date, write_uid, write_date)
                SELECT marker.*, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(partners)s::int[], %(customers)s::int[],
                              %(occasions)s::varchar[], %(dates)s::date[],
                              %(years)s::int[], %(activities)s::int[]) AS marker
                    ON CONFLICT (partner_id, occasion, year) DO NOTHING
                RETURNING id
                """,
                **{
                    key: [marker[fname] for marker in markers]
                    for key, fname in zip(
                        ("partners", "customers", "occasions", "dates", "years"),
                        columns,
                        strict=True,
                    )
                },
                activities=[marker.get("activity_id") for marker in markers],
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        if len(rows) != len(markers):
            raise ValueError(
                f"{len(markers) - len(rows)} of the greetings were greeted already"
            )
        return self.browse(row[0] for row in rows)

    def _summary(self, occasion, person, origin, day):
        when = format_date(self.env, day)
        if occasion == "birthday":
            return self.env._(
                "Birthday of %(name)s on %(day)s", name=person.name, day=when
            )
        years = day.year - origin.year
        if occasion == "founding":
            return self.env._(
                "%(name)s: founding anniversary (%(years)s) on %(day)s",
                years=years,
                name=person.name,
                day=when,
            )
        return self.env._(
            "%(name)s: cooperation anniversary (%(years)s) on %(day)s",
            years=years,
            name=person.name,
            day=when,
        )
