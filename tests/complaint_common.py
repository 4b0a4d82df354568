"""Fixture of the complaint tests: a Mon-Fri 8-12/13-17 calendar in UTC.

2026-11-23 is a Monday; the company works on that calendar.
"""

from datetime import datetime

from freezegun import freeze_time

from .common import CrmStandardProcessCase

MONDAY_9 = datetime(2026, 11, 23, 9, 0)


class ComplaintCase(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Office hours (UTC)", "tz": "UTC"}
        )
        cls.env.company.resource_calendar_id = cls.calendar
        # the policies count on the company's calendar here (the demo gives the
        # shipped ones a calendar of their own)
        cls.env["crm.complaint.sla"].with_context(active_test=False).search(
            []
        ).calendar_id = False
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Huadong Precision",
                "is_company": True,
                "profile_state": "active",
                "user_id": cls.rep.id,
                "team_id": cls.team_east.id,
            }
        )
        cls.handler = cls.rep_teammate

    @classmethod
    def _ticket(cls, when=MONDAY_9, **values):
        with freeze_time(when):
            return cls.env["crm.complaint.ticket"].create(
                {
                    "subject": "Spare parts arrived late",
                    "partner_id": cls.customer.id,
                    "handler_id": cls.handler.id,
                    **values,
                }
            )
