"""The batch loop of the scheduled jobs, written once.

Each job takes one batch a call, runs it in one savepoint and, when that
fails, runs it again item by item, each in its own savepoint, so that one
failing record never stops the others. The job marks the failing ones (its
``on_failure``) so that they are left alone for the rest of the run and
tried again at the next one; it reports its progress itself, with
``ir.cron._notify_progress``.
"""


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
    except Exception:
        logger.exception("The batch failed; retrying item by item")
    is_list = isinstance(items, list)
    for item in items:
        try:
            with env.cr.savepoint():
                job([item] if is_list else item)
            done += [item] if is_list else item
        except Exception:
            logger.exception("%s failed", describe(item))
            on_failure(item)
            failed += [item] if is_list else item
    return done, failed
