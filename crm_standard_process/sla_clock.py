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


def add_working_days(start, days, calendar=None):
    """The moment ``days`` working days after ``start``.

    A working day is the calendar's hours per day of working time, so that
    "within 48 hours" on the working calendar reads as two working days, the
    time of day kept: Friday 15:00 gives Tuesday 15:00 (a sales manager's
    "two days", weekend and holidays aside), not 48 working hours (six
    days). Round the clock, it is ``days`` times 24 hours.
    """
    if calendar is None:
        return add_hours(start, 24.0 * days)
    return add_hours(start, days * (calendar.hours_per_day or 8.0), calendar)
