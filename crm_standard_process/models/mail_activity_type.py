from odoo import api, fields, models
from odoo.exceptions import ValidationError

CUSTOMER_CONTACT_TYPES = (
    "mail.mail_activity_data_call",
    "mail.mail_activity_data_meeting",
    "mail.mail_activity_data_email",
)


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    is_customer_contact = fields.Boolean(
        string="Counts as Customer Contact",
        help="Marking an activity of this type done on a lead records a real "
        "interaction with the customer: it meets the first-contact deadline and "
        "restarts the follow-up clock. Reminders and to-dos do not count.",
    )

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

    @api.model
    def _mark_customer_contact_types(self):
        """Calls, meetings and e-mails count, where the database still has them."""
        for xmlid in CUSTOMER_CONTACT_TYPES:
            activity_type = self.env.ref(xmlid, raise_if_not_found=False)
            if activity_type:
                activity_type.is_customer_contact = True
