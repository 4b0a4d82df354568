"""Pure helpers of the anonymiser: the free-text columns of a model, and what a
batch of customers reaches (``CustomerScope``), found in a few SQL queries."""

from collections import Counter, defaultdict

from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize_all
from odoo.tools.sql import table_exists

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
# Field types whose stored values are free text a person may have typed.
TEXT_TYPES = ("char", "text", "html", "properties")
# Never touched: the ORM's own bookkeeping.
LOG_FIELDS = ("id", "create_uid", "create_date", "write_uid", "write_date")


def text_columns(model, keep=()):
    """The stored free-text columns of ``model`` (and its binary values kept
    in the table, not as attachments), except ``keep`` and required fields,
    which the caller replaces itself."""
    names = []
    for name, field in model._fields.items():
        if (
            not field.store
            or not field.column_type
            or name in keep
            or name in LOG_FIELDS
            or field.required
        ):
            continue
        if field.type in TEXT_TYPES or (
            field.type == "binary" and not field.attachment
        ):
            names.append(name)
    return sorted(names)


def set_null(columns):
    """``col = NULL, ...`` for ``columns`` (an empty SQL when none)."""
    return SQL(", ").join(SQL("%s = NULL", SQL.identifier(name)) for name in columns)


class CustomerScope:
    """What one batch of customers reaches: the records, by the customer they
    belong to.

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
                "label": row[1] or f"#{row[0]}",
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
                    customers=", ".join(self.customers[c]["label"] for c in customers),
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
