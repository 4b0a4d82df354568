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
        """Zero or negative days are refused with the company named."""
        for field in ("stale_lead_days", "stale_manager_days", "nurture_touch_days"):
            for days in (0, -1):
                with (
                    self.assertRaisesRegex(ValidationError, self.company.name),
                    self.env.cr.savepoint(),
                ):
                    self.company.write({field: days})
        self.assertEqual(self.company.stale_lead_days, 7)

    def test_new_companies_get_the_process_defaults(self):
        """7 days to stale, 3 more for the manager, no pool, a touch a month."""
        company = self.env["res.company"].create({"name": "Shenzhen Branch"})
        self.assertEqual(
            (
                company.stale_lead_days,
                company.stale_manager_days,
                company.stale_return_to_pool,
                company.nurture_touch_days,
            ),
            (7, 3, False, 30),
        )
