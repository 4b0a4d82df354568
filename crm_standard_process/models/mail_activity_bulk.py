"""The engine's activities inserted in bulk.

The scheduled jobs create their activities hundreds at a time (follow-ups,
escalation tasks). Through Odoo's ``mail.activity.create`` most of a batch's
time goes to the ORM's work per row: defaults, a ``new()`` record to
precompute ``res_model``, the record cache, and the stored computes written
back in UPDATEs right after the INSERT (``res_name``, ``user_tz``,
``date_done``). ``_create_in_bulk`` gives the same rows in one INSERT: the
values shared by the batch (defaults, each distinct note sanitized, each
record's name, each user's time zone) are worked out once, then what Odoo's
``create`` does after its INSERT is done for the whole batch (followers, the
assignees' bus notice, what depends on the new rows).

It applies to the rows the engine writes and that the addon knows the
meaning of: active activities, without attachments, on models whose stored
computed fields are the ones listed below. Whenever another module gives
``mail.activity`` a stored computed field, or a row falls outside these
bounds, the batch goes through ``create`` as before.
"""

from collections import defaultdict
from collections.abc import Hashable

from odoo import api, fields, models
from odoo.tools import SQL, clean_context

from ..tools.cron_batch import BULK_FOLLOWERS

# The stored computed fields of mail.activity (Odoo's and the addon's) and
# their value on a new active activity, given its res_model, res_id, user.
BULK_COMPUTED_FIELDS = {
    "res_model",
    "res_name",
    "user_tz",
    "date_done",
    "followup_on_time",
}
# The context keys that add to a partner's display name (its address, e-mail,
# tax id, database id).
PARTNER_NAME_FLAGS = (
    "show_address",
    "partner_show_db_id",
    "address_inline",
    "show_email",
    "show_vat",
)
MAGIC_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model
    def _create_in_bulk(self, vals_list):
        """Create the activities of ``vals_list`` as the engine (superuser,
        no e-mail to the assignees, as ``mail_activity_quick_update``), in one
        INSERT when the model and the rows allow it (see the module's
        docstring), else through ``create``. Returns them in order."""
        if not vals_list:
            return self.browse()
        Activity = self.sudo().with_context(clean_context(self.env.context))
        if not Activity._can_insert_in_bulk(vals_list):
            return Activity.with_context(
                mail_activity_quick_update=True, **{BULK_FOLLOWERS: True}
            ).create(vals_list)
        Activity.env.flush_all()
        rows = Activity._bulk_rows(vals_list)
        columns = sorted({name for row in rows for name in row})
        # a batch shares most of its values (one note per plan and language):
        # each distinct one is converted (an Html note sanitized) once
        converted = {}

        def column_value(name, value):
            key = (name, value)
            if key not in converted:
                converted[key] = Activity._fields[name].convert_to_column_insert(
                    value, Activity
                )
            return converted[key]

        magic = SQL(", ").join([self.env.uid, self.env.cr.now()] * 2)
        values = [
            SQL(
                "(%s, %s)",
                SQL(", ").join(column_value(name, row.get(name)) for name in columns),
                magic,
            )
            for row in rows
        ]
        ids = [
            id_
            for (id_,) in Activity.env.execute_query(
                SQL(
                    "INSERT INTO mail_activity (%s, %s) VALUES %s RETURNING id",
                    SQL(", ").join(map(SQL.identifier, columns)),
                    SQL(", ").join(map(SQL.identifier, MAGIC_COLUMNS)),
                    SQL(", ").join(values),
                )
            )
        ]
        activities = Activity.browse(ids)
        Activity._after_bulk_insert(activities, rows)
        return activities.with_env(self.env)

    @api.model
    def _can_insert_in_bulk(self, vals_list):
        """Whether one INSERT gives the rows ``create`` would: every stored
        computed field is one the bulk path fills, no Python constraint is to
        check, and every row is a plain active activity on a record, with a
        user, and no x2many."""
        stored_computed = {
            name
            for name, field in self._fields.items()
            if field.store and field.compute and field.column_type
        }
        if not stored_computed <= BULK_COMPUTED_FIELDS or self._constraint_methods:
            return False
        return all(
            vals.get("res_model_id")
            and vals.get("res_id")
            and vals.get("user_id")
            and vals.get("active", True)
            and not vals.get("date_done")
            and all(
                self._fields[name].column_type
                and not self._fields[name].compute
                and isinstance(value, Hashable)
                for name, value in vals.items()
            )
            for vals in vals_list
        )

    @api.model
    def _bulk_rows(self, vals_list):
        """The stored values of each row: its own, the defaults the batch
        shares (worked out once), and the stored computes of a new active
        activity."""
        defaults = self.default_get(
            [
                name
                for name, field in self._fields.items()
                if field.store
                and field.column_type
                and not field.compute
                and name not in models.MAGIC_COLUMNS
            ]
        )
        model_of = {
            model.id: model.model
            for model in self.env["ir.model"].browse(
                {vals["res_model_id"] for vals in vals_list}
            )
        }
        res_ids = defaultdict(set)
        for vals in vals_list:
            res_ids[model_of[vals["res_model_id"]]].add(vals["res_id"])
        names = {
            (model, res_id): name
            for model, ids in res_ids.items()
            for res_id, name in self._bulk_record_names(model, ids).items()
        }
        users = self.env["res.users"].browse({vals["user_id"] for vals in vals_list})
        tz_of = {user.id: user.tz for user in users}
        rows = []
        for vals in vals_list:
            model = model_of[vals["res_model_id"]]
            row = {**defaults, **vals}
            row.update(
                res_model=model,
                res_name=names[model, vals["res_id"]],
                user_tz=tz_of[vals["user_id"]],
                date_done=False,
                followup_on_time=False,
            )
            rows.append(row)
        return rows

    @api.model
    def _bulk_record_names(self, model, ids):
        """The display name of each record of ``model`` (the activity's
        ``res_name``). A named partner's is its stored complete name: Odoo
        computes it partner by partner, translating the contact types each
        time, a third of a scheduling batch."""
        names = {}
        if model == "res.partner" and not any(
            self.env.context.get(flag) for flag in PARTNER_NAME_FLAGS
        ):
            names = dict(
                self.env.execute_query(
                    SQL(
                        """SELECT id, complete_name FROM res_partner
                            WHERE id = ANY(%s) AND name != ''
                              AND complete_name != ''""",
                        list(ids),
                    )
                )
            )
        for record in self.env[model].browse(set(ids) - set(names)):
            names[record.id] = record.display_name
        return names

    @api.model
    def _after_bulk_insert(self, activities, rows):
        """What ``create`` does after its INSERT, once for the batch: the
        assignees follow the records, the x2many caches pointing at the new
        rows are dropped, the fields depending on them recomputed, the
        assignees with something due today told, the compliance refreshed."""
        self._subscribe_assignees_in_bulk(rows)
        names = {name for row in rows for name in row}
        for name in names:
            for inverse in self.pool.field_inverses[self._fields[name]]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        computed = [self._fields[name] for name in BULK_COMPUTED_FIELDS]
        with self.env.protecting(computed, activities):
            activities.modified(names, create=True)
        today = fields.Date.context_today(self)
        due_today = {
            row["user_id"]
            for row in rows
            if fields.Date.to_date(row["date_deadline"]) <= today
        }
        if due_today:
            self.env["res.users"].browse(due_today)._bus_send(
                "mail.activity/updated", {"activity_created": True}
            )
        activities._refresh_followup_compliance()
