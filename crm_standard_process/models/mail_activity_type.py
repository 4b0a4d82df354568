from odoo import api, models
from odoo.exceptions import ValidationError


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    @api.constrains("keep_done")
    def _check_followup_plan_keeps_done(self):
        plans = (
            self.env["crm.followup.plan"]
            .with_context(active_test=False)
            .search(
                [
                    (
                        "activity_type_id",
                        "in",
                        self.filtered(lambda t: not t.keep_done).ids,
                    )
                ]
            )
        )
        if plans:
            raise ValidationError(
                self.env._(
                    "%(types)s must keep done activities: the follow-up plans "
                    "%(plans)s count them.",
                    types=", ".join(plans.activity_type_id.mapped("display_name")),
                    plans=", ".join(plans.mapped("display_name")),
                )
            )
