"""mail.thread._message_log_in_bulk: the notes of a batch in one INSERT give
what Odoo's ``_message_log_batch`` gives, column by column."""

from markupsafe import Markup

from .common import CrmStandardProcessCase

# Set by the database, or unique to each message by design.
OWN_COLUMNS = {"id", "create_date", "write_date", "date", "message_id"}


class TestMessageBulkLog(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [
                {"name": "Huadong Precision", "is_company": True},
                {"name": "Xinhai Logistics", "is_company": True},
            ]
        )

    def _logged(self, log, bodies):
        """The rows ``log(bodies)`` inserts, rolled back after."""
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT bulk_log")
        try:
            log(self.customers.with_user(self.rep), bodies)
            self.env.flush_all()
            self.env.cr.execute(
                """SELECT * FROM mail_message WHERE model = 'res.partner'
                    AND res_id = ANY(%s) AND id > %s ORDER BY res_id""",
                [self.customers.ids, self.watermark],
            )
            return [
                {k: v for k, v in row.items() if k not in OWN_COLUMNS}
                for row in self.env.cr.dictfetchall()
            ]
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT bulk_log")
            self.env.invalidate_all()

    def test_bulk_notes_are_the_notes_of_message_log_batch(self):
        """Plain text (escaped) and markup, one note per record, from the
        current user: the same rows."""
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
        self.watermark = self.env.cr.fetchone()[0]
        first, second = self.customers.ids
        bodies = {first: "SLA at risk: 5 < 6 & due", second: Markup("<p>Done</p>")}
        ours = self._logged(lambda r, b: r._message_log_in_bulk(b), dict(bodies))
        odoos = self._logged(lambda r, b: r._message_log_batch(b), dict(bodies))
        self.assertEqual(len(ours), 2)
        self.assertIn("5 &lt; 6 &amp; due", ours[0]["body"])
        self.assertEqual(ours, odoos)

    def test_the_chatter_shows_the_note_at_once(self):
        """The records' cached messages see the new notes without a fresh
        read."""
        customer = self.customers[:1]
        customer.fetch(["message_ids"])
        customer._message_log_in_bulk({customer.id: "Escalated"})
        self.assertIn("Escalated", customer.message_ids[:1].body)
