"""Pure helpers of the anonymiser: which columns of a model hold free text, in SQL."""

from odoo.tools import SQL

# Field types whose stored values are free text a person may have typed.
TEXT_TYPES = ("char", "text", "html", "properties")
# Never touched: the ORM's own bookkeeping.
LOG_FIELDS = ("id", "create_uid", "create_date", "write_uid", "write_date")


def text_columns(model, keep=()):
    """The stored free-text columns of ``model`` (and its binary values kept
    in the table, not as attachments), except ``keep`` and required fields,
    which the caller replaces itself."""
    names = []
    for name, field in model._fields.items():
        if (
            not field.store
            or not field.column_type
            or name in keep
            or name in LOG_FIELDS
            or field.required
        ):
            continue
        if field.type in TEXT_TYPES or (
            field.type == "binary" and not field.attachment
        ):
            names.append(name)
    return sorted(names)


def set_null(columns):
    """``col = NULL, ...`` for ``columns`` (an empty SQL when none)."""
    return SQL(", ").join(SQL("%s = NULL", SQL.identifier(name)) for name in columns)
