"""The anonymiser: destroys customers' personal data in place, everywhere, and logs it.

A service (``crm.customer.anonymizer``) that ``ir_cron_retention`` and a
sales admin's data-subject request both call. It works on a batch of
archived customers at once, in a fixed number of SQL statements whatever the
batch's size, and never through ``write``: no tracking value, no chatter note
quoting the old data, no recompute of a lead's e-mail or phone from its
contact. The partner rows and their ids stay (invoices, leads, tickets and
report snapshots keep their links and figures), and so do archive numbers,
grades, amounts, dates and states. What goes:

- the customer and every contact under it: names, e-mails and phones with
  their normalised and sanitised forms, address, tax and registry numbers,
  website, function, comment, birthday, every free text of the profile,
  images and other attachments, bank account numbers and holders;
- their leads and complaint tickets: every free text, a neutral name;
- the chatter of all these records, and every message the persons authored
  or received elsewhere: bodies, subjects, senders, reply-to, message ids
  (an inbound reply can no longer find the thread), the record names and
  the tracked old and new values of personal fields;
- activities' texts, queued or failed e-mails, notifications, reactions,
  the persons' follower subscriptions and calendar attendances, the
  blacklist entries of their addresses and numbers, greeting markers,
  portal logins.

Each customer then gets one ``crm.destruction.log`` row (unique per
partner: a second worker, or a second run, cannot log it again) and one
neutral chatter note. Files of deleted attachments are removed from the
filestore once the transaction commits.
"""

import logging
import os
from collections import Counter, defaultdict

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize_all
from odoo.tools.sql import table_exists

from ..tools.anonymize import set_null, text_columns
from .crm_destruction_log import SCRUBBED_KINDS

_logger = logging.getLogger(__name__)

# Free text kept (not personal) or replaced by the anonymiser itself.
PARTNER_KEEP = ("archive_number", "name", "complete_name", "commercial_company_name")
LEAD_KEEP = ("name",)
TICKET_KEEP = ("name", "subject")
MESSAGE_KEEP = ("model", "email_layout_xmlid", "record_name")
ACTIVITY_KEEP = ("res_model", "res_name", "user_tz")
EVENT_KEEP = ("name", "res_model", "access_token")
# Tracked values kept: the archive number; every other tracked text, and the
# display names of tracked links to persons, are the persons' data.
TRACKING_KEEP_FIELDS = ("archive_number",)
PERSONAL_MODELS = ("res.partner", "res.partner.bank")
PERSONAL_DATES = ("birthday",)
RETENTION_CRON = "crm_standard_process.ir_cron_retention"


class CrmCustomerAnonymizer(models.AbstractModel):
    _name = "crm.customer.anonymizer"
    _description = "Customer Personal Data Anonymiser"

    @api.model
    def _destroy(self, customers, reason):
        """Destroy the personal data of ``customers`` (archived, not held, not
        yet anonymised; locked here) and log each with ``reason`` (a
        ``crm.destruction.log`` reason). Returns ``{customer id: Counter}`` of
        what was scrubbed, by kind."""
        if not customers:
            return {}
        self = self.sudo()
        # pending tracking (of the archiving, in a data-subject request) is
        # written now, so that it is scrubbed with the rest
        self.env.cr.flush()
        ids = list(customers.ids)
        rows = self.env.execute_query(
            SQL(
                """SELECT id, archive_number, lang, is_company, grade_company_id
                     FROM res_partner
                    WHERE id = ANY(%s) AND parent_id IS NULL
                      AND profile_state = 'archived' AND anonymized_date IS NULL
                      AND legal_hold IS NOT TRUE
                      FOR UPDATE""",
                ids,
            )
        )
        if len(rows) != len(ids):
            refused = self.env["res.partner"].browse(set(ids) - {r[0] for r in rows})
            raise UserError(
                self.env._(
                    "Only archived customers that are not under legal hold and "
                    "not yet anonymised can be destroyed: %(customers)s.",
                    customers=", ".join(
                        refused.mapped(lambda p: p.archive_number or f"#{p.id}")
                    ),
                )
            )
        scope = _Scope(self.env, rows)
        scope.collect()
        counts = scope.scrub()
        self.env.invalidate_all()
        self._log_destructions(scope, counts, reason)
        scope.purge_files_after_commit()
        return counts

    @api.model
    def _log_destructions(self, scope, counts, reason):
        now = fields.Datetime.now()
        cron = self.env["ir.cron"].browse(self.env.context.get("cron_id")).exists()
        if not cron and reason == "retention_expired":  # run by hand
            cron = self.env.ref(RETENTION_CRON, raise_if_not_found=False)
        self.env["crm.destruction.log"].sudo().create(
            [
                {
                    "partner_id": customer_id,
                    "archive_number": info["archive_number"],
                    "company_id": info["company_id"],
                    "destruction_date": now,
                    "reason": reason,
                    "user_id": self.env.uid,
                    "cron_id": cron.id if cron else False,
                    **{kind: counts[customer_id][kind] for kind in SCRUBBED_KINDS},
                }
                for customer_id, info in scope.customers.items()
            ]
        )
        reasons = dict(
            self.env["crm.destruction.log"]
            ._fields["reason"]
            ._description_selection(self.env)
        )
        customers = self.env["res.partner"].browse(list(scope.customers))
        customers.with_context(mail_notrack=True)._message_log_batch(
            {
                customer.id: self.env._(
                    "The personal data of this customer was destroyed (%(reason)s). "
                    "The destruction log records it.",
                    reason=reasons[reason],
                )
                for customer in customers
            }
        )


