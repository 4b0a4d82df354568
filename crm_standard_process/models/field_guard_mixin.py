"""The field guard: who may write a protected field, and what any value may be.

One mechanism for every model of the addon with protected fields (customer,
lead, activity, ticket). A model declares once, in ``_guarded_fields``, the
fields only the process itself (its buttons and jobs), a team manager or a
sales admin may write; the guard checks them on ``create`` (values *and*
``default_<field>`` context keys, which the ORM would apply just the same) and
on ``write``, for every user below the privilege, whatever the path (form,
import, JSON-RPC), and refuses with one clear ``AccessError`` naming the
fields in the user's language. Buttons and jobs whose own checks passed write
them through ``_write_guarded``.

The same hook refuses what no one may write: a link to a record the user
cannot read (``_guard_readable_links``: a stored copy of its data would show
it), a date outside a sane window, a negative amount, an oversized text.
"""

from datetime import date, datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .crm_team import TEAM_MANAGER_GROUP

# The privileges: the engine is the addon's own code running as superuser
# (jobs, and buttons after their checks); a manager is a team manager of the
# record's sales team or a sales admin; an admin is a sales admin.
GUARD_ENGINE = "engine"
GUARD_ADMIN = "admin"
GUARD_MANAGER = "manager"
SALES_ADMIN_GROUP = "sales_team.group_sale_manager"
SALESMAN_GROUP = "sales_team.group_sale_salesman"
ALL_DOCUMENTS_GROUP = "sales_team.group_sale_salesman_all_leads"
# No date of the process lies outside these years.
DATE_WINDOW = (date(1900, 1, 1), date(2199, 12, 31))
# A one-line text (a name, a subject) longer than this is no name.
CHAR_MAX_LENGTH = 1024


