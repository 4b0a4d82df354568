"""P5: important dates get a greeting task ahead of time, once a year."""

from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tools import SQL, mute_logger

from .followup_common import ADDON, FollowupCase

GREETINGS_LOGGER = f"odoo.addons.{ADDON}.models.crm_followup_greeting"


class TestFollowupGreetings(FollowupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Chen Jie",
                "parent_id": cls.customer_b.id,
                "birthday": date(1980, 11, 12),  # a Thursday in 2026
            }
        )

    def _run_cron(self, when, via_xmlid=False, jobs=("greetings",)):
        return super()._run_cron(when, via_xmlid=via_xmlid, jobs=jobs)

    def _greetings(self, customers):
        return self._followups(customers, open_only=False, plan=False)

    def test_birthday_greeting_comes_days_ahead_once_a_year(self):
        """Seven days ahead by default: nothing on the 4th, a greeting for the
        owner due on the birthday from the 5th, never a second that year."""
        self._run_cron(datetime(2026, 11, 4, 7, 0))
        self.assertFalse(self._greetings(self.customer_b))
        self._run_cron(datetime(2026, 11, 5, 7, 0))
        self._run_cron(datetime(2026, 11, 5, 7, 0), via_xmlid=True)
        greeting = self._greetings(self.customer_b)
        self.assertEqual(len(greeting), 1)
        self.assertEqual(greeting.date_deadline, date(2026, 11, 12))
        self.assertEqual(greeting.user_id, self.rep)
        self.assertEqual(
            greeting.activity_type_id,
            self.env.ref(f"{ADDON}.mail_activity_type_greeting"),
        )
        self.assertIn("Birthday of Chen Jie", greeting.summary)
        greeting.action_feedback(feedback="Sent flowers")
        for day in (6, 11, 12):
            self._run_cron(datetime(2026, 11, day, 7, 0))
        self.assertEqual(len(self._greetings(self.customer_b)), 1)
        marker = self.env["crm.followup.greeting"].search(
            [("partner_id", "=", self.contact.id)]
        )
        self.assertEqual((marker.occasion, marker.year), ("birthday", 2026))
        self._run_cron(datetime(2027, 11, 5, 7, 0))
        self.assertEqual(len(self._greetings(self.customer_b)), 2)

    def test_two_greetings_for_one_owner_on_one_customer_in_one_batch(self):
        """Two contacts of one customer born on the same day, and an owner who
        does not follow the customer yet (imported data): the batch itself
        gives both greetings, subscribing the owner once."""
        self.env["res.partner"].create(
            {
                "name": "Wang Lei",
                "parent_id": self.customer_b.id,
                "birthday": date(1975, 11, 12),
            }
        )
        self.customer_b.message_unsubscribe(partner_ids=self.rep.partner_id.ids)
        with self.assertNoLogs(GREETINGS_LOGGER, "ERROR"):
            self._run_cron(datetime(2026, 11, 5, 7, 0))
        self.assertEqual(len(self._greetings(self.customer_b)), 2)
        self.assertIn(self.rep.partner_id, self.customer_b.message_partner_ids)

    def test_greeting_days_are_a_company_setting(self):
        """Three days ahead: the greeting appears on the 9th, not before."""
        self.env["res.config.settings"].create({"followup_greeting_days": 3}).execute()
        self._run_cron(datetime(2026, 11, 8, 7, 0))
        self.assertFalse(self._greetings(self.customer_b))
        self._run_cron(datetime(2026, 11, 9, 7, 0))
        self.assertEqual(len(self._greetings(self.customer_b)), 1)
        with self.assertRaisesRegex(ValidationError, "0 to 60 days"):
            self.env.company.followup_greeting_days = 90

    def test_weekend_occasion_is_due_the_working_day_before(self):
        """A birthday on Sunday the 15th is greeted by Friday the 13th."""
        self.contact.birthday = date(1975, 11, 15)
        self._run_cron(datetime(2026, 11, 9, 7, 0))
        self.assertEqual(
            self._greetings(self.customer_b).date_deadline, date(2026, 11, 13)
        )

    def test_founding_and_cooperation_anniversaries(self):
        """The founding day and the day the first opportunity was won come back
        each year; the founding year itself is no anniversary."""
        self.customer_a.founding_date = date(2006, 11, 10)
        self.customer_c.founding_date = date(2026, 11, 10)
        lead = self.lead_rep
        lead.partner_id = self.customer_c
        lead.stage_id = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lead.date_closed = datetime(2025, 11, 11, 10, 0)
        self.assertEqual(self.customer_c.cooperation_start_date, date(2025, 11, 11))
        self._run_cron(datetime(2026, 11, 5, 7, 0))
        founding = self._greetings(self.customer_a)
        self.assertEqual(founding.date_deadline, date(2026, 11, 10))
        self.assertEqual(founding.user_id, self.rep)
        self.assertIn("founding anniversary (20)", founding.summary)
        cooperation = self._greetings(self.customer_c)
        self.assertEqual(len(cooperation), 1)
        self.assertIn("cooperation anniversary (1)", cooperation.summary)
        self.assertEqual(cooperation.user_id, self.rep_teammate)

    def test_cooperation_start_follows_the_won_leads(self):
        """Stored on the customer, not on its contacts: the day of the first
        won opportunity, moved when a lead is won, un-won, lost, reassigned
        or deleted, or when its contact moves to another company."""
        Stage = self.env["crm.stage"]
        won = Stage.search([("is_won", "=", True)], limit=1)
        ongoing = Stage.search([("is_won", "=", False)], limit=1)
        buyer = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": self.customer_c.id}
        )
        Lead = self.env["crm.lead"]
        with freeze_time(datetime(2024, 3, 1, 10, 0)):
            first = Lead.create(
                {
                    "name": "First",
                    "partner_id": buyer.id,
                    "stage_id": won.id,
                    "date_closed": datetime(2024, 3, 1, 10, 0),
                }
            )
        self.assertEqual(first.date_closed, datetime(2024, 3, 1, 10, 0))
        self.assertEqual(self.customer_c.cooperation_start_date, date(2024, 3, 1))
        self.assertFalse(buyer.cooperation_start_date)
        earlier = Lead.create({"name": "Earlier", "partner_id": self.customer_c.id})
        self.assertEqual(self.customer_c.cooperation_start_date, date(2024, 3, 1))
        with freeze_time(datetime(2023, 5, 2, 10, 0)):
            earlier.stage_id = won
        self.assertEqual(self.customer_c.cooperation_start_date, date(2023, 5, 2))
        earlier.action_set_lost()
        self.assertEqual(self.customer_c.cooperation_start_date, date(2024, 3, 1))
        first.stage_id = ongoing
        self.assertFalse(self.customer_c.cooperation_start_date)
        with freeze_time(datetime(2025, 6, 3, 10, 0)):
            first.stage_id = won
        first.partner_id = self.customer_a
        self.assertFalse(self.customer_c.cooperation_start_date)
        self.assertEqual(self.customer_a.cooperation_start_date, date(2025, 6, 3))
        first.partner_id = buyer
        buyer.parent_id = self.customer_north
        self.assertFalse(self.customer_a.cooperation_start_date)
        self.assertFalse(self.customer_c.cooperation_start_date)
        self.assertEqual(self.customer_north.cooperation_start_date, date(2025, 6, 3))
        first.unlink()
        self.assertFalse(self.customer_north.cooperation_start_date)

    def test_install_fill_gives_what_the_leads_keep(self):
        """The SQL fill of a live database's customers at install agrees with
        what the leads maintain."""
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        closed = datetime(2022, 7, 8, 10, 0)
        self.env["crm.lead"].create(
            [
                {
                    "name": "Won",
                    "partner_id": partner.id,
                    "stage_id": won.id,
                    "date_closed": closed,
                }
                for partner in (self.contact, self.customer_a)
            ]
        )
        self.env.flush_all()
        kept = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, cooperation_start_date FROM res_partner"
                    " WHERE cooperation_start_date IS NOT NULL"
                )
            )
        )
        self.assertEqual(kept[self.customer_b.id], date(2022, 7, 8))
        self.env.cr.execute("UPDATE res_partner SET cooperation_start_date = NULL")
        self.env["res.partner"]._fill_cooperation_start_dates()
        filled = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, cooperation_start_date FROM res_partner"
                    " WHERE cooperation_start_date IS NOT NULL"
                )
            )
        )
        self.assertEqual(filled, kept)

    def test_anniversaries_are_index_lookups(self):
        """The finder reads the month-day indexes of birthdays, founding dates
        and cooperation starts; it never reads the leads."""
        self.customer_a.founding_date = date(2006, 11, 10)
        self.env.flush_all()
        Greeting = self.env["crm.followup.greeting"]
        query = None
        execute = self.env.cr.execute

        def spy(query_, params=None, log_exceptions=True):
            nonlocal query
            if "WITH customer AS" in str(query_):
                query = query_
            return execute(query_, params, log_exceptions)

        with patch.object(self.env.cr, "execute", spy):
            Greeting._due_occasions(date(2026, 11, 5))
        self.assertIsNotNone(query)
        self.env.cr.execute("ANALYZE res_partner")
        # a test table is small enough for a sequential scan to be cheaper
        # than on a million partners: forbid it, and see which index is read
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        try:
            self.env.cr.execute(SQL("EXPLAIN %s", query))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            self.env.cr.execute("SET LOCAL enable_seqscan = on")
        self.assertNotIn("crm_lead", plan)
        self.assertNotIn("Seq Scan on res_partner", plan)
        for fname in ("birthday", "founding_date", "cooperation_start_date"):
            self.assertIn(f"res_partner_{fname}_month_day_index", plan)

    def test_born_on_29_february(self):
        """Greeted on 28 February in common years, on the 29th in leap years."""
        self.contact.birthday = date(1988, 2, 29)
        self._run_cron(datetime(2027, 2, 22, 7, 0))
        self.assertEqual(
            self._greetings(self.customer_b).date_deadline, date(2027, 2, 26)
        )
        self._run_cron(datetime(2028, 2, 22, 7, 0))
        self.assertEqual(
            self._greetings(self.customer_b).mapped("date_deadline"),
            [date(2027, 2, 26), date(2028, 2, 29)],
        )

    def _greeted(self, contact):
        """(occasion date, year) of each greeting of ``contact``."""
        markers = self.env["crm.followup.greeting"].search(
            [("partner_id", "=", contact.id)], order="occasion_date"
        )
        return [(m.occasion_date, m.year) for m in markers]

    def test_horizon_crossing_the_month_and_the_year_end(self):
        """Days ahead run on into the next month and the next year."""
        self.contact.birthday = date(1980, 12, 2)
        newyear = self.env["res.partner"].create(
            {
                "name": "Sun Li",
                "parent_id": self.customer_b.id,
                "birthday": date(1985, 1, 3),
            }
        )
        self._run_cron(datetime(2026, 11, 27, 7, 0))
        self.assertEqual(self._greeted(self.contact), [(date(2026, 12, 2), 2026)])
        self.assertEqual(self._greeted(newyear), [])
        self._run_cron(datetime(2026, 12, 28, 7, 0))
        self.assertEqual(self._greeted(newyear), [(date(2027, 1, 3), 2027)])
        self._run_cron(datetime(2026, 12, 29, 7, 0))
        self.assertEqual(len(self._greeted(newyear)), 1)

    def test_29_february_and_1_march_in_a_common_year(self):
        """In a common year, 28 February greets those born on 29 February,
        not those born on 1 March, whose day comes next."""
        self.contact.birthday = date(1988, 2, 29)
        march = self.env["res.partner"].create(
            {
                "name": "Sun Li",
                "parent_id": self.customer_b.id,
                "birthday": date(1985, 3, 1),
            }
        )
        self._run_cron(datetime(2027, 2, 20, 7, 0))  # up to 27 February
        self.assertEqual(self._greeted(self.contact), [])
        self._run_cron(datetime(2027, 2, 21, 7, 0))
        self.assertEqual(self._greeted(self.contact), [(date(2027, 2, 28), 2027)])
        self.assertEqual(self._greeted(march), [])
        self._run_cron(datetime(2027, 2, 22, 7, 0))
        self.assertEqual(self._greeted(march), [(date(2027, 3, 1), 2027)])
        self.assertEqual(len(self._greeted(self.contact)), 1)

    def test_contacts_of_customers_outside_the_process_are_not_greeted(self):
        """Only active customers' contacts are greeted."""
        self.customer_b.profile_state = "archived"
        self._run_cron(datetime(2026, 11, 5, 7, 0))
        self.assertFalse(self._greetings(self.customer_b))

    def test_a_failing_greeting_does_not_stop_the_batch(self):
        """The other greetings are scheduled; the failing one waits a day."""
        other = self.env["res.partner"].create(
            {
                "name": "Zhao Gang",
                "parent_id": self.customer_north.id,
                "birthday": date(1970, 11, 12),
            }
        )
        original = type(self.env["crm.followup.greeting"])._summary

        def summary(greeting, occasion, person, origin, day):
            if person == self.contact:
                raise ValueError("bad template")
            return original(greeting, occasion, person, origin, day)

        logger = f"odoo.addons.{ADDON}.models.crm_followup_greeting"
        with patch.object(type(self.env["crm.followup.greeting"]), "_summary", summary):
            with mute_logger(logger):
                self._run_cron(datetime(2026, 11, 5, 7, 0))
            with self.assertNoLogs(logger, "ERROR"):  # not tried again that day
                self._run_cron(datetime(2026, 11, 5, 9, 0))
        self.assertFalse(self._greetings(self.customer_b))
        self.assertEqual(len(self._greetings(self.customer_north)), 1)
        # the greeting's own marker waits a day; the customer's follow-ups do not
        marker = self.env["crm.followup.greeting"].search(
            [("partner_id", "=", self.contact.id)]
        )
        self.assertEqual(
            (marker.retry_date, marker.activity_id),
            (date(2026, 11, 6), self.env["mail.activity"]),
        )
        self.assertFalse(self.customer_b.followup_retry_date)
        self._run_cron(datetime(2026, 11, 6, 7, 0))
        self.assertEqual(len(self._greetings(self.customer_b)), 1)
        self.assertEqual(
            (marker.retry_date, marker.activity_id),
            (False, self._greetings(self.customer_b)),
        )
        self._run_cron(datetime(2026, 11, 7, 7, 0))
        self.assertEqual(len(self._greetings(self.customer_b)), 1)
        self.assertTrue(other.exists())

    def test_greeting_batch_query_count_is_flat(self):
        """Greeting 10 or 100 contacts, and as many customers' founding
        anniversaries, costs the same number of queries."""
        counts = {}
        for year, size in ((2026, 1), (2027, 10), (2028, 100)):
            # customers of their own: each greeting reads its own customer
            customers = self.env["res.partner"].create(
                [
                    {
                        "name": f"Customer {year}-{n}",
                        "is_company": True,
                        "profile_state": "active",
                        "user_id": self.rep.id,
                        "team_id": self.team_east.id,
                        "founding_date": date(2000, 11, 20),
                    }
                    for n in range(size)
                ]
            )
            contacts = self.env["res.partner"].create(
                [
                    {
                        "name": f"Contact {year}-{n}",
                        "parent_id": customer.id,
                        "birthday": date(1990, 11, 20),
                    }
                    for n, customer in enumerate(customers)
                ]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            with self.subTest(size=size):
                before = self.cr.sql_log_count
                self._run_cron(datetime(year, 11, 16, 7, 0))
                counts[size] = self.cr.sql_log_count - before
            greeted = self.env["crm.followup.greeting"].search(
                [("partner_id", "in", (contacts | customers).ids), ("year", "=", year)]
            )
            self.assertEqual(len(greeted), 2 * size)
            (contacts | customers).active = False
        # about 65 queries with the day's follow-ups of the fixture's customers;
        # what grows is Odoo's chunking of writes by 100 rows: the 200 tasks
        # and their markers take two more INSERTs each and two more UPDATEs
        # (the first run, of 10, pays the caches the second one finds)
        self.assertLessEqual(counts[100], counts[10] + 6, counts)
        self.assertLessEqual(counts[10], 90, counts)
