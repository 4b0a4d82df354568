"""Issue 14: SLA policies show their working calendar, Settings lead to them,
and the demo works on China's calendar and time zone."""

from lxml import etree

from .common import ADDON, CrmStandardProcessCase


class TestSlaCalendarSettings(CrmStandardProcessCase):
    def test_policy_shows_the_calendar_it_counts_on(self):
        """Its own calendar, else its company's, else the current company's."""
        calendar = self.env["resource.calendar"].create(
            {"name": "Shanghai office", "tz": "Asia/Shanghai", "company_id": False}
        )
        company_calendar = self.env["resource.calendar"].create(
            {"name": "Company hours", "tz": "Europe/Brussels"}
        )
        self.env.company.resource_calendar_id = company_calendar
        policy = self.env["crm.complaint.sla"].create(
            {"name": "Policy of every company", "response_hours": 2}
        )
        self.assertEqual(policy.effective_calendar_id, company_calendar)
        self.assertEqual(policy.calendar_tz, "Europe/Brussels")
        policy.calendar_id = calendar
        self.assertEqual(policy.effective_calendar_id, calendar)
        self.assertEqual(policy.calendar_tz, "Asia/Shanghai")

    def test_settings_link_to_the_policies_and_hold_the_verification_rule(self):
        """Settings > CRM has a Complaints block leading to the SLA policies."""
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        settings = etree.fromstring(arch)
        [button] = settings.xpath("//setting[@id='complaint_sla_policies']//button")
        action = self.env.ref(f"{ADDON}.crm_complaint_sla_action")
        self.assertEqual(button.get("name"), str(action.id))
        self.assertTrue(
            settings.xpath("//field[@name='activation_requires_verification']")
        )
        views = etree.fromstring(
            self.env.ref(f"{ADDON}.crm_complaint_sla_view_list").arch
        )
        self.assertTrue(views.xpath("//field[@name='effective_calendar_id']"))

    def test_demo_works_in_china(self):
        """The demo users live in Asia/Shanghai; the company and the shipped SLA
        policies count on a China calendar with public holidays."""
        calendar = self.env.ref(f"{ADDON}.resource_calendar_china_demo", False)
        if not calendar:
            self.skipTest("installed without demo data")
        for xmlid in (
            "user_team_manager_demo",
            "user_rep_east_1_demo",
            "user_rep_east_2_demo",
            "user_rep_north_demo",
        ):
            self.assertEqual(self.env.ref(f"{ADDON}.{xmlid}").tz, "Asia/Shanghai")
        self.assertEqual(calendar.tz, "Asia/Shanghai")
        self.assertEqual(len(calendar.attendance_ids), 10)
        holidays = calendar.leave_ids.filtered(lambda leave: not leave.resource_id)
        self.assertEqual(len(holidays), 6)
        for xmlid in (
            "crm_complaint_sla_sales_service",
            "crm_complaint_sla_product_technical",
        ):
            self.assertEqual(self.env.ref(f"{ADDON}.{xmlid}").calendar_id, calendar)
