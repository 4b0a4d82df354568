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

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.anonymize_scrub import CustomerAnonymization
from .crm_destruction_log import SCRUBBED_KINDS

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
                    customers=", ".join(refused.mapped(_archive_label)),
                )
            )
        scope = CustomerAnonymization(self.env, rows)
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


def _archive_label(partner):
    return partner.archive_number or f"#{partner.id}"
