"""The jobs' batch loop: a failing record is skipped and marked, a concurrency
failure is retried whole, never blamed on a record."""

import logging

from psycopg2 import errors

from odoo.addons.crm_standard_process.tools.cron_batch import run_in_savepoints
from odoo.tools import mute_logger

from .common import CrmStandardProcessCase

LOGGER = "crm_standard_process.tests.cron_batch"


class TestCronBatch(CrmStandardProcessCase):
    def _run(self, items, job, on_failure=None):
        marked = []
        with mute_logger(LOGGER):
            result = run_in_savepoints(
                self.env,
                items,
                job,
                on_failure or marked.append,
                logging.getLogger(LOGGER),
                str,
            )
        return result, marked

    def _job_writing(self, poisoned=None, error=ValueError):
        """A job that writes each item's name on a partner of its own, and
        fails on ``poisoned``."""
        partners = {
            item: self.env["res.partner"].create({"name": f"before {item}"})
            for item in ("one", "two", "three")
        }

        def job(items):
            for item in items:
                partners[item].name = f"after {item}"
                self.env.flush_all()
                if item == poisoned:
                    raise error("poisoned")

        return job, partners

    def test_a_failing_item_is_marked_and_the_others_are_done(self):
        """The batch is replayed item by item; the failing one's work is
        rolled back and it is marked, the others' kept."""
        job, partners = self._job_writing(poisoned="two")
        (done, failed), marked = self._run(["one", "two", "three"], job)
        self.assertEqual((done, failed, marked), (["one", "three"], ["two"], ["two"]))
        self.assertEqual(
            [p.name for p in partners.values()],
            ["after one", "before two", "after three"],
        )

    def test_a_failing_marker_does_not_stop_the_batch(self):
        """A record whose retry marker cannot be written stays unmarked (it is
        tried at the next call); the batch goes on."""
        job, partners = self._job_writing(poisoned="one")

        def on_failure(item):
            partners[item].name = "marked"
            self.env.flush_all()
            raise ValueError("marker broken")

        (done, failed), _marked = self._run(["one", "two"], job, on_failure)
        self.assertEqual((done, failed), (["two"], ["one"]))
        self.assertEqual(partners["one"].name, "before one", "marker rolled back")

    def test_concurrency_errors_are_raised_again_not_marked(self):
        """A serialization failure, a deadlock or a lock not obtained is no
        failing record: it is raised for the cron runner to retry the batch,
        and nothing is marked."""
        for error in (
            errors.SerializationFailure,
            errors.DeadlockDetected,
            errors.LockNotAvailable,
        ):
            with self.subTest(error=error.__name__):
                job, _partners = self._job_writing(poisoned="two", error=error)
                marked = []
                with self.assertRaises(error):
                    run_in_savepoints(
                        self.env,
                        ["one", "two"],
                        job,
                        marked.append,
                        logging.getLogger(LOGGER),
                        str,
                    )
                self.assertFalse(marked)
