"""Fixture of the archiving and retention tests (P8).

::

    team_east (leader team_manager; members rep, rep_teammate)
      customer (active, B2B, owner rep) -- contact "Buyer of ..."
    team_north (leader sales_admin; member rep_other)

    2025-12-01  customers created and activated
    2026-01-05  customers archived (3-year retention: due 2029-01-05)
    2028-12-06  thirty days ahead: the customer enters the destruction queue
    2029-01-10  the retention job runs

``marked_customer`` builds a customer whose personal data sits in every
place the anonymiser must reach, each piece carrying the customer's own
marker (or its phone digits), so that a scan of the whole database finds it.
"""

import base64
from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tools import SQL

from .common import ADDON, CrmStandardProcessCase, complete_draft_customer

CREATED_ON = datetime(2025, 12, 1, 9, 0)
ARCHIVED_ON = date(2026, 1, 5)
QUEUE_DAY = date(2028, 12, 6)
RUN_DAY = datetime(2029, 1, 10, 3, 0)
# a 1x1 PNG
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000"
        "000049454e44ae426082"
    )
)


class ArchiveCase(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason = cls.env.ref(f"{ADDON}.archive_reason_terminated")
        with freeze_time(CREATED_ON):
            cls.customer = cls._active_customer("Archive Works", cls.rep)

    @classmethod
    def _active_customer(cls, name, owner, **values):
        customer = complete_draft_customer(cls.env, name, owner, **values)
        customer.action_submit_review()
        customer.action_activate()
        return customer

    def _archive(self, customers, user=None, day=ARCHIVED_ON, reason=None):
        with freeze_time(day):
            customers.with_user(user or self.team_manager).action_archive_profile(
                reason or self.reason, day
            )

    def _run_retention(self, when=RUN_DAY, via_xmlid=False):
        with freeze_time(when):
            if via_xmlid:
                self.env.ref(f"{ADDON}.ir_cron_retention").method_direct_trigger()
            else:
                self.env["res.partner"]._cron_retention()

    def _logs(self, customers):
        return self.env["crm.destruction.log"].search(
            [("partner_id", "in", customers.ids)]
        )


def marked_customer(case, marker, digits, owner, team):
    """A customer whose personal data carries ``marker`` (and ``digits`` in
    its phones) everywhere: profile, contacts, bank account, image, a tracked
    rename, messages posted, sent and received, a message elsewhere, an
    activity, a text attachment, queued and failed e-mails, a lead, a closed
    ticket, a calendar event, blacklists, a follow of another record.
    Returns ``(customer, contact, lead, ticket)``."""
    env = case.env(context=dict(case.env.context, tracking_disable=False))
    domain = f"{marker}-corp.example.com"
    email = f"{marker}.buyer@{domain}"
    customer = complete_draft_customer(
        env,
        f"{marker} Holdings",
        owner,
        team_id=team.id,
        email=f"info@{domain}",
        phone=f"+86 21 {digits[:4]} {digits[4:]}",
        website=f"https://www.{domain}",
        street=f"{marker} Road 8",
        city=f"{marker} City",
        zip="200000",
        vat=f"CN{marker}",
        company_registry=f"REG-{marker}",
        ref=f"REF-{marker}",
        comment=f"<p>{marker} pays late</p>",
        main_business=f"{marker} machine tools",
        need_description=f"{marker} needs a second line",
        cooperation_background=f"{marker} met us at a fair",
        image_1920=PIXEL,
    )
    customer.action_submit_review()
    customer.action_activate()
    contact = customer.child_ids
    contact.write(
        {
            "name": f"{marker} Zhang",
            "email": email,
            "phone": f"+86 138 {digits[:4]} {digits[4:]}",
            "mobile": f"+86 139 {digits[:4]} {digits[4:]}",
            "function": f"{marker} buyer",
            "birthday": date(1980, 5, 17),
            "comment": f"<p>{marker} private note</p>",
        }
    )
    customer.write(
        {
            "decision_maker_id": contact.id,
            "bank_ids": [
                Command.create(
                    {
                        "acc_number": f"6222{digits}",
                        "acc_holder_name": f"{marker} Holdings",
                    }
                )
            ],
        }
    )
    # a tracked rename keeps the old name in the tracking values
    env.cr.precommit.run()
    customer.name = f"{marker} Holdings Group"
    env.flush_all()
    env.cr.precommit.run()
    # posted, to the contact (a notification, an e-mail), with a text file
    attachment = env["ir.attachment"].create(
        {
            "name": f"{marker}-minutes.txt",
            "raw": f"Minutes with {marker}: budget approved".encode(),
            "res_model": "res.partner",
            "res_id": customer.id,
        }
    )
    customer.message_post(
        body=f"<p>Met {marker} about the budget</p>",
        subject=f"{marker} meeting",
        partner_ids=contact.ids,
        attachment_ids=attachment.ids,
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
    )
    # an activity about the customer, done and kept (its type keeps them)
    customer.activity_schedule(
        f"{ADDON}.mail_activity_type_followup_meeting",
        summary=f"Visit {marker}",
        note=f"<p>Ask {marker} about the invoice</p>",
        user_id=owner.id,
    ).action_feedback(feedback=f"{marker} agreed")
    # a lead, with a tracked change and a received e-mail
    lead = env["crm.lead"].create(
        {
            "name": f"{marker} second line",
            "type": "opportunity",
            "partner_id": contact.id,
            "user_id": owner.id,
            "team_id": team.id,
            "description": f"<p>{marker} wants a quote</p>",
            "referred": f"{marker} referral",
        }
    )
    env.cr.precommit.run()
    lead.write({"contact_name": f"{marker} Zhang Jr", "partner_name": f"{marker} Co"})
    env.flush_all()
    env.cr.precommit.run()
    env["mail.thread"].message_process(
        "crm.lead",
        (
            f"From: {marker} Zhang <{email}>\r\n"
            f"To: sales@example.com\r\n"
            f"Subject: {marker} quotation\r\n"
            f"Message-Id: <{marker}-1@{domain}>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Please send the {marker} quotation. Call {digits}.\r\n"
        ),
        thread_id=lead.id,
    )
    # a closed ticket
    ticket = env["crm.complaint.ticket"].create(
        {
            "subject": f"{marker} parts late",
            "partner_id": customer.id,
            "contact_id": contact.id,
            "description": f"<p>{marker} complains</p>",
            "resolution": f"<p>{marker} got a discount</p>",
            "root_cause": f"{marker} order lost",
            "preventive_action": f"{marker} double check",
        }
    )
    ticket.sudo().write({"state": "closed", "satisfaction": "4"})
    # a meeting the contact attends
    env["calendar.event"].create(
        {
            "name": f"{marker} visit",
            "description": f"<p>Visit {marker} plant</p>",
            "location": f"{marker} plant",
            "start": datetime(2025, 12, 1, 9, 0),
            "stop": datetime(2025, 12, 1, 10, 0),
            "partner_ids": [Command.set((contact | owner.partner_id).ids)],
        }
    )
    # queued and failed e-mails
    env["mail.mail"].create(
        [
            {
                "subject": f"{marker} offer",
                "body_html": f"<p>Dear {marker}</p>",
                "email_to": email,
                "recipient_ids": [Command.set(contact.ids)],
                "state": "outgoing",
            },
            {
                "subject": f"{marker} reminder",
                "body_html": f"<p>Dear {marker}, again</p>",
                "email_to": email,
                "model": "res.partner",
                "res_id": customer.id,
                "state": "exception",
                "failure_reason": f"550 {email} unknown",
            },
        ]
    )
    # blacklists, and the contact following another record
    env["mail.blacklist"]._add(email)
    env["phone.blacklist"]._add([contact.phone_sanitized])
    case.lead_other_team.message_subscribe(contact.ids)
    # a message the contact wrote elsewhere
    case.lead_other_team.message_post(
        body=f"<p>{marker} asks about another project</p>",
        author_id=contact.id,
        message_type="comment",
    )
    env.flush_all()
    env.cr.precommit.run()
    return customer, contact, lead, ticket


def scan_database(env, needles):
    """``{needle: {(table, column)}}``: every text, varchar and jsonb column of
    every table of the database holding ``needle`` (case-insensitive)."""
    env.flush_all()
    columns = env.execute_query(
        SQL(
            """SELECT c.table_name, c.column_name
                 FROM information_schema.columns c
                 JOIN information_schema.tables t
                   ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type IN ('text', 'character varying', 'jsonb')
             ORDER BY 1, 2"""
        )
    )
    by_table = {}
    for table, column in columns:
        by_table.setdefault(table, []).append(column)
    found = {needle: set() for needle in needles}
    for table, names in by_table.items():
        checks = [
            SQL("bool_or(%s::text ILIKE %s)", SQL.identifier(name), f"%{needle}%")
            for needle in needles
            for name in names
        ]
        row = env.execute_query(
            SQL("SELECT %s FROM %s", SQL(", ").join(checks), SQL.identifier(table))
        )[0]
        index = 0
        for needle in needles:
            for name in names:
                if row[index]:
                    found[needle].add((table, name))
                index += 1
    return found


def attachments_holding(env, needles):
    """The attachments (any) whose content holds one of ``needles``."""
    holding = {needle: set() for needle in needles}
    for attachment in (
        env["ir.attachment"]
        .sudo()
        .with_context(active_test=False)
        .search([("type", "=", "binary")])
    ):
        content = (attachment.raw or b"").lower()
        for needle in needles:
            if needle.lower().encode() in content:
                holding[needle].add(attachment.id)
    return holding
