"""P8: the retention period in Settings, the retention date it gives, the legal
hold per role, and the sales admins' queue of customers due for destruction."""

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .archive_common import QUEUE_DAY, RUN_DAY, ArchiveCase
from .common import ADDON, CrmStandardProcessHttpCase, JsonRpcMatrixMixin

QUEUE_TYPE = f"{ADDON}.mail_activity_type_destruction_queue"


class TestRetention(ArchiveCase):
    def _queue_activities(self, user=None):
        return self.env["mail.activity"].search(
            [
                ("activity_type_id", "=", self.env.ref(QUEUE_TYPE).id),
                ("user_id", "=", (user or self.sales_admin).id),
            ]
        )

    def _queue_filter(self, today):
        """The customers the "Due for Destruction" filter finds on ``today``."""
        view = self.env.ref(f"{ADDON}.res_partner_view_search_archive")
        node = etree.fromstring(view.arch_db).xpath(
            "//filter[@name='due_for_destruction']"
        )[0]
        domain = safe_eval(
            node.get("domain"),
            {"context_today": lambda: today, "relativedelta": relativedelta},
        )
        return self.env["res.partner"].search(domain)

    def test_retention_period_setting_and_bad_values(self):
        """Three years by default; 1 to 30 accepted; anything else is refused
        with a clear error, in Settings too."""
        company = self.env.company
        self.assertEqual(
            self.env["res.company"].create({"name": "New Co"}).retention_years, 3
        )
        for years in (0, -1, 31, 100):
            with (
                self.subTest(years=years),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                company.retention_years = years
        for years in (1, 30):
            company.retention_years = years
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"retention_years": 31}).execute()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            company.archive_candidate_days = 0
        self.env["res.config.settings"].create({"retention_years": 5}).execute()
        self.assertEqual(company.retention_years, 5)

    def test_retention_date_follows_the_setting(self):
        """The retention date is the archive date plus the period; changing
        the period moves the dates of the customers not destroyed yet."""
        destroyed = self._active_customer("Gone Works", self.rep)
        self._archive(destroyed)
        self._archive(self.customer, day=date(2026, 6, 1))
        self.assertEqual(self.customer.retention_date, date(2029, 6, 1))
        self._run_retention(datetime(2029, 2, 1))
        self.assertTrue(destroyed.anonymized_date)
        self.assertFalse(self.customer.anonymized_date)
        self.env.company.retention_years = 5
        self.assertEqual(self.customer.retention_date, date(2031, 6, 1))
        self.assertEqual(destroyed.retention_date, date(2029, 1, 5))

    def test_legal_hold_per_role(self):
        """Reps and team managers neither place nor lift a hold; a sales admin
        does, with a reason, tracked."""
        self._archive(self.customer)
        values = {"legal_hold": True, "legal_hold_reason": "Court case"}
        active = self._active_customer("Active Works", self.rep)
        for user in (self.rep, self.team_manager, self.all_documents):
            for customer in (self.customer, active):
                with (
                    self.subTest(user=user.login, customer=customer.name),
                    self.assertRaises(AccessError),
                    self.env.cr.savepoint(),
                    mute_logger("odoo.models"),
                ):
                    customer.with_user(user).write(values)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.customer.with_user(self.sales_admin).write({"legal_hold": True})
        customer = self.customer.with_context(tracking_disable=False)
        self.env.cr.precommit.run()
        customer.with_user(self.sales_admin).write(values)
        self.env.cr.precommit.run()
        tracked = customer.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("legal_hold", tracked)
        self.assertIn("legal_hold_reason", tracked)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.customer.with_user(self.team_manager).write({"legal_hold": False})
        self.assertTrue(self.customer.legal_hold)

    def test_a_held_customer_waits_for_its_hold_to_be_lifted(self):
        """The job never destroys a held customer; once the hold is lifted,
        the next run does, its date having passed."""
        self._archive(self.customer)
        self.customer.with_user(self.sales_admin).write(
            {"legal_hold": True, "legal_hold_reason": "Tax audit"}
        )
        self._run_retention()
        self.assertFalse(self.customer.anonymized_date)
        self.assertEqual(self.customer.name, "Archive Works")
        self.customer.with_user(self.sales_admin).legal_hold = False
        self._run_retention(datetime(2029, 1, 11, 3, 0), via_xmlid=True)
        self.assertTrue(self.customer.anonymized_date)
        self.assertEqual(len(self._logs(self.customer)), 1)

    def test_queue_thirty_days_ahead_and_one_activity_per_run(self):
        """Thirty days before its date the customer enters the "Due for
        Destruction" filter and each sales admin gets one activity naming it
        by archive number, not by name; another run that day adds none; a
        held customer is left out."""
        held = self._active_customer("Held Works", self.rep)
        self._archive(self.customer | held)
        held.with_user(self.sales_admin).write(
            {"legal_hold": True, "legal_hold_reason": "Claim"}
        )
        day_before = date(2028, 12, 5)
        self.assertNotIn(self.customer, self._queue_filter(day_before))
        self._run_retention(datetime(2028, 12, 5, 3, 0))
        self.assertFalse(
            self._queue_activities().filtered(
                lambda a: self.customer.archive_number in str(a.note)
            )
        )
        queue = self._queue_filter(QUEUE_DAY)
        self.assertIn(self.customer, queue)
        self.assertNotIn(held, queue)
        self._run_retention(datetime(2028, 12, 6, 3, 0), via_xmlid=True)
        self._run_retention(datetime(2028, 12, 6, 9, 0))
        activity = self._queue_activities()
        self.assertEqual(len(activity), 1)
        self.assertIn(self.customer.archive_number, str(activity.note))
        self.assertNotIn(held.archive_number, str(activity.note))
        self.assertNotIn("Archive Works", str(activity.note))
        self.assertEqual(activity.res_id, self.env.company.partner_id.id)
        self.assertFalse(self._queue_activities(self.team_manager))
        # destroyed: it leaves the queue; the activity says what is left
        self._run_retention(RUN_DAY)
        self.assertNotIn(self.customer, self._queue_filter(RUN_DAY.date()))
        self.assertLessEqual(len(self._queue_activities()), 1)
        self.assertNotIn(
            self.customer.archive_number, str(self._queue_activities().note)
        )

    def test_nothing_due_costs_a_few_queries(self):
        """A run with nothing due reads the partial index and stops."""
        self._archive(self.customer)
        Partner = self.env["res.partner"]
        with freeze_time(date(2026, 6, 1)):
            Partner._cron_retention()  # the queue of the demo data, if any, goes
            self.env.flush_all()
            with self.assertQueryCount(6):
                Partner._cron_retention()
        self.assertFalse(Partner._claim_due_destructions(date(2026, 6, 1), 10))


