"""Possible duplicates: companies sharing a VAT number, a name or an e-mail domain.

Customers only (``res.partner``). Each company stores two keys, its name in
lower case with its spaces trimmed and the domain of its e-mail, and the
lookup is an equality on those indexed columns, so that it stays an index
lookup on a million partners. The keys are defined once, as SQL expressions
(``name_key_sql``, ``email_domain_sql``): the compute evaluates them on the
values at hand, the installation on every row of a live database.
"""

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

# Public webmail: a shared domain says nothing about the company.
WEBMAIL_DOMAINS = {
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
}


def name_key_sql(name):
    """The duplicate key of a company name: lower case, spaces trimmed."""
    return SQL("NULLIF(lower(btrim(regexp_replace(%s, '\\s+', ' ', 'g'))), '')", name)


def email_domain_sql(email):
    """The domain of an e-mail address, in lower case."""
    return SQL("NULLIF(lower(btrim(substring(%s FROM '@([^@]*)$'))), '')", email)


class CrmDuplicateMixin(models.AbstractModel):
    _name = "crm.duplicate.mixin"
    _description = "Possible Duplicate Companies"

    company_name_key = fields.Char(
        compute="_compute_duplicate_keys",
        store=True,
        index="btree_not_null",
        help="The company's name in lower case, spaces trimmed: possible "
        "duplicates are looked up on it through an index.",
    )
    email_domain = fields.Char(
        compute="_compute_duplicate_keys",
        store=True,
        index="btree_not_null",
        help="The domain of the company's e-mail address, in lower case.",
    )
    duplicate_partner_ids = fields.Many2many(
        "res.partner",
        compute="_compute_duplicate_partner_ids",
        string="Possible Duplicates",
    )

    # computes

    @api.depends("name", "email", "parent_id")
    def _compute_duplicate_keys(self):
        # Only companies (partners without a parent) are compared.
        companies = self.filtered(lambda partner: not partner.parent_id)
        (self - companies).update({"company_name_key": False, "email_domain": False})
        if not companies:
            return
        keys = self.env.execute_query(
            SQL(
                """SELECT %s, %s
                     FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY
                          AS value(name, email, position)
                 ORDER BY value.position""",
                name_key_sql(SQL.identifier("value", "name")),
                email_domain_sql(SQL.identifier("value", "email")),
                [partner.name or None for partner in companies],
                [partner.email or None for partner in companies],
            )
        )
        for partner, (name_key, domain) in zip(companies, keys, strict=True):
            partner.company_name_key = name_key or False
            partner.email_domain = domain or False

    @api.depends("name", "vat", "email")
    def _compute_duplicate_partner_ids(self):
        for partner in self:
            partner.duplicate_partner_ids = partner._find_duplicates()

    # CRUD

    def _auto_init(self):
        # A live database's companies get their keys in one UPDATE, from the
        # same expressions as the compute.
        fill = self._auto and not self._duplicate_columns_exist()
        result = super()._auto_init()
        if fill:
            self._fill_duplicate_keys_in_sql()
        return result

    @api.model
    def _fill_duplicate_keys_in_sql(self):
        """Every company's keys in one UPDATE, from the compute's expressions."""
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner
                      SET company_name_key = %s, email_domain = %s
                    WHERE parent_id IS NULL
                      AND (name IS NOT NULL OR email IS NOT NULL)""",
                name_key_sql(SQL.identifier("name")),
                email_domain_sql(SQL.identifier("email")),
            )
        )

    def _duplicate_columns_exist(self):
        if column_exists(self.env.cr, self._table, "company_name_key"):
            return True
        # created empty here, so that Odoo does not compute them row by row
        create_column(self.env.cr, self._table, "company_name_key", "varchar")
        create_column(self.env.cr, self._table, "email_domain", "varchar")
        return False

    # business methods

    def _find_duplicates(self):
        """Other companies with the same VAT, name or e-mail domain."""
        self.ensure_one()
        if self.parent_id or not self.company_name_key:
            return self.browse()
        terms = [[("company_name_key", "=", self.company_name_key)]]
        if self.vat:
            terms.append([("vat", "=", self.vat)])
        if self.email_domain and self.email_domain not in WEBMAIL_DOMAINS:
            terms.append([("email_domain", "=", self.email_domain)])
        return self.search(
            [("id", "!=", self._origin.id), ("parent_id", "=", False)]
            + ["|"] * (len(terms) - 1)
            + [term for group in terms for term in group],
            limit=5,
        )
