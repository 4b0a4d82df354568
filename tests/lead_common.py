"""Fixture of the lead-discipline tests (P10).

The company works Monday to Friday, 8-12 and 13-17 UTC (8 hours a day);
2026-11-23 is a Monday. ``_at(moment)`` freezes both clocks Odoo reads:
Python's (freezegun) and the transaction's ``cr.now()``, which stamps
``create_date`` (Odoo's own tests patch it the same way), and flushes before
leaving, so that stored fields are computed at that moment.
"""

from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tools import SQL

from .common import CrmStandardProcessCase

MONDAY_9 = datetime(2026, 11, 23, 9, 0)
STALE_TYPE = "crm_standard_process.mail_activity_type_stale_lead"
NURTURE_TYPE = "crm_standard_process.mail_activity_type_nurture_touch"


class LeadCase(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Office hours (UTC)", "tz": "UTC"}
        )
        cls.company.write(
            {
                "resource_calendar_id": cls.calendar.id,
                "grade_a_threshold": 500000,
                "grade_b_threshold": 100000,
                "stale_lead_days": 7,
                "stale_manager_days": 3,
                "stale_return_to_pool": False,
                "nurture_touch_days": 30,
            }
        )
        # The leads already there (demo data, the base fixture) get no follow-up
        # clock: the stale ladder and the cron batches hold a test's own leads.
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET followup_clock_date = NULL,"
                " nurture_touch_date = NULL, stale_due_date = NULL"
            )
        )
        cls.env.invalidate_all()

    @contextmanager
    def _at(self, moment):
        """Run at ``moment``; what it leaves to compute is computed then too."""
        with freeze_time(moment), patch.object(self.env.cr, "now", lambda: moment):
            yield
            self.env.flush_all()

    def _lead(self, when=MONDAY_9, user=None, **values):
        """An A lead of the rep in team East, created at ``when``."""
        user = self.rep if user is None else user
        with self._at(when):
            return self.env["crm.lead"].create(
                {
                    "name": "Boiler retrofit",
                    "type": "opportunity",
                    "user_id": user.id,
                    "team_id": self.team_east.id,
                    "expected_revenue": 600000,
                    **values,
                }
            )

    def _log_call(self, lead, when, user=None):
        """``user`` (the rep by default) logs a call done on ``lead``."""
        with self._at(when):
            lead = lead.with_user(user or self.rep)
            activity = lead.activity_schedule(
                "mail.mail_activity_data_call", summary="Call the buyer"
            )
            activity.action_feedback(feedback="Discussed the requirements")

    def _run_cron(self, when, via_xmlid=False):
        with self._at(when):
            if via_xmlid:
                self.env.ref(
                    "crm_standard_process.ir_cron_stale_leads"
                ).method_direct_trigger()
            else:
                self.env["crm.lead"]._cron_stale_leads()

    def _activities(self, leads, user, xmlid=STALE_TYPE):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("user_id", "=", user.id),
                ("activity_type_id", "=", self.env.ref(xmlid).id),
            ]
        )
