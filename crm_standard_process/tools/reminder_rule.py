"""When an open lead's next stale reminder or nurture touch falls due, written once.

``REMINDER_RULE`` is the one source: ``reminder_moment`` evaluates it on a
lead and its company (records, or anything that reads like them), and
``reminder_sql`` compiles it into an SQL expression over a lead row and its
company row, so that the stored ``stale_due_date`` and the one-statement
refresh after a settings change cannot drift apart (a test compares them).

Each row: the conditions of a situation (all must hold; the first matching
row wins), the moment it counts from (the first date set among its start
fields) and its delay in days (the first positive company delay among its
delay fields, else the last). No row matches after the last step: no
reminder falls due. A failed reminder waits for its retry date.
"""

from datetime import timedelta

from odoo.tools import SQL

# (conditions, start fields, delay fields); a condition is (source, field,
# expected), source "lead" or "company", expected True (a flag that is set),
# SET (any value), None (no value) or a value.
SET = "set"
REMINDER_RULE = [
    # the nurture pool: a light touch every nurture interval
    (
        [("lead", "in_nurture_pool", True)],
        ("nurture_touch_date", "followup_clock_date"),
        ("nurture_touch_days",),
    ),
    # a stale period starts at the follow-up clock
    ([("lead", "stale_step", None)], ("followup_clock_date",), ("stale_lead_days",)),
    # the team manager, the manager delay after the salesperson
    ([("lead", "stale_step", "owner")], ("stale_step_date",), ("stale_manager_days",)),
    # back to the pool, as long again (a stale delay without a manager delay)
    (
        [
            ("lead", "stale_step", "manager"),
            ("company", "stale_return_to_pool", True),
            ("lead", "user_id", SET),
        ],
        ("stale_step_date",),
        ("stale_manager_days", "stale_lead_days"),
    ),
]


def _holds(value, expected):
    if expected in (True, SET):
        return bool(value)
    if expected is None:
        return not value
    return value == expected


def reminder_moment(lead, company):
    """The lead's next reminder moment (a naive UTC datetime), or False."""
    sources = {"lead": lead, "company": company}
    for conditions, starts, delays in REMINDER_RULE:
        if not all(
            _holds(sources[source][fname], expected)
            for source, fname, expected in conditions
        ):
            continue
        start = next((lead[fname] for fname in starts if lead[fname]), False)
        if not start:
            return False
        days = next(
            (company[fname] for fname in delays if company[fname] > 0),
            company[delays[-1]],
        )
        due = start + timedelta(days=days)
        return max(due, lead["reminder_retry_date"] or due)
    return False


def reminder_sql(lead_alias, company_alias):
    """The same rule over the row ``lead_alias`` and its company row."""
    aliases = {"lead": lead_alias, "company": company_alias}

    def column(source, fname):
        return SQL.identifier(aliases[source], fname)

    def condition(source, fname, expected):
        value = column(source, fname)
        if expected is True:
            return SQL("%s IS TRUE", value)
        if expected == SET:
            return SQL("%s IS NOT NULL", value)
        if expected is None:
            return SQL("%s IS NULL", value)
        return SQL("%s = %s", value, expected)

    branches = []
    for conditions, starts, delays in REMINDER_RULE:
        delay = column("company", delays[-1])
        for fname in reversed(delays[:-1]):
            delay = SQL(
                "CASE WHEN %s > 0 THEN %s ELSE %s END",
                column("company", fname),
                column("company", fname),
                delay,
            )
        branches.append(
            SQL(
                "WHEN %s THEN COALESCE(%s) + make_interval(days => %s)",
                SQL(" AND ").join(condition(*cond) for cond in conditions),
                SQL(", ").join(column("lead", fname) for fname in starts),
                delay,
            )
        )
    due = SQL("(CASE %s END)", SQL(" ").join(branches))
    return SQL(
        "(CASE WHEN %(due)s IS NOT NULL THEN GREATEST(%(due)s, %(retry)s) END)",
        due=due,
        retry=column("lead", "reminder_retry_date"),
    )
