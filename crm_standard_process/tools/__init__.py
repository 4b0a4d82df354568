"""Pure Python helpers of the addon (no models): the working-hours clock, the
grading rule and the stale-reminder rule (each once, for Python and SQL), the
cron batch loop, the anonymiser's SQL."""

from . import anonymize, anonymize_scrub, cron_batch, grading, reminder_rule, sla_clock