class CrmFieldGuardMixin(models.AbstractModel):
    _name = "crm.field.guard.mixin"
    _description = "Protected Fields"

    # The sales team whose managers hold the "manager" privilege on a record.
    _guard_team_field = "team_id"
    # Many2one fields linking a record the user must be able to read.
    _guard_readable_links = ()
    # Amounts that cannot be negative.
    _guard_non_negative = ()

    @api.model
    def _guarded_fields(self):
        """``{field name: privilege}`` of the fields this model protects."""
        return {}

    def _guard_allows(self, fname, value):
        """Whether a user below the privilege may still give ``fname`` this
        ``value`` here: a starting value on create (``self`` is then empty),
        say. Nothing by default."""
        return False

    def _guard_locked(self):
        """These records that only a sales admin may change at all (an
        archived profile, say). None by default."""
        return self.browse()

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        defaults = {
            key.removeprefix("default_"): value
            for key, value in self.env.context.items()
            if key.startswith("default_")
            and key.removeprefix("default_") in self._fields
        }
        self.browse()._guard_check([{**defaults, **vals} for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        self._guard_check([vals])
        return super().write(vals)

    # business methods

    def _guard_check(self, vals_list):
        """Refuse, before anything is written, what ``vals_list`` may not
        write on ``self`` (empty on create)."""
        for vals in vals_list:
            self._guard_check_values(vals)
        if self.env.su:
            return
        if self and not self.env.user.has_group(SALES_ADMIN_GROUP):
            locked = self._guard_locked()
            if locked:
                raise AccessError(self._guard_locked_message(locked))
        guarded = self._guarded_fields()
        refused = {}
        for vals in vals_list:
            for fname in guarded.keys() & vals.keys():
                privilege = guarded[fname]
                if (
                    not self._guard_allows(fname, vals[fname])
                    and not self._guard_is_default(fname, vals[fname])
                    and not self._guard_user_holds(privilege, vals)
                ):
                    refused.setdefault(privilege, set()).add(fname)
        for privilege in (GUARD_ENGINE, GUARD_ADMIN, GUARD_MANAGER):
            if privilege in refused:
                raise AccessError(
                    self._guard_message(
                        privilege, self._field_labels(refused[privilege])
                    )
                )
        for vals in vals_list:
            self._guard_check_links(vals)

    def _guard_user_holds(self, privilege, vals=None):
        """Whether the current user holds ``privilege`` on these records (on
        create, ``self`` empty: on a record of the values ``vals``)."""
        if self.env.su:
            return True
        if privilege == GUARD_ENGINE:
            return False
        user = self.env.user
        if user.has_group(SALES_ADMIN_GROUP):
            return True
        if privilege == GUARD_ADMIN or not user.has_group(TEAM_MANAGER_GROUP):
            return False
        team_field = self._guard_team_field
        if self:
            managed = self.sudo().mapped(team_field)._managed_by_me()
            return all(record.sudo()[team_field] in managed for record in self)
        team_id = (vals or {}).get(team_field)
        comodel = self._fields[team_field].comodel_name
        return bool(team_id) and bool(
            self.env[comodel].browse(team_id)._managed_by_me()
        )

    def _guard_is_default(self, fname, value):
        """Whether ``value`` for ``fname`` on create is the empty value the
        field starts from anyway (Odoo's forms and chained activities send
        every field, empty ones included)."""
        return not self and not value and not self._fields[fname].default

    def _guard_check_links(self, vals):
        """A record the user cannot read cannot be linked: the computed and
        related copies of its data would show it. Only Sales users below All
        Documents have records hidden from them by the process's own rules."""
        user = self.env.user
        if not user.has_group(SALESMAN_GROUP) or user.has_group(ALL_DOCUMENTS_GROUP):
            return
        for fname in self._guard_readable_links:
            target_id = vals.get(fname)
            if not isinstance(target_id, int) or not target_id:
                continue
            target = self.env[self._fields[fname].comodel_name].browse(target_id)
            if not target.has_access("read"):
                raise AccessError(
                    self.env._(
                        "You cannot link %(field)s to a record you are not "
                        "allowed to see.",
                        field=self._field_labels([fname]),
                    )
                )

    def _guard_check_values(self, vals):
        """Refuse values no one may write, whoever writes them."""
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if field is None or value in (False, None):
                continue
            if field.type in ("date", "datetime"):
                self._guard_check_date(field, value)
            elif field.type == "char" and isinstance(value, str):
                if len(value) > CHAR_MAX_LENGTH:
                    raise ValidationError(
                        self.env._(
                            "%(field)s is too long: %(length)s characters, at "
                            "most %(max)s.",
                            field=self._field_labels([fname]),
                            length=len(value),
                            max=CHAR_MAX_LENGTH,
                        )
                    )
            elif fname in self._guard_non_negative and isinstance(value, int | float):
                if value < 0:
                    raise ValidationError(
                        self.env._(
                            "%(field)s cannot be negative.",
                            field=self._field_labels([fname]),
                        )
                    )

    def _guard_check_date(self, field, value):
        # the label only for the error: a batch of thousands checks its dates
        try:
            if field.type == "date":
                day = fields.Date.to_date(value)
            else:
                day = fields.Datetime.to_datetime(value).date()
        except (TypeError, ValueError):
            raise ValidationError(
                self.env._(
                    "%(field)s: %(value)s is not a valid date.",
                    field=self._field_labels([field.name]),
                    value=value,
                )
            ) from None
        if isinstance(day, datetime):
            day = day.date()
        if not DATE_WINDOW[0] <= day <= DATE_WINDOW[1]:
            raise ValidationError(
                self.env._(
                    "%(field)s must lie between %(first)s and %(last)s.",
                    field=self._field_labels([field.name]),
                    first=DATE_WINDOW[0].year,
                    last=DATE_WINDOW[1].year,
                )
            )

    def _guard_message(self, privilege, labels):
        """The refusal for fields of ``privilege``; ``labels`` names them."""
        if privilege == GUARD_ENGINE:
            return self.env._(
                "%(fields)s are set by the customer process itself (its buttons "
                "and scheduled jobs), not written directly.",
                fields=labels,
            )
        if privilege == GUARD_ADMIN:
            return self.env._(
                "%(fields)s can only be changed by a sales admin.", fields=labels
            )
        return self.env._(
            "%(fields)s can only be changed by a team manager of the record's "
            "sales team or a sales admin.",
            fields=labels,
        )

    def _guard_locked_message(self, locked):
        return self.env._(
            "%(records)s can only be changed by a sales admin.",
            records=", ".join(locked.sudo().mapped("display_name")),
        )

    def _field_labels(self, fnames):
        """The labels of ``fnames``, in the user's language, sorted."""
        return ", ".join(
            sorted(
                self._fields[fname]._description_string(self.env) for fname in fnames
            )
        )

    def _write_guarded(self, values):
        """Write protected fields for a button or a job whose own checks
        passed: the user must be allowed to edit the records, and the chatter
        still names the user."""
        self.check_access("write")
        return self.sudo().write(values)
