"""The SLA clock: deadlines and elapsed time, in working hours or round the clock.

One engine for every deadline of the addon: complaint tickets count working
hours, follow-ups count working days. Datetimes are naive UTC, as Odoo stores
them; days are dates in the calendar's time zone. A ``calendar``
(``resource.calendar``) counts its working hours, public holidays (its global
leaves) excluded; ``None`` (or an empty calendar recordset: no calendar
configured) counts round the clock, every day a working day.
"""

from datetime import datetime, time, timedelta

import pytz

# How far the day helpers look for a working day before giving up.
SEARCH_DAYS = 62


def add_hours(start, hours, calendar=None):
    """The moment ``hours`` of clock time after ``start``."""
    if not calendar:
        return start + timedelta(hours=hours)
    if hours <= 0:
        # plan_hours(0) would jump to the next working moment; zero is "now".
        return start
    return calendar.plan_hours(hours, start, compute_leaves=True)


def hours_between(start, end, calendar=None):
    """The clock time from ``start`` to ``end`` (0 when ``end`` comes first)."""
    if end <= start:
        return 0.0
    if not calendar:
        return (end - start).total_seconds() / 3600
    return calendar.get_work_hours_count(start, end, compute_leaves=True)


def warning_moment(start, hours, percent, calendar=None):
    """When ``percent`` of a target of ``hours`` from ``start`` has run out."""
    return add_hours(start, hours * percent / 100.0, calendar)


def working_days(first, last, calendar=None):
    """The working days from ``first`` to ``last`` (dates, both included)."""
    if last < first:
        return []
    if not calendar:
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]
    tz = pytz.timezone(calendar.tz or "UTC")
    start = tz.localize(datetime.combine(first, time.min))
    end = tz.localize(datetime.combine(last, time.max))
    intervals = calendar._work_intervals_batch(start, end, compute_leaves=True)[False]
    return sorted({begin.astimezone(tz).date() for begin, _end, _meta in intervals})


def next_working_day(day, calendar=None):
    """The first working day on or after ``day`` (``day`` itself when none is
    found within two months, e.g. on a calendar without attendances)."""
    days = working_days(day, day + timedelta(days=SEARCH_DAYS), calendar)
    return days[0] if days else day


def add_working_days(day, count, calendar=None):
    """The ``count``-th working day after ``day``; ``day`` for zero."""
    if count <= 0:
        return day
    days = working_days(
        day + timedelta(days=1), day + timedelta(days=SEARCH_DAYS + 7 * count), calendar
    )
    return days[count - 1] if len(days) >= count else day + timedelta(days=count)


def moment_after_working_days(start, days, calendar=None):
    """The moment ``days`` working days after ``start``.

    A working day is the calendar's hours per day of working time, so that
    "within 48 hours" on the working calendar reads as two working days, the
    time of day kept: Friday 15:00 gives Tuesday 15:00 (a sales manager's
    "two days", weekend and holidays aside), not 48 working hours (six
    days). Round the clock, it is ``days`` times 24 hours.
    """
    if not calendar:
        return add_hours(start, 24.0 * days)
    return add_hours(start, days * (calendar.hours_per_day or 8.0), calendar)
