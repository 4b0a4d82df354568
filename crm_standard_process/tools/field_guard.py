"""Fields only the addon's buttons and jobs write, written once.

The review of a profile, the SLA clock of a ticket and the follow-up engine
each keep some fields from direct writes (ORM or JSON-RPC); their guards differ
in who may still write what, but name the refused fields, and write them for a
button whose checks passed, the same way.
"""


def field_labels(records, fnames):
    """The labels of ``fnames``, in the user's language, for a message that
    names the fields it refuses."""
    return ", ".join(
        sorted(
            records._fields[fname]._description_string(records.env) for fname in fnames
        )
    )


def write_checked(records, values):
    """Write guarded fields on behalf of a button or a job whose own checks
    passed: the user must be allowed to edit ``records``, and the chatter still
    names them."""
    records.check_access("write")
    return records.sudo().write(values)
