"""Users: a salesperson's "My day", the desk of their own work."""

from odoo import models


class ResUsers(models.Model):
    _name = "res.users"
    _inherit = ["res.users", "crm.process.desk.mixin"]

    # "My day" (crm.process.desk.mixin)

    def _desk_items(self):
        return (
            "draft",
            "followup_due",
            "ticket_new",
            "ticket_risk",
            "ticket_breached",
            "stale_lead",
            "first_contact",
            "compliance",
        )

    def _desk_scope(self, model):
        if model == "crm.complaint.ticket":
            return ["|", ("user_id", "=", self.id), ("handler_id", "=", self.id)]
        return [("user_id", "=", self.id)]
