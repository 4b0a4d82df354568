"""The process's batch jobs in the chatter: followers subscribed once a
batch, not once a person, and a batch's notes logged in one INSERT."""

from markupsafe import escape

from odoo import models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..tools.cron_batch import FOLLOWERS_DONE


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        # The activities of a batch job subscribed their assignees already,
        # all at once (mail.activity._subscribe_assignees_in_bulk); Odoo's
        # create would look them up and subscribe them once per assignee.
        if self.env.context.get(FOLLOWERS_DONE):
            return True
        return super().message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids
        )

    def _message_log_in_bulk(self, bodies):
        """What ``_message_log_batch(bodies)`` writes, in one INSERT: a note on
        each record of ``bodies`` ({record id: text or markup}, the text
        escaped as Odoo escapes it), from the current user, without
        notification. Each body is converted (sanitized) once, where Odoo's
        ``mail.message.create`` does it twice, row by row: the chatter notes
        were a third of an escalation batch. Returns the messages (sudo)."""
        if not bodies:
            return self.env["mail.message"].sudo()
        Message = self.env["mail.message"].sudo()
        header = self._note_header_sql_values(self.env.user.partner_id.id)
        body_field = Message._fields["body"]
        now = self.env.cr.now()
        rows = [
            SQL(
                "(%s, %s, %s)",
                res_id,
                body_field.convert_to_column_insert(escape(body), Message),
                self.env.uid,
            )
            for res_id, body in bodies.items()
        ]
        self.env.flush_all()
        ids = [
            id_
            for (id_,) in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO mail_message (
                        model, res_id, body, message_type, subtype_id,
                        is_internal, author_id, email_from, reply_to, message_id,
                        email_add_signature, date,
                        create_uid, create_date, write_uid, write_date)
                    SELECT %(model)s, row.res_id, row.body, 'notification',
                           %(subtype)s, TRUE, %(author)s, %(email_from)s,
                           %(reply_to)s, %(message_id)s, FALSE, %(now)s,
                           row.uid, %(now)s, row.uid, %(now)s
                      FROM (VALUES %(rows)s) AS row(res_id, body, uid)
                 RETURNING id
                    """,
                    model=self._name,
                    now=now,
                    rows=SQL(", ").join(rows),
                    **header,
                )
            )
        ]
        self.browse(list(bodies)).invalidate_recordset(["message_ids"])
        return Message.browse(ids)

    def _note_header_sql_values(self, author_partner_id):
        """The values ``_message_log_batch`` gives each note it logs, besides
        its record and body: subtype, author, e-mail from, reply-to and
        message id; for the addon's notes inserted in SQL."""
        author, email_from = self._message_compute_author(
            author_partner_id, None, raise_on_email=False
        )
        return {
            "subtype": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "author": author or None,
            "email_from": email_from or None,
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                default=email_from
            )[False]
            or None,
            "message_id": generate_tracking_message_id("message-notify"),
        }