class _Scope:
    """What one batch of customers reaches, and the statements that scrub it.

    Every set maps a row id to the id of the customer it belongs to, so that
    the counts go to the right customer's log.
    """

    def __init__(self, env, rows):
        self.env = env
        self.customers = {
            row[0]: {
                "archive_number": row[1],
                "lang": row[2],
                "is_company": row[3],
                "company_id": row[4],
            }
            for row in rows
        }
        self.persons = {}
        self.emails = {}
        self.phones = {}
        self.records = defaultdict(dict)  # model -> {res_id: customer_id}
        self.messages = {}
        self.files = set()
        self.counts = defaultdict(Counter)

    def _query(self, query):
        return self.env.execute_query(query)

    def _ids(self, mapping):
        return list(mapping)

    # collecting

    def collect(self):
        self._collect_persons()
        self._check_users()
        self._collect_leads()
        self._collect_tickets()
        self._collect_events()
        self._collect_blacklists()
        self._collect_messages()

    def _collect_persons(self):
        customer_ids = list(self.customers)
        for person_id, customer_id, email, normalized, phones in self._query(
            SQL(
                """SELECT id, COALESCE(commercial_partner_id, id), email,
                          email_normalized,
                          ARRAY[phone, mobile, phone_sanitized]
                     FROM res_partner
                    WHERE id = ANY(%s) OR commercial_partner_id = ANY(%s)""",
                customer_ids,
                customer_ids,
            )
        ):
            if customer_id not in self.customers:  # a stale commercial partner
                customer_id = person_id
            self.persons[person_id] = customer_id
            for address in {normalized, *email_normalize_all(email or "")} - {None}:
                self.emails[address] = customer_id
            for number in set(phones) - {None, ""}:
                self.phones[number] = customer_id
        self.records["res.partner"] = dict(self.persons)
        for person_id, customer_id in self.persons.items():
            if person_id != customer_id:
                self.counts[customer_id]["contact_count"] += 1

    def _check_users(self):
        internal = self._query(
            SQL(
                "SELECT partner_id FROM res_users WHERE partner_id = ANY(%s)"
                " AND NOT share",
                self._ids(self.persons),
            )
        )
        if internal:
            customers = {self.persons[row[0]] for row in internal}
            raise UserError(
                self.env._(
                    "A contact of %(customers)s is an internal user: remove or "
                    "unlink the user before destroying the customer's data.",
                    customers=", ".join(
                        self.customers[c]["archive_number"] or f"#{c}"
                        for c in customers
                    ),
                )
            )

    def _collect_leads(self):
        leads = self.records["crm.lead"]
        for lead_id, partner_id, email in self._query(
            SQL(
                """SELECT id, partner_id, email_normalized FROM crm_lead
                    WHERE partner_id = ANY(%s)
                    UNION
                   SELECT id, partner_id, email_normalized FROM crm_lead
                    WHERE email_normalized = ANY(%s)""",
                self._ids(self.persons),
                list(self.emails),
            )
        ):
            leads[lead_id] = self.persons.get(partner_id) or self.emails[email]
        for customer_id in leads.values():
            self.counts[customer_id]["lead_count"] += 1

    def _collect_tickets(self):
        tickets = self.records["crm.complaint.ticket"]
        persons, leads = self._ids(self.persons), list(self.records["crm.lead"])
        for ticket_id, partner_id, contact_id, lead_id in self._query(
            SQL(
                """SELECT id, partner_id, contact_id, lead_id
                     FROM crm_complaint_ticket
                    WHERE partner_id = ANY(%s) OR contact_id = ANY(%s)
                       OR lead_id = ANY(%s)""",
                persons,
                persons,
                leads,
            )
        ):
            tickets[ticket_id] = (
                self.persons.get(partner_id)
                or self.persons.get(contact_id)
                or self.records["crm.lead"][lead_id]
            )
        for customer_id in tickets.values():
            self.counts[customer_id]["ticket_count"] += 1

    def _collect_events(self):
        events = self.records["calendar.event"]
        persons, leads = self._ids(self.persons), self.records["crm.lead"]
        for event_id, partner_id, lead_id in self._query(
            SQL(
                """SELECT event_id, partner_id, NULL::int FROM calendar_attendee
                    WHERE partner_id = ANY(%(persons)s)
                    UNION
                   SELECT calendar_event_id, res_partner_id, NULL
                     FROM calendar_event_res_partner_rel
                    WHERE res_partner_id = ANY(%(persons)s)
                    UNION
                   SELECT id, NULL, opportunity_id FROM calendar_event
                    WHERE opportunity_id = ANY(%(leads)s)
                    UNION
                   SELECT id, CASE WHEN res_model = 'res.partner' THEN res_id END,
                          CASE WHEN res_model = 'crm.lead' THEN res_id END
                     FROM calendar_event
                    WHERE (res_model = 'res.partner' AND res_id = ANY(%(persons)s))
                       OR (res_model = 'crm.lead' AND res_id = ANY(%(leads)s))""",
                persons=persons,
                leads=list(leads),
            )
        ):
            if event_id not in events:
                events[event_id] = self.persons.get(partner_id) or leads[lead_id]
                self.counts[events[event_id]]["calendar_event_count"] += 1

    def _collect_blacklists(self):
        for email_id, email in self._query(
            SQL(
                "SELECT id, email FROM mail_blacklist WHERE email = ANY(%s)",
                list(self.emails),
            )
        ):
            self.records["mail.blacklist"][email_id] = self.emails[email]
            self.counts[self.emails[email]]["blacklist_count"] += 1
        if table_exists(self.env.cr, "phone_blacklist"):
            for phone_id, number in self._query(
                SQL(
                    "SELECT id, number FROM phone_blacklist WHERE number = ANY(%s)",
                    list(self.phones),
                )
            ):
                self.records["phone.blacklist"][phone_id] = self.phones[number]
                self.counts[self.phones[number]]["blacklist_count"] += 1

    def _collect_messages(self):
        persons = self._ids(self.persons)
        on_records = SQL(" UNION ").join(
            SQL(
                "SELECT id, model, res_id, NULL::int FROM mail_message"
                " WHERE model = %s AND res_id = ANY(%s)",
                model,
                list(records),
            )
            for model, records in self.records.items()
            if records
        )
        for message_id, model, res_id, person_id in self._query(
            SQL(
                """%(on_records)s
                    UNION
                   SELECT id, NULL, NULL, author_id FROM mail_message
                    WHERE author_id = ANY(%(persons)s)
                    UNION
                   SELECT mail_message_id, NULL, NULL, res_partner_id
                     FROM mail_message_res_partner_rel
                    WHERE res_partner_id = ANY(%(persons)s)
                    UNION
                   SELECT mail_message_id, NULL, NULL, res_partner_id
                     FROM mail_notification
                    WHERE res_partner_id = ANY(%(persons)s)
                    UNION
                   SELECT mail.mail_message_id, NULL, NULL, recipient.res_partner_id
                     FROM mail_mail_res_partner_rel recipient
                     JOIN mail_mail mail ON mail.id = recipient.mail_mail_id
                    WHERE recipient.res_partner_id = ANY(%(persons)s)""",
                on_records=on_records,
                persons=persons,
            )
        ):
            if message_id in self.messages:
                continue
            if person_id:
                self.messages[message_id] = self.persons[person_id]
            else:
                self.messages[message_id] = self.records[model][res_id]
            self.counts[self.messages[message_id]]["message_count"] += 1

    # scrubbing

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

    def _delete_attachments(self):
        on_records = SQL(" OR ").join(
            SQL("(res_model = %s AND res_id = ANY(%s))", model, list(records))
            for model, records in self.records.items()
            if records
        )
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
        on_records = SQL(" OR ").join(
            SQL("(res_model = %s AND res_id = ANY(%s))", model, list(records))
            for model, records in self.records.items()
            if records
        )
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
                    "Anonymised customer %(number)s",
                    number=info["archive_number"] or f"#{customer_id}",
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
