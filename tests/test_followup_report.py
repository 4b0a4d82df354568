"""Issue 14: the follow-up compliance report and the follow-up views read right.

The report opens on the recent months with the compliance as a measure,
weighted over the rows it totals; months read as words; the calendar names
the customer; a reassigned follow-up reads in its new assignee's language.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .common import ADDON
from .followup_common import FollowupCase

NOVEMBER = date(2026, 11, 1)


class TestFollowupReport(FollowupCase):
    def test_compliance_of_several_rows_is_weighted_by_required_followups(self):
        """1 of 1 on time and 0 of 3: together 25 %, not the average 50 %."""
        Compliance = self.env["crm.followup.compliance"]
        rows = Compliance.create(
            [
                {
                    "partner_id": self.customer_a.id,
                    "user_id": self.rep.id,
                    "month_date": date(2025, 1, 1),
                    "required_count": 1,
                    "on_time_count": 1,
                    "compliance_rate": 100.0,
                },
                {
                    "partner_id": self.customer_b.id,
                    "user_id": self.rep.id,
                    "month_date": date(2025, 1, 1),
                    "required_count": 3,
                    "on_time_count": 0,
                    "compliance_rate": 0.0,
                },
            ]
        )
        [(rate,)] = Compliance._read_group(
            [("id", "in", rows.ids)], [], ["compliance_rate:avg"]
        )
        self.assertEqual(rate, 25.0)
        web = Compliance.read_group(
            [("id", "in", rows.ids)], ["compliance_rate:avg"], ["user_id"]
        )
        self.assertEqual(web[0]["compliance_rate"], 25.0)

    def test_month_reads_as_words_in_the_users_language(self):
        """December 2026, not 12/01/2026; in Chinese for a Chinese reader."""
        row = self.env["crm.followup.compliance"].search(
            [("month_date", "=", NOVEMBER)], limit=1
        )
        self.assertEqual(row.month_label, "November 2026")
        self.env["res.lang"]._activate_lang("zh_CN")
        self.assertEqual(row.with_context(lang="zh_CN").month_label, "2026年11月")

    def test_report_opens_on_recent_months_with_compliance_measured(self):
        """Default filter: the last three months up to this one; compliance %
        is a measure of the pivot and the graph."""
        action = self.env.ref(f"{ADDON}.crm_followup_compliance_action")
        self.assertEqual(safe_eval(action.context), {"search_default_filter_recent": 1})
        for view in ("pivot", "graph"):
            arch = etree.fromstring(
                self.env.ref(f"{ADDON}.crm_followup_compliance_view_{view}").arch
            )
            self.assertTrue(
                arch.xpath("//field[@name='compliance_rate'][@type='measure']"), view
            )
        search = etree.fromstring(
            self.env.ref(f"{ADDON}.crm_followup_compliance_view_search").arch
        )
        [recent] = search.xpath("//filter[@name='filter_recent']")
        domain = safe_eval(
            recent.get("domain"),
            {
                "context_today": lambda: date(2026, 12, 15),
                "relativedelta": relativedelta,
            },
        )
        self.assertEqual(
            domain,
            [("month_date", ">=", "2026-10-01"), ("month_date", "<=", "2026-12-01")],
        )

    def test_calendar_names_the_customer(self):
        """The follow-up calendar titles a follow-up "customer: task"."""
        followup = self._followups(self.customer_b)
        self.assertEqual(
            followup.followup_title, f"{self.customer_b.name}: {followup.summary}"
        )
        calendar = etree.fromstring(
            self.env.ref(f"{ADDON}.mail_activity_view_calendar_followup").arch
        )
        self.assertEqual(calendar.get("create_name_field"), "followup_title")

    def test_reassigned_followup_reads_in_the_new_assignees_language(self):
        """A new owner gets the customer's follow-ups, their summary in the new
        owner's language."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", ADDON)]
        )._update_translations(["zh_CN"])
        self.rep_teammate.lang = "zh_CN"
        followup = self._followups(self.customer_b)
        english = followup.summary
        self.customer_b.user_id = self.rep_teammate
        self.assertEqual(followup.user_id, self.rep_teammate)
        self.assertNotEqual(followup.summary, english)
        self.assertIn("\uff1a", followup.summary)  # the Chinese colon
