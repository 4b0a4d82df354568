"""Archiving a customer (P8): reason and date, requests, reactivation, candidates.

Customers only (``res.partner``). When cooperation ends a team manager of
the customer's team (or a sales admin) archives the profile with a reason
and a date; a salesperson may *request* it, which the reviewer confirms or
turns down. Archiving marks the open opportunities lost, cancels the open
follow-ups (the follow-up target logs it) and leaves the profile, its
contacts, leads and tickets readable but locked: only a sales admin changes
them (``_guard_locked`` here, ``crm.archived.customer.lock.mixin`` on leads
and tickets), and the record rules take it out of the reps' reach. Open
complaint tickets block it. A sales admin may reactivate an archived
customer, with a reason, until its personal data is destroyed
(``customer_retention_mixin``). Customers without any contact, order or
ticket for the company's delay are *archive candidates*, a filter for
managers: nothing is archived by itself.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from .crm_team import TEAM_MANAGER_GROUP
from .field_guard_mixin import GUARD_ENGINE, SALES_ADMIN_GROUP

# Set by the archive's buttons and wizards only, after their checks.
ARCHIVE_ENGINE_FIELDS = (
    "archive_reason_id",
    "archive_date",
    "archive_request_reason_id",
    "archive_requested_by_id",
)
ARCHIVE_REQUEST_ACTIVITY = "crm_standard_process.mail_activity_type_archive_request"
LOST_REASON = "crm_standard_process.lost_reason_customer_archived"
ARCHIVABLE_STATES = ("draft", "to_review", "active")
# A complaint is open until the customer confirmed its solution.
BLOCKING_TICKET_STATES = ("new", "in_progress", "solved")


class CrmCustomerArchiveMixin(models.AbstractModel):
    _name = "crm.customer.archive.mixin"
    _inherit = ["crm.field.guard.mixin"]
    _description = "Customer Archiving"

    archive_reason_id = fields.Many2one(
        "crm.archive.reason",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Why the cooperation ended.",
    )
    archive_date = fields.Date(
        readonly=True,
        copy=False,
        tracking=True,
        help="When the cooperation ended; the retention period counts from it.",
    )
    archive_request_reason_id = fields.Many2one(
        "crm.archive.reason",
        string="Archiving Requested For",
        readonly=True,
        copy=False,
        tracking=True,
        ondelete="restrict",
        help="A salesperson asked to archive the customer for this reason; a "
        "team manager confirms or turns it down.",
    )
    archive_requested_by_id = fields.Many2one(
        "res.users", string="Archiving Requested By", readonly=True, copy=False
    )
    is_archive_candidate = fields.Boolean(
        string="Archive Candidate",
        compute="_compute_is_archive_candidate",
        search="_search_is_archive_candidate",
        help="An active customer without any contact, order, opportunity or "
        "ticket for the company's inactivity delay.",
    )

    # computes

    def _compute_is_archive_candidate(self):
        candidates = set(
            self.with_context(active_test=False)
            .search([("id", "in", self.ids), ("is_archive_candidate", "=", True)])
            .ids
        )
        for partner in self:
            partner.is_archive_candidate = partner.id in candidates

    def _search_is_archive_candidate(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Archive Candidate."))
        self.env.flush_all()
        contact = SQL(
            """(message.message_type = 'email'
                OR message.mail_activity_type_id IS NOT NULL
                OR (message.message_type = 'comment' AND message.subtype_id = %s))""",
            self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment"),
        )
        orders = SQL()
        if table_exists(self.env.cr, "sale_order"):
            orders = SQL(
                """AND NOT EXISTS (
                       SELECT 1 FROM sale_order sale
                         JOIN res_partner person ON person.id = sale.partner_id
                        WHERE person.commercial_partner_id = customer.id
                          AND sale.date_order >= cutoff.since)"""
            )
        candidates = SQL(
            """(SELECT customer.id
                 FROM res_partner customer
                 JOIN res_company company ON company.id = customer.grade_company_id
                CROSS JOIN LATERAL (
                      SELECT (now() AT TIME ZONE 'UTC')
                             - make_interval(days => company.archive_candidate_days)
                             AS since) cutoff
                WHERE customer.profile_state = 'active'
                  AND customer.create_date < cutoff.since
                  AND NOT EXISTS (
                      SELECT 1 FROM res_partner person
                        JOIN mail_message message
                          ON message.model = 'res.partner'
                         AND message.res_id = person.id
                       WHERE person.commercial_partner_id = customer.id
                         AND message.date >= cutoff.since AND %(contact)s)
                  AND NOT EXISTS (
                      SELECT 1 FROM res_partner person
                        JOIN crm_lead lead ON lead.partner_id = person.id
                       WHERE person.commercial_partner_id = customer.id
                         AND (lead.create_date >= cutoff.since
                              OR lead.date_closed >= cutoff.since
                              OR EXISTS (
                                  SELECT 1 FROM mail_message message
                                   WHERE message.model = 'crm.lead'
                                     AND message.res_id = lead.id
                                     AND message.date >= cutoff.since
                                     AND %(contact)s)))
                  AND NOT EXISTS (
                      SELECT 1 FROM crm_complaint_ticket ticket
                        JOIN res_partner person ON person.id = ticket.partner_id
                       WHERE person.commercial_partner_id = customer.id
                         AND ticket.create_date >= cutoff.since)
                  %(orders)s)""",
            contact=contact,
            orders=orders,
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", candidates)]

    # CRUD

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(ARCHIVE_ENGINE_FIELDS, GUARD_ENGINE),
        }

    def _guard_locked(self):
        locked = self.sudo().filtered(
            lambda p: p.commercial_partner_id.profile_state == "archived"
        )
        return super()._guard_locked() | locked.with_env(self.env)

    def _guard_check(self, vals_list):
        super()._guard_check(vals_list)
        if self.env.su or self.env.user.has_group(SALES_ADMIN_GROUP):
            return
        self._refuse_archived_customers(
            [
                vals["parent_id"]
                for vals in vals_list
                if isinstance(vals.get("parent_id"), int) and vals["parent_id"]
            ]
        )

    @api.model
    def _refuse_archived_customers(self, partner_ids):
        """Refuse to add anything under the customers of ``partner_ids`` (the
        partners or their companies) that are archived: a contact, a lead, a
        ticket. Only a sales admin may."""
        archived = (
            self.browse(partner_ids)
            .sudo()
            .commercial_partner_id.filtered(lambda p: p.profile_state == "archived")
        )
        if archived:
            raise AccessError(
                self.env._(
                    "%(customers)s is archived: only a sales admin can add to it.",
                    customers=", ".join(archived.mapped("display_name")),
                )
            )

    # actions

    def action_archive_profile(self, reason, archive_date=None):
        """Archive these customers with ``reason`` (a ``crm.archive.reason``
        record or id) on ``archive_date`` (default today; not in the future):
        their open opportunities are lost, their open follow-ups cancelled,
        and the profile with everything under it is locked."""
        self._check_can_archive()
        reason = self._archive_reason(reason)
        today = fields.Date.context_today(self)
        day = self._archive_day(archive_date, today)
        self._check_archivable()
        customers = self.sudo()
        lost = customers._lose_open_leads()
        customers._close_review_activities()
        customers._close_plan_approval_activities()
        customers._close_archive_requests()
        # the open follow-ups are cancelled (and logged) as the profile leaves
        # the process, before archiving the record would delete them
        self._write_guarded(
            {
                "profile_state": "archived",
                "archive_reason_id": reason.id,
                "archive_date": day,
                "archive_request_reason_id": False,
                "archive_requested_by_id": False,
                "proposed_followup_plan_id": False,
            }
        )
        self._write_guarded({"active": False})
        customers.child_ids.filtered("active").write({"active": False})
        if lost:
            customers.browse(list(lost))._message_log_batch(
                {
                    customer_id: self.env._(
                        "Archived: %(count)s open opportunity(ies) were marked lost.",
                        count=count,
                    )
                    for customer_id, count in lost.items()
                }
            )
        return True

    def action_request_archive(self, reason):
        """A salesperson asks the reviewer to archive these customers."""
        self.check_access("write")
        reason = self._archive_reason(reason)
        self._check_archivable()
        self._write_guarded(
            {
                "archive_request_reason_id": reason.id,
                "archive_requested_by_id": self.env.uid,
            }
        )
        for partner in self:
            reviewer = partner._profile_reviewer()
            if reviewer and not partner.sudo().activity_search(
                [ARCHIVE_REQUEST_ACTIVITY]
            ):
                partner._schedule_for(
                    reviewer,
                    ARCHIVE_REQUEST_ACTIVITY,
                    lambda record: record.env._(
                        "Confirm archiving: %(reason)s",
                        reason=reason.with_env(record.env).name,
                    ),
                )
        self._message_log_batch(
            {
                partner.id: self.env._(
                    "%(user)s asks to archive this customer: %(reason)s.",
                    user=self.env.user.name,
                    reason=reason.name,
                )
                for partner in self
            }
        )
        return True

    def action_confirm_archive_request(self):
        """Managers confirm the archiving the salespeople asked for, today."""
        requested = self.filtered("archive_request_reason_id")
        if requested != self:
            raise UserError(
                self.env._(
                    "No archiving was requested for %(customers)s.",
                    customers=", ".join((self - requested).mapped("display_name")),
                )
            )
        for reason in self.archive_request_reason_id:
            self.filtered(
                lambda p, r=reason: p.archive_request_reason_id == r
            ).action_archive_profile(reason)
        return True

    def action_reject_archive_request(self):
        """Managers turn a request down: the customer stays as it is."""
        self._check_can_archive()
        requested = self.filtered("archive_request_reason_id")
        requested._message_log_batch(
            {
                partner.id: self.env._(
                    "%(user)s did not confirm the archiving requested by "
                    "%(requester)s.",
                    user=self.env.user.name,
                    requester=partner.archive_requested_by_id.name,
                )
                for partner in requested.sudo()
            }
        )
        requested._write_guarded(
            {"archive_request_reason_id": False, "archive_requested_by_id": False}
        )
        requested.sudo()._close_archive_requests()
        return True

    def action_reactivate_profile(self, reason):
        """A sales admin brings archived customers back, telling why."""
        if not (self.env.su or self.env.user.has_group(SALES_ADMIN_GROUP)):
            raise AccessError(
                self.env._("Only a sales admin can reactivate an archived customer.")
            )
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("Reactivating a customer needs a reason."))
        wrong = self.filtered(lambda p: p.profile_state != "archived")
        if wrong:
            raise UserError(
                self.env._(
                    "Only an archived customer can be reactivated: %(customers)s.",
                    customers=", ".join(wrong.mapped("display_name")),
                )
            )
        for partner in self:
            partner._write_guarded(partner._reactivation_values())
            # child_ids lists active contacts only
            self.sudo().search(
                [("parent_id", "=", partner.id), ("active", "=", False)]
            ).write({"active": True})
        self._message_log_batch(
            {
                partner.id: self.env._(
                    "Reactivated by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason.strip(),
                )
                for partner in self
            }
        )
        return True

    def action_open_archive_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Archive Customer"),
            "res_model": "crm.archive.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.ids},
        }

    def action_open_reactivate_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reactivate Customer"),
            "res_model": "crm.reactivate.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.ids},
        }

    # business methods

    def _can_archive(self):
        """Whether the current user archives these customers themselves (else
        they may request it)."""
        try:
            self._check_can_archive()
        except AccessError:
            return False
        return True

    def _check_can_archive(self):
        """Team managers archive the customers of their teams; sales admins all."""
        user = self.env.user
        if self.env.su or user.has_group(SALES_ADMIN_GROUP):
            return
        if not user.has_group(TEAM_MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "Only team managers and sales admins archive customers; "
                    "request the archiving instead."
                )
            )
        managed = self.sudo().team_id._managed_by_me()
        foreign = self.filtered(lambda p: p.sudo().team_id not in managed)
        if foreign:
            raise AccessError(
                self.env._(
                    "You archive the customers of your own teams only: %(customers)s.",
                    customers=", ".join(foreign.mapped("display_name")),
                )
            )

    def _check_archivable(self):
        """Customers of the process, not archived yet, without an open complaint."""
        for partner in self:
            if partner.parent_id or partner.profile_state not in ARCHIVABLE_STATES:
                raise UserError(
                    self.env._(
                        "Only a customer profile in the process that is not "
                        "archived yet can be archived; %(customer)s is %(state)s.",
                        customer=partner.display_name,
                        state=partner._state_label(),
                    )
                )
        tickets = (
            self.env["crm.complaint.ticket"]
            .sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "in", self.ids),
                    ("state", "in", BLOCKING_TICKET_STATES),
                ]
            )
        )
        if tickets:
            raise UserError(
                self.env._(
                    "%(customers)s cannot be archived while complaint tickets are "
                    "open: %(tickets)s. Close or cancel them first.",
                    customers=", ".join(
                        tickets.partner_id.commercial_partner_id.mapped("display_name")
                    ),
                    tickets=", ".join(tickets.mapped("display_name")),
                )
            )

    def _archive_reason(self, reason):
        """The ``crm.archive.reason`` record of ``reason`` (a record or an id)."""
        Reason = self.env["crm.archive.reason"].sudo()
        if isinstance(reason, int) and not isinstance(reason, bool):
            reason = Reason.browse(reason)
        if (
            not isinstance(reason, models.BaseModel)
            or reason._name != "crm.archive.reason"
            or len(reason) != 1
            or not reason.sudo().exists()
        ):
            raise UserError(self.env._("Archiving needs one archive reason."))
        if not reason.sudo().active:
            raise UserError(
                self.env._(
                    "The archive reason %(reason)s is no longer in use.",
                    reason=reason.sudo().name,
                )
            )
        return reason.sudo()

    def _archive_day(self, archive_date, today):
        if not archive_date:
            return today
        try:
            day = fields.Date.to_date(archive_date)
        except (TypeError, ValueError):
            raise UserError(
                self.env._("%(value)s is not a valid archive date.", value=archive_date)
            ) from None
        if day > today:
            raise UserError(self.env._("The archive date cannot lie in the future."))
        return day

    def _lose_open_leads(self):
        """Mark the customers' open leads and opportunities lost; returns
        ``{customer id: how many}``."""
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "in", self.ids),
                    "|",
                    ("stage_id", "=", False),
                    ("stage_id.is_won", "=", False),
                ]
            )
        )
        counts = {}
        for lead in leads:
            customer_id = lead.partner_id.commercial_partner_id.id
            counts[customer_id] = counts.get(customer_id, 0) + 1
        if leads:
            leads.action_set_lost(
                lost_reason_id=self.env.ref(LOST_REASON).id,
            )
        return counts

    def _close_archive_requests(self):
        self.sudo().activity_unlink([ARCHIVE_REQUEST_ACTIVITY])

    def _reactivation_values(self):
        """What a reactivation writes on this customer."""
        return {
            "profile_state": "active" if self.archive_number else "draft",
            "archive_reason_id": False,
            "archive_date": False,
            "active": True,
        }
