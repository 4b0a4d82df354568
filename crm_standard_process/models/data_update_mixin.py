"""The month-end data update of a customer: when its owner last reviewed its data.

Customers only (``res.partner``). On the last working day of each month the
month-end job (``crm.monthly.report.month``) reminds every owner of active
customers whose data was not reviewed since the month began; the owner
reviews each profile and marks it reviewed with a button, one by one or in
bulk from the list. Only that button sets the date.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .field_guard_mixin import GUARD_ENGINE

DATA_UPDATE_ACTION = "crm_standard_process.res_partner_action_data_update"


class CrmDataUpdateMixin(models.AbstractModel):
    _name = "crm.data.update.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "Month-end Data Update of a Customer"

    data_reviewed_date = fields.Date(
        string="Data Reviewed On",
        readonly=True,
        copy=False,
        tracking=True,
        help="When the owner last confirmed that the customer's data is up to "
        "date; the month-end reminder lists the customers not reviewed since "
        "the month began.",
    )

    @api.model
    def _guarded_fields(self):
        return {**super()._guarded_fields(), "data_reviewed_date": GUARD_ENGINE}

    # actions

    def action_mark_data_reviewed(self):
        """The owner (or a manager) confirms that these customers' data is up
        to date, today."""
        outside = self.filtered(lambda p: not p.profile_state or p.parent_id)
        if outside:
            raise UserError(
                self.env._(
                    "Only customers in the customer process have their data "
                    "reviewed: %(partners)s.",
                    partners=", ".join(outside.mapped("display_name")),
                )
            )
        self._write_guarded({"data_reviewed_date": fields.Date.context_today(self)})
        return True

    # business methods

    @api.model
    def _data_update_owners(self, company, since):
        """``{owner id: number of customers}``: the owners of ``company``'s
        active customers with customers whose data was not reviewed on or
        after ``since``, in one grouped query."""
        self.env["res.partner"].flush_model(
            [
                "profile_state",
                "active",
                "user_id",
                "company_id",
                "grade_company_id",
                "data_reviewed_date",
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.user_id, COUNT(*)
                  FROM res_partner partner
                  JOIN res_users owner ON owner.id = partner.user_id
                 WHERE partner.profile_state = 'active'
                   AND partner.active
                   AND owner.active
                   AND NOT owner.share
                   AND COALESCE(partner.company_id, partner.grade_company_id) = %s
                   AND (partner.data_reviewed_date IS NULL
                        OR partner.data_reviewed_date < %s)
              GROUP BY partner.user_id
                """,
                company.id,
                since,
            )
        )
        return dict(rows)
