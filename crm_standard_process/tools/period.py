"""Months and quarters of the reports: their bounds, and the month's last working day.

Pure date maths (no models). A month is named by its first day, a quarter
by the first day of its first month. Datetime bounds are naive UTC, as
Odoo stores datetimes, for the midnights of a time zone.
"""

from datetime import date, datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from . import sla_clock


def month_start(day):
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(month):
    """The last day of the month starting on ``month``."""
    return month + relativedelta(months=1, days=-1)


def previous_month(month):
    return month - relativedelta(months=1)


def quarter_start(day):
    """The first day of ``day``'s quarter."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def is_quarter_end(month):
    """Whether the month starting on ``month`` closes a quarter."""
    return month.month % 3 == 0


def utc_bounds(first, last, tz_name):
    """The naive UTC datetimes of midnight before ``first`` and midnight after
    ``last`` in the time zone ``tz_name``: the days from ``first`` to ``last``
    as a half-open interval of stored datetimes."""
    tz = pytz.timezone(tz_name or "UTC")

    def utc_midnight(day):
        local = tz.localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    return utc_midnight(first), utc_midnight(last + timedelta(days=1))


def local_today(now, tz_name):
    """The date at the naive UTC moment ``now`` in the time zone ``tz_name``."""
    tz = pytz.timezone(tz_name or "UTC")
    return pytz.utc.localize(now).astimezone(tz).date()


def last_working_day(month, calendar=None):
    """The last working day of the month starting on ``month`` on ``calendar``
    (its public holidays excluded): a Sunday 31st gives Friday the 29th, a
    holiday on that Friday the Thursday. The month's last day when the
    calendar has no working day in the month at all."""
    days = sla_clock.working_days(month, month_end(month), calendar)
    return days[-1] if days else month_end(month)
