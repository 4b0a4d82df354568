"""Archived customers' retention clock, legal hold and destruction job (P8).

Customers only (``res.partner``). An archived customer's ``retention_date``
is its archive date plus its company's ``retention_years`` (stored; moved in
one UPDATE when the setting changes). A sales admin may place a legal hold,
with a reason, which no destruction passes. Thirty days ahead, the customers
due appear in the sales admins' "Due for Destruction" queue and each sales
admin gets one activity listing them. ``ir_cron_retention`` then destroys the
personal data of those whose date has passed (``crm.customer.anonymizer``),
batch by batch; a customer that fails is skipped, logged and tried again the
next day. A sales admin may also destroy a customer's data at once, on a
data-subject request.
"""

import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.sql import column_exists, create_column, create_index

from ..tools.cron_batch import run_in_savepoints
from .field_guard_mixin import GUARD_ADMIN, GUARD_ENGINE, SALES_ADMIN_GROUP

_logger = logging.getLogger(__name__)

RETENTION_ENGINE_FIELDS = (
    "retention_date",
    "anonymized_date",
    "destruction_retry_date",
)
HOLD_FIELDS = ("legal_hold", "legal_hold_reason")
QUEUE_ACTIVITY = "crm_standard_process.mail_activity_type_destruction_queue"
# How long ahead of its date a customer enters the queue.
QUEUE_DAYS = 30
# At most this many customers are named in a sales admin's queue activity.
QUEUE_LISTED = 100
# The destruction finder (_claim_due_destructions) and the queue read this
# partial index; keep the predicates the same.
RETENTION_INDEX = "res_partner_retention_due_index"
RETENTION_PREDICATE = (
    "profile_state = 'archived' AND anonymized_date IS NULL"
    " AND legal_hold IS NOT TRUE AND retention_date IS NOT NULL"
)


