"""Pure Python helpers of the addon (no models): the working-hours clock, the
grading rule and the stale-reminder rule (each once, for Python and SQL), the
cron batch loop, months and quarters of the reports, the quarterly review's
SQL, the anonymiser's SQL."""

from . import (
    anonymize,
    anonymize_scrub,
    cron_batch,
    grading,
    period,
    quarterly_review,
    reminder_rule,
    sla_clock,
)
