"""The archive's lock on what lies under an archived customer: its leads and tickets.

Composed by ``crm.lead`` and ``crm.complaint.ticket`` (the customer and its
contacts lock themselves, in ``customer_archive_mixin``). Once a customer is
archived, only a sales admin changes its leads and tickets, or links a new
one to it (``_archived_customer_link``); the others still read them, as
their record rules allow. Jobs and buttons that passed their own checks
write as superuser, as everywhere behind the field guard.
"""

from odoo import models

from .field_guard_mixin import SALES_ADMIN_GROUP


class CrmArchivedCustomerLockMixin(models.AbstractModel):
    _name = "crm.archived.customer.lock.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "Locked Once Its Customer Is Archived"

    # The link to the customer (or one of its contacts).
    _archived_customer_link = "partner_id"

    def _guard_locked(self):
        link = self._archived_customer_link
        locked = self.sudo().filtered(
            lambda record: (
                record[link].commercial_partner_id.profile_state == "archived"
            )
        )
        return super()._guard_locked() | locked.with_env(self.env)

    def _guard_check(self, vals_list):
        super()._guard_check(vals_list)
        if self.env.su or self.env.user.has_group(SALES_ADMIN_GROUP):
            return
        link = self._archived_customer_link
        self.env["res.partner"]._refuse_archived_customers(
            [vals[link] for vals in vals_list if isinstance(vals.get(link), int)]
        )
