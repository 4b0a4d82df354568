"""The complaints alias: an e-mail opens a ticket, a customer's reply moves it on.

Complaint tickets only (``crm.complaint.ticket``). An e-mail to the alias
opens a ticket for the sender's company (an unknown sender becomes a plain
contact outside the customer process, so that no complaint bounces); a reply
of the customer reopens a solved ticket and ends a pause; the handler follows
the ticket like its owner.
"""

from odoo import api, models
from odoo.tools import email_normalize


class CrmComplaintMailGatewayMixin(models.AbstractModel):
    _name = "crm.complaint.mail.gateway.mixin"
    _inherit = ["mail.thread"]
    _description = "Complaint Tickets by E-mail"

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A ticket from an e-mail to the complaints alias.

        The sender's company is the customer; an unknown sender becomes a plain
        contact outside the customer process (no profile, no owner), so that no
        complaint bounces. The subject is the ticket's subject; the number
        comes from the sequence, as for any ticket.
        """
        sender = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        email_from = msg_dict.get("email_from")
        if not sender and email_normalize(email_from or ""):
            sender = self._mail_find_partner_from_emails(
                [email_from], force_create=True
            )[0]
        values = {
            "name": "/",  # mail.thread would name the ticket after the subject
            "subject": (msg_dict.get("subject") or "").strip()
            or self.env._("E-mail without subject"),
            "channel": "email",
            "description": msg_dict.get("body"),
        }
        if sender:
            values["partner_id"] = sender.commercial_partner_id.id
            values["contact_id"] = sender.id if sender.parent_id else False
        values.update(custom_values or {})
        return super().message_new(msg_dict, custom_values=values)

    def message_update(self, msg_dict, update_vals=None):
        """A customer's reply reopens a solved ticket, and ends a pause."""
        result = super().message_update(msg_dict, update_vals=update_vals)
        email = email_normalize(msg_dict.get("email_from") or "")
        author_id = msg_dict.get("author_id")
        from_customer = self.filtered(
            lambda t: (
                (email and email in t._customer_partners().mapped("email_normalized"))
                or (author_id and author_id in t._customer_partners().ids)
            )
        )
        from_customer.filtered(lambda t: t.state == "solved").action_reopen()
        from_customer.filtered("is_waiting_customer").action_resume()
        return result

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """The handler follows the ticket too, like the owner."""
        followers = super()._message_auto_subscribe_followers(
            updated_values, default_subtype_ids
        )
        handler = self.env["res.users"].sudo().browse(updated_values.get("handler_id"))
        if handler.active:
            template = (
                "mail.message_user_assigned" if handler != self.env.user else False
            )
            followers.append((handler.partner_id.id, default_subtype_ids, template))
        return followers

    def _customer_partners(self):
        customer = self.partner_id.commercial_partner_id
        return customer | customer.child_ids

    def _creation_message(self):
        """ "Ticket created" in its owner's language, as the process's other
        notes: a ticket from the mail gateway or a job is created by no one
        who reads it."""
        lang = self.user_id.lang or self.env.lang
        return super(
            CrmComplaintMailGatewayMixin, self.with_context(lang=lang)
        )._creation_message()
