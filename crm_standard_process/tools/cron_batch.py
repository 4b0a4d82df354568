"""The batch loop of the scheduled jobs, written once.

Each job takes one batch a call, runs it in one savepoint and, when that
fails, runs it again item by item, each in its own savepoint, so that one
failing record never stops the others. The job marks the failing ones (its
``on_failure``, run in a savepoint of its own) so that they are left alone
for the rest of the run and tried again later, and the run ends with one
line naming the records that are stuck; it reports its progress itself, with
``ir.cron._notify_progress``.

A concurrency failure is no failing record: a serialization failure, a
deadlock or a lock that could not be had is raised again, so that Odoo's
cron runner rolls the batch back and runs it again later, and nothing is
marked failed for it.
"""

from psycopg2 import errors

# The context key of the batch jobs that create activities in bulk: their
# assignees are subscribed in bulk too, once a batch
# (mail.activity._subscribe_assignees_in_bulk), and Odoo's own subscription,
# once an assignee, is skipped (mail.thread).
BULK_FOLLOWERS = "crm_standard_process_bulk_followers"
FOLLOWERS_DONE = "crm_standard_process_followers_subscribed"
# Raised again, never blamed on a record: the batch is retried whole.
CONCURRENCY_ERRORS = (
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,
)


def run_in_savepoints(env, items, job, on_failure, logger, describe):
    """Run ``job(items)`` in one savepoint; when it fails, ``job`` on each
    item alone (a record, or a one-item list when ``items`` is a list), each
    in its own savepoint. A failing item is logged on ``logger`` with
    ``describe(item)`` and passed to ``on_failure(item)``.

    Returns ``(done, failed)``, of the type of ``items``.
    """
    done, failed = items[:0], items[:0]
    if not items:
        return done, failed
    try:
        with env.cr.savepoint():
            job(items)
        return items, failed
    except CONCURRENCY_ERRORS:
        raise
    except Exception:
        logger.exception("The batch failed; retrying item by item")
    is_list = isinstance(items, list)
    for item in items:
        one = [item] if is_list else item
        try:
            with env.cr.savepoint():
                job(one)
            done += one
        except CONCURRENCY_ERRORS:
            raise
        except Exception:
            logger.exception("%s failed", describe(item))
            try:
                with env.cr.savepoint():
                    on_failure(item)
            except CONCURRENCY_ERRORS:
                raise
            except Exception:
                # unmarked, it is tried again at the next call of the run
                logger.exception("Marking %s for a retry failed", describe(item))
            failed += one
    if failed:
        logger.error(
            "%s of %s failed and wait for a retry: %s",
            len(failed),
            len(items),
            ", ".join(describe(item) for item in failed),
        )
    return done, failed
