"""The process's history: what the chatter of a customer, lead or ticket records.

The notes the process logs (reviews, approvals, grade and plan changes,
escalations), the tracking of field changes and the logs of done activities
are the audit trail of P9: the people they judge cannot edit nor delete them.
Neither salespeople nor team managers may; a sales admin may, and the
record's chatter then says who deleted what. A person's own comments stay
theirs, as in Odoo.
"""

from odoo import models
from odoo.exceptions import AccessError
from odoo.tools import format_datetime

from .field_guard_mixin import SALES_ADMIN_GROUP

# The records whose chatter is the process's history (customers: those in
# the process only).
HISTORY_MODELS = ("res.partner", "crm.lead", "crm.complaint.ticket")
# What rewriting would change the history; flags (starred, read) may change.
HISTORY_FIELDS = {
    "body",
    "subject",
    "model",
    "res_id",
    "author_id",
    "email_from",
    "date",
    "message_type",
    "subtype_id",
    "mail_activity_type_id",
    "tracking_value_ids",
    "attachment_ids",
    "record_name",
}


class MailMessage(models.Model):
    _inherit = "mail.message"

    def write(self, vals):
        notes = {}
        if HISTORY_FIELDS & vals.keys():
            notes = self._check_history_change(deleting=False)
        result = super().write(vals)
        self._log_history_changes(notes)
        return result

    def unlink(self):
        notes = self._check_history_change(deleting=True)
        result = super().unlink()
        self._log_history_changes(notes)
        return result

    # business methods

    def _check_history_change(self, deleting):
        """Refuse a change of the process's history below sales admin;
        returns the notes recording a sales admin's change, by record."""
        if self.env.su:
            return {}
        history = self._process_history()
        if not history:
            return {}
        if not self.env.user.has_group(SALES_ADMIN_GROUP):
            raise AccessError(
                self.env._(
                    "This message is part of the record's history (the process's "
                    "notes, tracked changes, logged activities): only a sales admin "
                    "can change or delete it."
                )
            )
        notes = {}
        for message in history.sudo():
            values = {
                "user": self.env.user.name,
                "date": format_datetime(self.env, message.date, dt_format="short"),
                "author": message.author_id.name or message.email_from or "-",
            }
            if deleting:
                note = self.env._(
                    "%(user)s deleted a history entry of %(date)s by %(author)s.",
                    **values,
                )
            else:
                note = self.env._(
                    "%(user)s changed a history entry of %(date)s by %(author)s.",
                    **values,
                )
            notes[message.model, message.res_id] = note
        return notes

    def _log_history_changes(self, notes):
        for (model, res_id), body in notes.items():
            self.env[model].browse(res_id).sudo()._message_log(body=body)

    def _process_history(self):
        """These messages that belong to the process's history."""
        messages = self.sudo().filtered(
            lambda m: (
                m.model in HISTORY_MODELS
                and m.res_id
                and (
                    m.message_type != "comment"
                    or m.tracking_value_ids
                    or m.mail_activity_type_id
                )
            )
        )
        customers = messages.filtered(lambda m: m.model == "res.partner")
        in_process = set(
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .browse(customers.mapped("res_id"))
            .filtered("profile_state")
            .ids
        )
        return messages.filtered(
            lambda m: m.model != "res.partner" or m.res_id in in_process
        ).with_env(self.env)