class CrmCustomerRetentionMixin(models.AbstractModel):
    _name = "crm.customer.retention.mixin"
    _inherit = ["crm.customer.archive.mixin"]
    _description = "Customer Retention and Legal Hold"

    retention_date = fields.Date(
        compute="_compute_retention_date",
        store=True,
        readonly=True,
        copy=False,
        help="The archive date plus the company's retention period: from this "
        "day the customer's personal data is destroyed, unless it is under "
        "legal hold.",
    )
    legal_hold = fields.Boolean(
        tracking=True,
        copy=False,
        help="A legal claim or a statutory period requires keeping the "
        "customer's data: it is never destroyed while the hold lasts. Sales "
        "admins only.",
    )
    legal_hold_reason = fields.Char(tracking=True, copy=False)
    anonymized_date = fields.Datetime(
        string="Anonymised On",
        readonly=True,
        copy=False,
        help="When the customer's personal data was destroyed.",
    )
    destruction_retry_date = fields.Date(
        readonly=True,
        copy=False,
        help="Destroying the customer's personal data failed; the job tries "
        "again from this day.",
    )

    # computes

    @api.depends("archive_date", "grade_company_id")
    def _compute_retention_date(self):
        # res.company.write moves the dates in SQL when the period changes
        for partner in self:
            company = partner.grade_company_id or partner._main_company()
            partner.retention_date = partner.archive_date and (
                partner.archive_date + relativedelta(years=company.retention_years)
            )

    # constraints

    @api.constrains("legal_hold", "legal_hold_reason")
    def _check_legal_hold_reason(self):
        for partner in self:
            if partner.legal_hold and not (partner.legal_hold_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "Say why %(customer)s is under legal hold.",
                        customer=partner.display_name,
                    )
                )

    # CRUD

    def _auto_init(self):
        # A live database may hold a million partners: the stored date is
        # created here, empty (no partner was archived with a date before).
        if self._auto and not column_exists(self.env.cr, self._table, "retention_date"):
            create_column(self.env.cr, self._table, "retention_date", "date")
        return super()._auto_init()

    def init(self):
        result = super().init()
        if self._auto:
            create_index(
                self.env.cr,
                RETENTION_INDEX,
                self._table,
                ["retention_date", "id"],
                where=RETENTION_PREDICATE,
            )
        return result

    @api.model
    def _guarded_fields(self):
        return {
            **super()._guarded_fields(),
            **dict.fromkeys(RETENTION_ENGINE_FIELDS, GUARD_ENGINE),
            **dict.fromkeys(HOLD_FIELDS, GUARD_ADMIN),
        }

    def _guard_allows(self, fname, value):
        # a form saves an empty hold unchanged
        if fname in HOLD_FIELDS and not value:
            return not any(self.sudo().mapped(fname))
        return super()._guard_allows(fname, value)

    # actions

    def action_destroy_personal_data(self):
        """Destroy these archived customers' personal data now, on a
        data-subject request (sales admins; never under legal hold)."""
        if not (self.env.su or self.env.user.has_group(SALES_ADMIN_GROUP)):
            raise AccessError(
                self.env._("Only a sales admin can destroy a customer's data.")
            )
        held = self.filtered("legal_hold")
        if held:
            raise UserError(
                self.env._(
                    "%(customers)s is under legal hold: its personal data cannot "
                    "be destroyed.",
                    customers=", ".join(held.mapped("display_name")),
                )
            )
        destroyed = self.filtered("anonymized_date")
        if destroyed:
            raise UserError(
                self.env._(
                    "The personal data of %(customers)s was already destroyed.",
                    customers=", ".join(destroyed.mapped("display_name")),
                )
            )
        unarchived = self.filtered(
            lambda p: p.profile_state != "archived" or p.parent_id
        )
        if unarchived:
            raise UserError(
                self.env._(
                    "Archive %(customers)s before destroying its personal data.",
                    customers=", ".join(unarchived.mapped("display_name")),
                )
            )
        self.env["crm.customer.anonymizer"]._destroy(
            self.sudo(), "data_subject_request"
        )
        return True

    def action_open_destroy_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Destroy Personal Data"),
            "res_model": "crm.destroy.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self[:1].id},
        }

    # business methods

    def _reactivation_values(self):
        if self.anonymized_date:
            raise UserError(
                self.env._(
                    "The personal data of %(customer)s was destroyed: it cannot be "
                    "reactivated.",
                    customer=self.display_name,
                )
            )
        return {**super()._reactivation_values(), "destruction_retry_date": False}

    @api.model
    def _store_retention_dates(self, companies):
        """SQL twin of ``_compute_retention_date`` for the archived customers
        of ``companies`` whose data still exists, after their period changed."""
        companies.flush_recordset(["retention_years"])
        self.env["res.partner"].flush_model(["archive_date", "grade_company_id"])
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner partner
                      SET retention_date = (partner.archive_date
                          + make_interval(years => company.retention_years))::date
                     FROM res_company company
                    WHERE company.id = partner.grade_company_id
                      AND company.id IN %s
                      AND partner.archive_date IS NOT NULL
                      AND partner.anonymized_date IS NULL""",
                tuple(companies.ids),
            )
        )
        self.env["res.partner"].invalidate_model(["retention_date"])

    @api.model
    def _destruction_due_where(self, today):
        return SQL(
            "%s AND retention_date <= %s AND parent_id IS NULL"
            " AND (destruction_retry_date IS NULL OR destruction_retry_date <= %s)",
            SQL(RETENTION_PREDICATE),
            today,
            today,
        )

    @api.model
    def _claim_due_destructions(self, today, limit):
        """The next customers due, locked for this transaction; those another
        worker holds are skipped, not waited for."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM res_partner WHERE %s ORDER BY retention_date, id"
                " LIMIT %s FOR UPDATE SKIP LOCKED",
                self._destruction_due_where(today),
                limit,
            )
        )
        return self.browse(row[0] for row in rows)

    @api.model
    def _count_due_destructions(self, today):
        return self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM res_partner WHERE %s",
                self._destruction_due_where(today),
            )
        )[0][0]

    def _postpone_destruction(self, today):
        """This customer failed to be destroyed: the job leaves it until
        tomorrow, so that the run goes on without it."""
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET destruction_retry_date = %s WHERE id IN %s",
                today + relativedelta(days=1),
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["destruction_retry_date"])

    @api.model
    def _destruction_queue(self, today):
        """The customers due within QUEUE_DAYS (or overdue), by company."""
        rows = self.env.execute_query(
            SQL(
                """SELECT grade_company_id, id FROM res_partner
                    WHERE %s AND retention_date <= %s AND parent_id IS NULL
                 ORDER BY retention_date, id""",
                SQL(RETENTION_PREDICATE),
                today + relativedelta(days=QUEUE_DAYS),
            )
        )
        queue = {}
        for company_id, partner_id in rows:
            queue.setdefault(company_id, []).append(partner_id)
        return {
            self.env["res.company"].browse(company_id): self.browse(ids)
            for company_id, ids in queue.items()
        }

    @api.model
    def _notify_destruction_queue(self, today):
        """One activity per sales admin listing the customers of their
        company due for destruction: unchanged since the last run, the same
        one; nothing left due, none."""
        activity_type = self.env.ref(QUEUE_ACTIVITY, raise_if_not_found=False)
        if not activity_type:
            return
        Activity = self.env["mail.activity"].sudo()
        previous = Activity.search([("activity_type_id", "=", activity_type.id)])
        queue = self._destruction_queue(today)
        kept = Activity
        if queue:
            admins = (
                self.env.ref("sales_team.group_sale_manager")
                .sudo()
                .users.filtered(lambda u: u.active and not u.share)
            )
        for company, customers in queue.items():
            anchor = company.partner_id
            for admin in admins.filtered(lambda u, c=company: c in u.company_ids):
                in_their_words = customers.with_context(
                    lang=admin.lang or self.env.lang, tz=admin.tz
                )
                summary = in_their_words._destruction_queue_summary(today)
                theirs = previous.filtered(
                    lambda a, u=admin, p=anchor: a.user_id == u and a.res_id == p.id
                )
                if len(theirs) == 1 and theirs.summary == summary:
                    kept |= theirs
                    continue
                kept |= Activity.create(
                    {
                        "activity_type_id": activity_type.id,
                        "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                        "res_id": anchor.id,
                        "user_id": admin.id,
                        "date_deadline": today,
                        "summary": summary,
                        "note": in_their_words._destruction_queue_note(today),
                    }
                )
        (previous - kept).unlink()

    def _archive_label(self):
        """The customer by its archive number, else its id: never its name."""
        return self.archive_number or f"#{self.id}"

    def _destruction_queue_summary(self, today):
        overdue = self.filtered(lambda p: p.retention_date <= today)
        if overdue:
            return self.env._(
                "%(count)s customer(s) due for destruction, %(overdue)s overdue",
                count=len(self),
                overdue=len(overdue),
            )
        return self.env._("%(count)s customer(s) due for destruction", count=len(self))

    def _destruction_queue_note(self, today):
        """The customers by archive number and date, never by name: the note
        outlives their data."""
        lines = [
            self.env._(
                "%(number)s: %(date)s",
                number=partner._archive_label(),
                date=format_date(self.env, partner.retention_date),
            )
            + (
                " " + self.env._("(could not be destroyed; retried daily)")
                if partner.destruction_retry_date
                else ""
            )
            for partner in self[:QUEUE_LISTED]
        ]
        if len(self) > QUEUE_LISTED:
            lines.append(
                self.env._("and %(count)s more", count=len(self) - QUEUE_LISTED)
            )
        intro = self.env._(
            "Their personal data will be destroyed on these dates. Place a legal "
            "hold on those that must be kept (CRM > Sales > Due for Destruction)."
        )
        return Markup("<p>%s</p><ul>%s</ul>") % (
            intro,
            Markup("").join(Markup("<li>%s</li>") % line for line in lines),
        )

    # crons

    @api.model
    def _cron_retention(self, batch_size=1000):
        """Destroy the personal data of one batch of customers whose
        retention date has passed (Odoo's cron runner commits and calls again
        while some remain), and tell the sales admins what comes next."""
        today = fields.Date.context_today(self)
        customers = self._claim_due_destructions(today, batch_size)
        Anonymizer = self.env["crm.customer.anonymizer"]
        done, _failed = run_in_savepoints(
            self.env,
            customers,
            lambda batch: Anonymizer._destroy(batch, "retention_expired"),
            lambda customer: customer._postpone_destruction(today),
            _logger,
            lambda customer: (
                f"Destroying the personal data of res.partner {customer.id}"
            ),
        )
        self._notify_destruction_queue(today)
        self.env["ir.cron"]._notify_progress(
            done=len(done), remaining=self._count_due_destructions(today)
        )
        return done
