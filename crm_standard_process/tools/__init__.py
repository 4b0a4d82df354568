"""Pure Python helpers of the addon (no models): the working-hours clock, the
grading rule and its SQL twin, the cron batch loop, the guard's messages."""

from . import cron_batch, field_guard, grading, sla_clock