@tagged("post_install", "-at_install")
class TestLegalHoldJsonRpc(JsonRpcMatrixMixin, CrmStandardProcessHttpCase):
    rpc_model = "res.partner"

    def test_team_manager_cannot_place_a_hold_over_json_rpc(self):
        """A team manager's write of the hold on their team's customer is
        refused over JSON-RPC; a sales admin's goes through."""
        manager = self.env["res.users"].create(
            {
                "name": "RPC Manager",
                "login": "csp_hold_manager",
                "password": "csp_hold_manager",
                "groups_id": [
                    (6, 0, [self.env.ref(f"{ADDON}.group_sale_team_manager").id])
                ],
            }
        )
        admin = self.env["res.users"].create(
            {
                "name": "RPC Admin",
                "login": "csp_hold_admin",
                "password": "csp_hold_admin",
                "groups_id": [
                    (6, 0, [self.env.ref("sales_team.group_sale_manager").id])
                ],
            }
        )
        team = self.env["crm.team"].create({"name": "Hold team", "user_id": manager.id})
        customer = self.env["res.partner"].create(
            {
                "name": "Hold Works",
                "is_company": True,
                "profile_state": "active",
                "team_id": team.id,
            }
        )
        values = {"legal_hold": True, "legal_hold_reason": "Claim"}
        self.authenticate(manager.login, manager.login)
        self.assertEqual(self._writable({"customer": customer}, values), set())
        self.authenticate(admin.login, admin.login)
        self.assertEqual(self._writable({"customer": customer}, values), {"customer"})
        self.assertTrue(customer.legal_hold)
