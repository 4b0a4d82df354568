"""P8: the retention job destroys the personal data of archived customers whose
date has passed, everywhere, without new traces, logs each once, and goes on
past a customer that fails; a sales admin destroys one at once on a
data-subject request."""

import os
from datetime import date, datetime, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from .archive_common import (
    ARCHIVED_ON,
    RUN_DAY,
    ArchiveCase,
    attachments_holding,
    marked_customer,
    scan_database,
)
from .common import ADDON

DESTROYED, HELD, WAITING = "zqdestroy7k2", "zqheld4m9p", "zqwaiting3x8"
DIGITS = {DESTROYED: "55501234", HELD: "55505678", WAITING: "55509012"}


class TestDestruction(ArchiveCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(datetime(2025, 12, 1, 9, 0)):
            cls.marked = {
                marker: marked_customer(
                    cls, marker, DIGITS[marker], cls.rep, cls.team_east
                )
                for marker in (DESTROYED, HELD, WAITING)
            }

    def _needles(self, marker):
        return [marker, DIGITS[marker]]

    def test_destruction_leaves_no_personal_data_anywhere(self):
        """After the job ran past its date, no column of any table and no
        attachment holds anything of the destroyed customer; the held one and
        the one whose date has not come are still found by the same scan;
        the job writes no tracking value and no note quoting the old data."""
        destroyed = self.marked[DESTROYED][0]
        held = self.marked[HELD][0]
        waiting = self.marked[WAITING][0]
        self._archive(destroyed | held)
        self._archive(waiting, day=date(2027, 6, 1))
        held.with_user(self.sales_admin).write(
            {"legal_hold": True, "legal_hold_reason": "Court case 2028-17"}
        )
        needles = [n for marker in self.marked for n in self._needles(marker)]
        with freeze_time(RUN_DAY):
            # the bus transport keeps live notifications two minutes
            self.env["bus.bus"]._gc_messages()
        before = scan_database(self.env, needles)
        for needle in needles:
            self.assertTrue(before[needle], f"the scan sees {needle}")
        self.assertGreaterEqual(
            {table for table, _column in before[DESTROYED]},
            {
                "res_partner",
                "res_partner_bank",
                "crm_lead",
                "crm_complaint_ticket",
                "mail_message",
                "mail_tracking_value",
                "mail_activity",
                "mail_mail",
                "mail_blacklist",
                "calendar_event",
                "ir_attachment",
            },
        )
        files = {
            a.store_fname
            for a in self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", (destroyed | destroyed.child_ids).ids),
                    "|",
                    ("res_field", "=", False),
                    ("res_field", "!=", False),
                ]
            )
            if a.store_fname
        }
        self.assertTrue(files)
        self.assertTrue(attachments_holding(self.env, [DESTROYED])[DESTROYED])
        self.env.cr.precommit.run()  # the tracking of the archiving and hold
        self.env.cr.execute("SELECT max(id) FROM mail_tracking_value")
        last_tracking = self.env.cr.fetchone()[0]
        self.env.cr.execute("SELECT max(id) FROM mail_message")
        last_message = self.env.cr.fetchone()[0]

        self._run_retention(via_xmlid=True)

        after = scan_database(self.env, needles)
        for needle in self._needles(DESTROYED):
            self.assertFalse(after[needle], f"{needle} is gone")
        for marker in (HELD, WAITING):
            for needle in self._needles(marker):
                self.assertEqual(after[needle], before[needle], needle)
        self.assertFalse(attachments_holding(self.env, [DESTROYED])[DESTROYED])
        # the files go from the filestore once the transaction commits
        from odoo.addons.crm_standard_process.tools.anonymize_scrub import (
            purge_unreferenced_files,
        )

        purge_unreferenced_files(self.env.cr, files)
        Attachment = self.env["ir.attachment"]
        self.env.cr.execute(
            "SELECT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)",
            [list(files)],
        )
        shared = {row[0] for row in self.env.cr.fetchall()}  # same content
        self.assertTrue(files - shared)
        for fname in files - shared:
            self.assertFalse(os.path.exists(Attachment._full_path(fname)))
        # no new trace: no tracking value, one neutral note
        self.env.cr.execute(
            "SELECT count(*) FROM mail_tracking_value WHERE id > %s", [last_tracking]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        notes = self.env["mail.message"].search(
            [
                ("id", ">", last_message),
                ("model", "=", "res.partner"),
                ("res_id", "in", (destroyed | held | waiting).ids),
            ]
        )
        self.assertEqual(notes.mapped("res_id"), destroyed.ids)
        # the record and its figures stay
        destroyed.invalidate_recordset()
        self.assertTrue(destroyed.exists())
        self.assertTrue(destroyed.anonymized_date)
        self.assertEqual(destroyed.profile_state, "archived")
        self.assertEqual(
            destroyed.name, f"Anonymised customer {destroyed.archive_number}"
        )
        self.assertEqual(destroyed.customer_grade, "c")
        self.assertEqual(destroyed.archive_date, ARCHIVED_ON)
        self.assertFalse(destroyed.with_context(active_test=False).child_ids.email)
        log = self._logs(destroyed)
        self.assertEqual(len(log), 1)
        self.assertEqual(log.reason, "retention_expired")
        self.assertEqual(log.archive_number, destroyed.archive_number)
        self.assertEqual(log.cron_id, self.env.ref(f"{ADDON}.ir_cron_retention"))
        self.assertEqual(log.contact_count, 1)
        self.assertEqual(log.lead_count, 1)
        self.assertEqual(log.ticket_count, 1)
        self.assertGreaterEqual(log.message_count, 4)
        self.assertGreaterEqual(log.attachment_count, 1)
        self.assertEqual(log.bank_account_count, 1)
        self.assertEqual(log.blacklist_count, 2)
        self.assertEqual(log.calendar_event_count, 1)
        self.assertFalse(self._logs(held | waiting))

    def test_inbound_mail_from_the_old_address_finds_nothing(self):
        """After the destruction, a reply from the old address to the old
        thread is neither matched to the anonymised contact nor threaded on
        its lead."""
        destroyed, contact, lead, _ticket = self.marked[DESTROYED]
        self._archive(destroyed)
        self._run_retention()
        lead_messages = len(lead.with_context(active_test=False).message_ids)
        new_lead_id = self.env["mail.thread"].message_process(
            "crm.lead",
            (
                f"From: Someone <{DESTROYED}.buyer@{DESTROYED}-corp.example.com>\r\n"
                "To: sales@example.com\r\n"
                "Subject: Re: quotation\r\n"
                f"In-Reply-To: <{DESTROYED}-1@{DESTROYED}-corp.example.com>\r\n"
                f"References: <{DESTROYED}-1@{DESTROYED}-corp.example.com>\r\n"
                "Message-Id: <after-1@example.com>\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                "Any news?\r\n"
            ),
        )
        self.assertNotEqual(new_lead_id, lead.id)
        new_lead = self.env["crm.lead"].browse(new_lead_id)
        people = destroyed.with_context(active_test=False) | contact
        self.assertNotIn(new_lead.partner_id, people)
        self.assertNotIn(new_lead.message_ids.author_id, people)
        lead.invalidate_recordset()
        self.assertEqual(
            len(lead.with_context(active_test=False).message_ids), lead_messages
        )

    def test_job_twice_logs_once_and_a_crash_logs_nothing(self):
        """A run rolled back mid-way (a crash) leaves nothing logged nor
        anonymised, the next run destroys and logs, a third run does
        nothing; the log holds one row per partner whatever writes it."""
        customer = self.marked[DESTROYED][0]
        self._archive(customer)
        with self.env.cr.savepoint() as crash:
            self._run_retention()
            crash.rollback()
        self.assertFalse(self._logs(customer))
        self.assertFalse(customer.anonymized_date)
        self._run_retention()
        self._run_retention()
        self.assertEqual(len(self._logs(customer)), 1)
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["crm.destruction.log"].sudo().create(
                {
                    "partner_id": customer.id,
                    "destruction_date": RUN_DAY,
                    "reason": "retention_expired",
                }
            )

    def test_a_failing_customer_is_skipped_and_retried_the_next_day(self):
        """A customer that cannot be destroyed (a contact is an internal user)
        is left for tomorrow; the customers around it in the batch are
        destroyed and logged; fixed, it goes the next day."""
        first = self._active_customer("First Works", self.rep)
        poisoned = self._active_customer("Poisoned Works", self.rep)
        last = self._active_customer("Last Works", self.rep)
        contact = poisoned.child_ids
        self._archive(first | poisoned | last)
        user = self.env["res.users"].create(
            {
                "name": "Colleague at Poisoned",
                "login": "csp_poisoned_contact",
                "partner_id": contact.id,
            }
        )
        with mute_logger(f"odoo.addons.{ADDON}.models.customer_retention_mixin"):
            self._run_retention()
        self.assertEqual(self._logs(first | poisoned | last).partner_id, first | last)
        self.assertFalse(poisoned.anonymized_date)
        self.assertEqual(poisoned.destruction_retry_date, date(2029, 1, 11))
        self.assertEqual(poisoned.name, "Poisoned Works")
        # the same day, the job leaves it alone
        with mute_logger(f"odoo.addons.{ADDON}.models.customer_retention_mixin"):
            self._run_retention(datetime(2029, 1, 10, 9, 0))
        self.assertFalse(self._logs(poisoned))
        user.partner_id = self.env["res.partner"].create({"name": "Someone else"})
        self._run_retention(datetime(2029, 1, 11, 3, 0))
        self.assertEqual(len(self._logs(poisoned)), 1)
        self.assertTrue(poisoned.anonymized_date)

    def test_data_subject_request_destroys_now(self):
        """A sales admin destroys an active customer's data at once through
        the wizard, which archives it first; logged as a data-subject
        request, by that admin."""
        customer = self.marked[DESTROYED][0]
        wizard = (
            self.env["crm.destroy.wizard"]
            .with_user(self.sales_admin)
            .with_context(**customer.action_open_destroy_wizard()["context"])
            .create({"reason_id": self.reason.id})
        )
        with self.assertRaises(UserError):
            wizard.action_confirm()  # not confirmed
        wizard.confirm = True
        wizard.action_confirm()
        log = self._logs(customer)
        self.assertEqual(log.reason, "data_subject_request")
        self.assertEqual(log.user_id, self.sales_admin)
        self.assertFalse(log.cron_id)
        self.assertEqual(customer.profile_state, "archived")
        with freeze_time(datetime.now() + timedelta(minutes=5)):
            self.env["bus.bus"]._gc_messages()  # live notifications, 2 minutes
        self.assertFalse(scan_database(self.env, [DESTROYED])[DESTROYED])

    def test_data_subject_request_refused_under_hold_and_below_sales_admin(self):
        """Under legal hold, nobody destroys the data; team managers and reps
        never do."""
        customer = self.customer
        self._archive(customer)
        for user in (self.rep, self.team_manager):
            with self.assertRaises(AccessError):
                customer.with_user(user).action_destroy_personal_data()
        customer.with_user(self.sales_admin).write(
            {"legal_hold": True, "legal_hold_reason": "Audit"}
        )
        with self.assertRaises(UserError):
            customer.with_user(self.sales_admin).action_destroy_personal_data()
        self.assertFalse(customer.anonymized_date)
        customer.with_user(self.sales_admin).legal_hold = False
        customer.with_user(self.sales_admin).action_destroy_personal_data()
        self.assertTrue(customer.anonymized_date)
        with self.assertRaises(UserError):
            customer.with_user(self.sales_admin).action_destroy_personal_data()
        with self.assertRaises(UserError):
            customer.with_user(self.sales_admin).action_reactivate_profile("Back")

    def test_nobody_edits_nor_deletes_the_log(self):
        """The log is read-only for sales admins, invisible to the others,
        and its rows refuse writes and deletions even as superuser."""
        self._archive(self.customer)
        self._run_retention()
        log = self._logs(self.customer)
        self.assertEqual(
            log.with_user(self.sales_admin).archive_number,
            self.customer.archive_number,
        )
        for user in (self.rep, self.team_manager):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                log.with_user(user).read(["archive_number"])
        for record in (log.with_user(self.sales_admin), log.sudo()):
            with self.assertRaises(UserError):
                record.write({"archive_number": "X"})
            with self.assertRaises(UserError):
                record.unlink()
        with self.assertRaises(UserError):
            self.env["crm.destruction.log"].with_user(self.sales_admin).create(
                {
                    "partner_id": self.customer.id,
                    "destruction_date": RUN_DAY,
                    "reason": "retention_expired",
                }
            )
        self.assertFalse(
            {"name", "email", "phone"} & set(self.env["crm.destruction.log"]._fields)
        )
