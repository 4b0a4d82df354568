"""The customer's cooperation start: the day its first opportunity was won, stored.

Customers only (``res.partner``). The greetings job looks the anniversaries
of this day up by month and day, through an index (``res.partner``'s
``init``), instead of aggregating every won lead of the database each day.
The leads keep it up to date (``crm.lead`` create, write and unlink: won,
un-won, lost, reassigned, deleted), and so does a contact moving to another
company; each time with one UPDATE over the customers concerned, from their
won leads (``_cooperation_start_sql``, the one definition). A live database
gets it filled in SQL at install (``res.partner._auto_init``).
"""

from odoo import api, fields, models
from odoo.tools import SQL

from .field_guard_mixin import GUARD_ENGINE

# What a lead's customer's cooperation start depends on.
COOPERATION_LEAD_FIELDS = {"stage_id", "partner_id", "date_closed", "active"}


class CrmCustomerCooperationMixin(models.AbstractModel):
    _name = "crm.customer.cooperation.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "Cooperation Start of a Customer"

    cooperation_start_date = fields.Date(
        string="Customer Since",
        readonly=True,
        copy=False,
        help="The day the customer's first opportunity was won; its anniversary "
        "gets a greeting task.",
    )

    # CRUD

    @api.model
    def _guarded_fields(self):
        return {**super()._guarded_fields(), "cooperation_start_date": GUARD_ENGINE}

    # business methods

    def _store_cooperation_start_dates(self):
        """Store the cooperation start of these customers (contacts have
        none: their leads count for their company), in one UPDATE that
        rewrites only the rows whose date changes."""
        ids = tuple(set(self.ids))
        if not ids:
            return
        self.env["crm.lead"].flush_model(
            ["partner_id", "stage_id", "date_closed", "active"]
        )
        self.flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET cooperation_start_date = won.start_date
                  FROM (SELECT customer.id, cooperation.start_date
                          FROM res_partner customer
                     LEFT JOIN (%(cooperation)s) AS cooperation
                            ON cooperation.customer_id = customer.id
                         WHERE customer.id IN %(ids)s) AS won
                 WHERE partner.id = won.id
                   AND partner.cooperation_start_date
                       IS DISTINCT FROM won.start_date
                """,
                cooperation=self._cooperation_start_sql(ids),
                ids=ids,
            )
        )
        if self.env.cr.rowcount:
            self.browse(ids).invalidate_recordset(["cooperation_start_date"])

    @api.model
    def _fill_cooperation_start_dates(self):
        """The cooperation start of every customer, in one statement (the
        install on a live database)."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET cooperation_start_date = cooperation.start_date
                  FROM (%s) AS cooperation
                 WHERE partner.id = cooperation.customer_id
                """,
                self._cooperation_start_sql(),
            )
        )
        self.invalidate_model(["cooperation_start_date"])

    @api.model
    def _cooperation_start_sql(self, customer_ids=None):
        """One row per customer with a won opportunity (of these customers
        only, when given): (customer_id, start_date). Reads the tables: flush
        the leads first."""
        where = SQL()
        if customer_ids is not None:
            where = SQL("AND contact.commercial_partner_id IN %s", tuple(customer_ids))
        return SQL(
            """
            SELECT contact.commercial_partner_id AS customer_id,
                   MIN(lead.date_closed)::date AS start_date
              FROM crm_lead lead
              JOIN crm_stage stage ON stage.id = lead.stage_id AND stage.is_won
              JOIN res_partner contact ON contact.id = lead.partner_id
             WHERE lead.active AND lead.date_closed IS NOT NULL %s
          GROUP BY contact.commercial_partner_id
            """,
            where,
        )
