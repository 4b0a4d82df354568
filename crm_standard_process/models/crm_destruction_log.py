"""The destruction log: one immutable row per customer whose personal data went.

``ir_cron_retention`` (retention expired) and a sales admin's data-subject
request both write here, through the anonymiser (``crm.customer.anonymizer``)
only. A row names the customer by its partner id and archive number, never by
anything personal, and counts what was scrubbed by kind. Nobody edits or
deletes it: the access rights are read-only and ``write``/``unlink`` refuse
even the superuser; the table goes only with the module.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

DESTRUCTION_REASONS = [
    ("retention_expired", "Retention Period Expired"),
    ("data_subject_request", "Data Subject Request"),
]
# What the anonymiser counts, by kind: field name -> its label.
SCRUBBED_KINDS = {
    "contact_count": "Contacts",
    "lead_count": "Leads and Opportunities",
    "ticket_count": "Complaint Tickets",
    "message_count": "Messages",
    "tracking_value_count": "Tracking Values",
    "activity_count": "Activities",
    "mail_count": "Queued or Failed E-mails",
    "attachment_count": "Attachments",
    "follower_count": "Followers",
    "blacklist_count": "Blacklist Entries",
    "calendar_event_count": "Calendar Events",
    "bank_account_count": "Bank Accounts",
}


class CrmDestructionLog(models.Model):
    _name = "crm.destruction.log"
    _description = "Personal Data Destruction Log"
    _order = "destruction_date desc, id desc"
    _rec_name = "archive_number"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        help="The customer record, kept anonymised in place.",
    )
    archive_number = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    destruction_date = fields.Datetime(required=True, readonly=True)
    reason = fields.Selection(DESTRUCTION_REASONS, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Run By",
        readonly=True,
        help="Who destroyed it: the sales admin of a data-subject request, or "
        "the user of the scheduled job.",
    )
    cron_id = fields.Many2one(
        "ir.cron",
        string="Scheduled Job",
        readonly=True,
        ondelete="set null",
        help="The scheduled job that destroyed it, if any.",
    )
    contact_count = fields.Integer(string="Contacts", readonly=True)
    lead_count = fields.Integer(string="Leads and Opportunities", readonly=True)
    ticket_count = fields.Integer(string="Complaint Tickets", readonly=True)
    message_count = fields.Integer(string="Messages", readonly=True)
    tracking_value_count = fields.Integer(string="Tracking Values", readonly=True)
    activity_count = fields.Integer(string="Activities", readonly=True)
    mail_count = fields.Integer(string="Queued or Failed E-mails", readonly=True)
    attachment_count = fields.Integer(string="Attachments", readonly=True)
    follower_count = fields.Integer(string="Followers", readonly=True)
    blacklist_count = fields.Integer(string="Blacklist Entries", readonly=True)
    calendar_event_count = fields.Integer(string="Calendar Events", readonly=True)
    bank_account_count = fields.Integer(string="Bank Accounts", readonly=True)

    _sql_constraints = [
        (
            "partner_uniq",
            "unique(partner_id)",
            "The personal data of a customer is destroyed, and logged, once.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "The destruction log is written by the destruction itself, "
                    "not by hand."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(self.env._("The destruction log cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(self.env._("The destruction log cannot be deleted."))
        return super().unlink()
