"""Followers of the process's batch jobs: subscribed once a batch, not once a person."""

from odoo import models

from ..tools.cron_batch import FOLLOWERS_DONE


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        # The activities of a batch job subscribed their assignees already,
        # all at once (mail.activity._subscribe_assignees_in_bulk); Odoo's
        # create would look them up and subscribe them once per assignee.
        if self.env.context.get(FOLLOWERS_DONE):
            return True
        return super().message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids
        )
