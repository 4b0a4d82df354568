"""The SLA clock: deadlines and elapsed time, in working hours or round the clock.

One engine for every deadline of the addon (complaint tickets now; follow-ups
and leads later). Datetimes are naive UTC, as Odoo stores them. A ``calendar``
(``resource.calendar``) counts its working hours, public holidays (its global
leaves) excluded; ``None`` counts round the clock.
"""

from datetime import timedelta


def add_hours(start, hours, calendar=None):
    """The moment ``hours`` of clock time after ``start``."""
    if calendar is None:
        return start + timedelta(hours=hours)
    if hours <= 0:
        # plan_hours(0) would jump to the next working moment; zero is "now".
        return start
    return calendar.plan_hours(hours, start, compute_leaves=True)


def hours_between(start, end, calendar=None):
    """The clock time from ``start`` to ``end`` (0 when ``end`` comes first)."""
    if end <= start:
        return 0.0
    if calendar is None:
        return (end - start).total_seconds() / 3600
    return calendar.get_work_hours_count(start, end, compute_leaves=True)


def warning_moment(start, hours, percent, calendar=None):
    """When ``percent`` of a target of ``hours`` from ``start`` has run out."""
    return add_hours(start, hours * percent / 100.0, calendar)
