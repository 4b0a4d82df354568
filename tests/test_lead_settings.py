"""Settings of lead discipline: per company, positive delays."""

from odoo.exceptions import ValidationError

from .lead_common import LeadCase


class TestLeadSettings(LeadCase):
    def test_settings_write_the_company_delays(self):
        """The Settings form sets the stale, manager, pool and nurture options."""
        settings = self.env["res.config.settings"].create(
            {
                "stale_lead_days": 5,
                "stale_manager_days": 2,
                "stale_return_to_pool": True,
                "nurture_touch_days": 14,
            }
        )
        settings.execute()
        self.assertEqual(
            (
                self.company.stale_lead_days,
                self.company.stale_manager_days,
                self.company.stale_return_to_pool,
                self.company.nurture_touch_days,
            ),
            (5, 2, True, 14),
        )

    def test_delays_must_be_positive(self):
        """Zero or negative days are refused with the company named; the team
        manager's further delay may be 0 (told with the salesperson)."""
        cases = [
            ("stale_lead_days", 0),
            ("stale_lead_days", -1),
            ("stale_manager_days", -1),
            ("nurture_touch_days", 0),
            ("nurture_touch_days", -1),
        ]
        for field, days in cases:
            with (
                self.assertRaisesRegex(ValidationError, self.company.name),
                self.env.cr.savepoint(),
            ):
                self.company.write({field: days})
        self.assertEqual(self.company.stale_lead_days, 7)
        self.company.stale_manager_days = 0
        self.assertEqual(self.company.stale_manager_days, 0)

    def test_new_companies_get_the_process_defaults(self):
        """7 days to stale, the manager told with the salesperson (SPEC P10:
        "a reminder to the owner and the team manager"), no pool, a touch a
        month."""
        company = self.env["res.company"].create({"name": "Shenzhen Branch"})
        self.assertEqual(
            (
                company.stale_lead_days,
                company.stale_manager_days,
                company.stale_return_to_pool,
                company.nurture_touch_days,
            ),
            (7, 0, False, 30),
        )
