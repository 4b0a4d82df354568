"""The README's screenshots, taken from the demo database in headless Chromium.

Not a test of the suite (pytest does not collect this file by itself):
``scripts/screenshots`` runs it with ``CRMSP_SCREENSHOTS`` naming the folder
to write the pictures into, so that the pictures of the README and of the
addon's description stay current.
"""

import base64
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser

from .common import ADDON, CrmStandardProcessHttpCase

TARGET = os.environ.get("CRMSP_SCREENSHOTS", "")
TIMEZONE = "Asia/Shanghai"
# the pictures it takes, by name (screenshot_<name>.png)
PICTURES = ("manager_home", "profile", "followup", "ticket", "report")
# What a page has drawn once its data is there: the view's content, and no
# loading indicator.
LOADED = (
    "document.querySelector('.o_action_manager .o_content, .o_form_view')"
    " && !document.querySelector('.o_loading_indicator, .o_blockUI')"
)


class TestReadmeScreenshots(CrmStandardProcessHttpCase):
    browser_size = "1400x900"

    # (picture, login, url of the page, JavaScript run on it before the shot)
    def _shots(self):
        ref = self.env.ref

        def record(xmlid, action):
            return f"/odoo/action-{ADDON}.{action}/{ref(f'{ADDON}.{xmlid}').id}"

        return [
            (
                "manager_home",
                "lin.wei",
                f"/odoo/action-{ADDON}.crm_team_action_desk",
                "",
            ),
            (
                "profile",
                "lin.wei",
                record(
                    "res_partner_huadong_precision_demo",
                    "res_partner_action_customer_profile",
                ),
                "",
            ),
            (
                "followup",
                "lin.wei",
                record(
                    "res_partner_huadong_precision_demo",
                    "res_partner_action_customer_profile",
                ),
                "document.querySelector('a[name=\"followup_plan\"]')?.click();",
            ),
            (
                "ticket",
                "lin.wei",
                record(
                    "crm_complaint_ticket_late_parts_demo",
                    "crm_complaint_ticket_action",
                ),
                "document.querySelector('a[name=\"sla\"]')?.click();",
            ),
            (
                "report",
                "lin.wei",
                f"/odoo/action-{ADDON}.crm_monthly_report_action",
                "",
            ),
        ]

    def test_take_the_readme_screenshots(self):
        """Each page, as its role sees it, 1400 x 900."""
        self.assertTrue(TARGET, "set CRMSP_SCREENSHOTS to the pictures' folder")
        folder = Path(TARGET)
        folder.mkdir(parents=True, exist_ok=True)
        stop, navigate_to = ChromeBrowser.stop, ChromeBrowser.navigate_to

        # the demo team works in China: its times as its users see them
        def navigate_in_shanghai(browser, url, *args, **kwargs):
            browser._websocket_request(
                "Emulation.setTimezoneOverride", params={"timezoneId": TIMEZONE}
            )
            return navigate_to(browser, url, *args, **kwargs)

        shots = self._shots()
        self.assertEqual(tuple(shot[0] for shot in shots), PICTURES)
        for name, login, url, script in shots:
            picture = folder / f"screenshot_{name}.png"

            # Odoo 18 starts a browser per page and stops it once the page's
            # code passed: the picture is taken right before.
            def shoot_then_stop(browser, picture=picture):
                data = browser._websocket_request(
                    "Page.captureScreenshot", params={"format": "png"}
                )["data"]
                picture.write_bytes(base64.b64decode(data))
                return stop(browser)

            with (
                self.subTest(picture=name),
                patch.object(ChromeBrowser, "stop", shoot_then_stop),
                patch.object(ChromeBrowser, "navigate_to", navigate_in_shanghai),
            ):
                self.browser_js(
                    url,
                    f"{script} setTimeout(() => console.log('test successful'), 1500);",
                    ready=LOADED,
                    login=login,
                )
            self.assertTrue(picture.exists(), picture)
