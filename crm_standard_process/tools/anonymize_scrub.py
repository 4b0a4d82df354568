"""The anonymiser's statements: scrub what a ``CustomerScope`` reaches, in SQL.

Each statement covers the whole batch at once and never goes through
``write``: no tracking, no recompute, no chatter. Files of deleted
attachments are removed from the filestore once the transaction commits.
"""

import logging
import os

import psycopg2

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from .anonymize import (
    ACTIVITY_KEEP,
    EVENT_KEEP,
    LEAD_KEEP,
    MESSAGE_KEEP,
    PARTNER_KEEP,
    PERSONAL_DATES,
    PERSONAL_MODELS,
    TICKET_KEEP,
    TRACKING_KEEP_FIELDS,
    CustomerScope,
    set_null,
    text_columns,
)

_logger = logging.getLogger(__name__)


class CustomerAnonymization(CustomerScope):
    """A ``CustomerScope`` and the statements that destroy its personal data."""

    def scrub(self):
        self._scrub_tracking_values()
        self._delete_attachments()
        self._delete_mails()
        self._scrub_messages()
        self._scrub_activities()
        self._delete_followers()
        self._scrub_events()
        self._delete_blacklists()
        self._scrub_leads()
        self._scrub_tickets()
        self._scrub_bank_accounts()
        self._scrub_portal_users()
        self._scrub_partners()
        self._rename_references()
        # the transport of live notifications keeps them a minute or two;
        # what is older goes now, as Odoo's own garbage collection would
        self.env["bus.bus"].sudo()._gc_messages()
        return self.counts

    def _count(self, kind, customer_ids):
        for customer_id in customer_ids:
            if customer_id:
                self.counts[customer_id][kind] += 1

    def _scrub_tracking_values(self):
        rows = self._query(
            SQL(
                """UPDATE mail_tracking_value
                      SET old_value_char = NULL, new_value_char = NULL,
                          old_value_text = NULL, new_value_text = NULL,
                          old_value_datetime = CASE WHEN field_id = ANY(%(dates)s)
                               THEN NULL ELSE old_value_datetime END,
                          new_value_datetime = CASE WHEN field_id = ANY(%(dates)s)
                               THEN NULL ELSE new_value_datetime END
                    WHERE mail_message_id = ANY(%(messages)s)
                      AND (field_id IS NULL OR field_id = ANY(%(personal)s))
                RETURNING mail_message_id""",
                dates=self._tracked_field_ids(
                    SQL("name = ANY(%s)", list(PERSONAL_DATES))
                ),
                messages=list(self.messages),
                personal=self._tracked_field_ids(
                    SQL(
                        """name = ANY(%(dates)s)
                           OR (ttype IN ('char', 'text', 'html')
                               AND name != ALL(%(keep)s))
                           OR (ttype IN ('many2one', 'many2many', 'one2many')
                               AND relation = ANY(%(personal)s))""",
                        dates=list(PERSONAL_DATES),
                        keep=list(TRACKING_KEEP_FIELDS),
                        personal=list(PERSONAL_MODELS),
                    )
                ),
            )
        )
        self._count("tracking_value_count", (self.messages[r[0]] for r in rows))

    def _tracked_field_ids(self, where):
        return [
            row[0]
            for row in self._query(
                SQL("SELECT id FROM ir_model_fields WHERE %s", where)
            )
        ]

    def _on_records(self):
        """The SQL condition on ``res_model``/``res_id`` that picks what hangs
        on the customers' records (attachments, activities)."""
        return SQL(" OR ").join(
            SQL("(res_model = %s AND res_id = ANY(%s))", model, list(records))
            for model, records in self.records.items()
            if records
        )

    def _delete_attachments(self):
        on_records = self._on_records()
        rows = self._query(
            SQL(
                """DELETE FROM ir_attachment
                    WHERE %(on_records)s
                       OR id IN (SELECT attachment_id FROM message_attachment_rel
                                  WHERE message_id = ANY(%(messages)s))
                RETURNING id, res_model, res_id, store_fname""",
                on_records=on_records,
                messages=list(self.messages),
            )
        )
        by_attachment = dict(
            self._query(
                SQL(
                    "SELECT attachment_id, message_id FROM message_attachment_rel"
                    " WHERE attachment_id = ANY(%s)",
                    [row[0] for row in rows],
                )
            )
        )
        for attachment_id, model, res_id, fname in rows:
            customer_id = self.records.get(model, {}).get(res_id) or self.messages.get(
                by_attachment.get(attachment_id)
            )
            if customer_id:
                self.counts[customer_id]["attachment_count"] += 1
            if fname:
                self.files.add(fname)

    def _delete_mails(self):
        messages, persons = list(self.messages), self._ids(self.persons)
        rows = self._query(
            SQL(
                """DELETE FROM mail_mail
                    WHERE mail_message_id = ANY(%s)
                       OR id IN (SELECT mail_mail_id FROM mail_mail_res_partner_rel
                                  WHERE res_partner_id = ANY(%s))
                RETURNING mail_message_id""",
                messages,
                persons,
            )
        )
        self._count(
            "mail_count",
            (self.messages[r[0]] for r in rows if r[0] in self.messages),
        )
        self._query(
            SQL("DELETE FROM mail_notification WHERE res_partner_id = ANY(%s)", persons)
        )
        self._query(
            SQL(
                """UPDATE mail_notification SET failure_reason = NULL, sms_number = NULL
                    WHERE mail_message_id = ANY(%s)""",
                messages,
            )
        )
        self._query(
            SQL("DELETE FROM mail_message_reaction WHERE partner_id = ANY(%s)", persons)
        )
        for model, records in self.records.items():
            self._query(
                SQL(
                    "DELETE FROM mail_scheduled_message"
                    " WHERE model = %s AND res_id = ANY(%s)",
                    model,
                    list(records),
                )
            )
        if table_exists(self.env.cr, "sms_sms"):
            self._query(
                SQL(
                    """DELETE FROM sms_sms WHERE partner_id = ANY(%s)
                        OR mail_message_id = ANY(%s) OR number = ANY(%s)""",
                    persons,
                    messages,
                    list(self.phones),
                )
            )

    def _scrub_messages(self):
        Message = self.env["mail.message"]
        columns = text_columns(Message, keep=MESSAGE_KEEP)
        self._query(
            SQL(
                "UPDATE mail_message SET body = '', %s WHERE id = ANY(%s)",
                set_null([c for c in columns if c != "body"]),
                list(self.messages),
            )
        )

    def _scrub_activities(self):
        columns = text_columns(self.env["mail.activity"], keep=ACTIVITY_KEEP)
        on_records = self._on_records()
        rows = self._query(
            SQL(
                """UPDATE mail_activity SET %(columns)s
                    WHERE %(on_records)s OR followup_partner_id = ANY(%(customers)s)
                RETURNING res_model, res_id, followup_partner_id""",
                columns=set_null(columns),
                on_records=on_records,
                customers=list(self.customers),
            )
        )
        self._count(
            "activity_count",
            (
                self.records.get(model, {}).get(res_id) or self.persons.get(customer_id)
                for model, res_id, customer_id in rows
            ),
        )
        # the greeting markers hold the persons' birthdays
        self._query(
            SQL(
                """DELETE FROM crm_followup_greeting
                    WHERE partner_id = ANY(%s) OR customer_id = ANY(%s)""",
                self._ids(self.persons),
                list(self.customers),
            )
        )

    def _delete_followers(self):
        rows = self._query(
            SQL(
                "DELETE FROM mail_followers WHERE partner_id = ANY(%s)"
                " RETURNING partner_id",
                self._ids(self.persons),
            )
        )
        self._count("follower_count", (self.persons[r[0]] for r in rows))
        self._query(
            SQL(
                "DELETE FROM discuss_channel_member WHERE partner_id = ANY(%s)",
                self._ids(self.persons),
            )
        )

    def _scrub_events(self):
        events = list(self.records["calendar.event"])
        if not events:
            return
        persons = self._ids(self.persons)
        self._query(
            SQL("DELETE FROM calendar_attendee WHERE partner_id = ANY(%s)", persons)
        )
        self._query(
            SQL(
                "DELETE FROM calendar_event_res_partner_rel"
                " WHERE res_partner_id = ANY(%s)",
                persons,
            )
        )
        columns = text_columns(self.env["calendar.event"], keep=EVENT_KEEP)
        self._query(
            SQL(
                "UPDATE calendar_event SET name = %s, %s WHERE id = ANY(%s)",
                self.env._("Meeting"),
                set_null(columns),
                events,
            )
        )

    def _delete_blacklists(self):
        for model, table in (
            ("mail.blacklist", "mail_blacklist"),
            ("phone.blacklist", "phone_blacklist"),
        ):
            ids = list(self.records.get(model, ()))
            if not ids:
                continue
            self._query(
                SQL(
                    "DELETE FROM mail_message WHERE model = %s AND res_id = ANY(%s)",
                    model,
                    ids,
                )
            )
            self._query(
                SQL(
                    "DELETE FROM mail_followers WHERE res_model = %s"
                    " AND res_id = ANY(%s)",
                    model,
                    ids,
                )
            )
            self._query(
                SQL("DELETE FROM %s WHERE id = ANY(%s)", SQL.identifier(table), ids)
            )

    def _scrub_leads(self):
        leads = list(self.records["crm.lead"])
        if not leads:
            return
        columns = text_columns(self.env["crm.lead"], keep=LEAD_KEEP)
        self._query(
            SQL(
                """UPDATE crm_lead SET name = %(name)s || ' #' || id,
                          title = NULL, state_id = NULL, %(columns)s
                    WHERE id = ANY(%(leads)s)""",
                name=self.env._("Anonymised opportunity"),
                columns=set_null(columns),
                leads=leads,
            )
        )

    def _scrub_tickets(self):
        tickets = list(self.records["crm.complaint.ticket"])
        if not tickets:
            return
        columns = text_columns(self.env["crm.complaint.ticket"], keep=TICKET_KEEP)
        self._query(
            SQL(
                "UPDATE crm_complaint_ticket SET subject = %s, %s WHERE id = ANY(%s)",
                self.env._("Anonymised complaint"),
                set_null(columns),
                tickets,
            )
        )

    def _scrub_bank_accounts(self):
        rows = self._query(
            SQL(
                """UPDATE res_partner_bank
                      SET acc_number = 'ANONYMISED-' || id,
                          sanitized_acc_number = 'ANONYMISED' || id,
                          acc_holder_name = NULL, active = FALSE
                    WHERE partner_id = ANY(%s)
                RETURNING partner_id""",
                self._ids(self.persons),
            )
        )
        self._count("bank_account_count", (self.persons[r[0]] for r in rows))

    def _scrub_portal_users(self):
        self._query(
            SQL(
                """UPDATE res_users
                      SET login = 'anonymised-' || id, active = FALSE,
                          password = NULL, signature = NULL
                    WHERE partner_id = ANY(%s) AND share""",
                self._ids(self.persons),
            )
        )

    def _scrub_partners(self):
        Partner = self.env["res.partner"]
        columns = text_columns(Partner, keep=PARTNER_KEEP)
        ids, names = [], []
        for person_id, customer_id in self.persons.items():
            info = self.customers[customer_id]
            env_lang = Partner.with_context(lang=info["lang"] or self.env.lang).env
            if person_id == customer_id:
                name = env_lang._(
                    "Anonymised customer %(number)s", number=info["label"]
                )
            else:
                name = env_lang._("Anonymised contact #%(id)s", id=person_id)
            ids.append(person_id)
            names.append(name)
        self._query(
            SQL(
                """UPDATE res_partner partner
                      SET name = new.name, birthday = NULL, title = NULL,
                          state_id = NULL, anonymized_date = %(now)s,
                          destruction_retry_date = NULL, %(columns)s
                     FROM unnest(%(ids)s::int[], %(names)s::varchar[]) AS new(id, name)
                    WHERE partner.id = new.id""",
                now=fields.Datetime.now(),
                columns=set_null(columns),
                ids=ids,
                names=names,
            )
        )
        # the stored names built from the new names, as the ORM builds them
        self._query(
            SQL(
                """UPDATE res_partner partner
                      SET commercial_company_name = CASE WHEN customer.is_company
                               THEN customer.name END,
                          complete_name = CASE WHEN partner.id = customer.id
                               THEN partner.name
                               ELSE customer.name || ', ' || partner.name END
                     FROM res_partner customer
                    WHERE customer.id = COALESCE(partner.commercial_partner_id,
                                                 partner.id)
                      AND partner.id = ANY(%s)""",
                ids,
            )
        )

    def _rename_references(self):
        """Record names stored on messages and activities: the new ones."""
        names = {
            "res.partner": SQL("SELECT id, complete_name AS name FROM res_partner"),
            "crm.lead": SQL("SELECT id, name FROM crm_lead"),
            "crm.complaint.ticket": SQL(
                "SELECT id, name || ' ' || subject AS name FROM crm_complaint_ticket"
            ),
            "calendar.event": SQL("SELECT id, name FROM calendar_event"),
        }
        for model, query in names.items():
            records = list(self.records.get(model, ()))
            if not records:
                continue
            for table, model_column, name_column in (
                ("mail_message", "model", "record_name"),
                ("mail_activity", "res_model", "res_name"),
            ):
                self._query(
                    SQL(
                        """UPDATE %(table)s target SET %(name_column)s = source.name
                             FROM (%(names)s) source
                            WHERE target.%(model_column)s = %(model)s
                              AND target.res_id = source.id
                              AND source.id = ANY(%(records)s)""",
                        table=SQL.identifier(table),
                        name_column=SQL.identifier(name_column),
                        names=query,
                        model_column=SQL.identifier(model_column),
                        model=model,
                        records=records,
                    )
                )

    # files

    def purge_files_after_commit(self):
        """Mark the deleted attachments' files for Odoo's filestore garbage
        collection, and collect them as soon as the transaction commits."""
        if not self.files:
            return
        Attachment = self.env["ir.attachment"]
        for fname in self.files:
            Attachment._file_delete(fname)
        registry, dbname, files = self.env.registry, self.env.cr.dbname, self.files

        def purge():
            with registry.cursor() as cr:
                purge_unreferenced_files(cr, files, dbname)

        self.env.cr.postcommit.add(purge)


def purge_unreferenced_files(cr, fnames, dbname=None):
    """Remove from the filestore the files of ``fnames`` that no attachment
    references any more (locked as Odoo's own garbage collection locks)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    Attachment = env["ir.attachment"]
    cr.execute("SET LOCAL lock_timeout TO '10s'")
    try:
        cr.execute("LOCK ir_attachment IN SHARE MODE")
    except psycopg2.errors.LockNotAvailable:
        cr.rollback()  # the daily garbage collection will remove them
        _logger.info("Filestore purge postponed to the daily garbage collection")
        return
    cr.execute(
        "SELECT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)",
        [list(fnames)],
    )
    referenced = {row[0] for row in cr.fetchall()}
    for fname in set(fnames) - referenced:
        for path in (
            Attachment._full_path(fname),
            os.path.join(Attachment._full_path("checklist"), fname),
        ):
            try:
                os.unlink(path)
            except OSError:
                _logger.debug("%s was already gone", path)
