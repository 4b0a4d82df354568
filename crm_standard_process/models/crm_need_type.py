from odoo import fields, models


class CrmNeedType(models.Model):
    _name = "crm.need.type"
    _description = "Customer Need Type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique(name)", "A need type with this name already exists."),
    ]
