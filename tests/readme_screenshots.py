"""The README's screenshots, taken from the demo database in headless Chromium.

Not a test of the suite (pytest does not collect this file by itself):
``scripts/screenshots`` runs it with ``CRMSP_SCREENSHOTS`` naming the folder
to write the pictures into, so that the pictures of the README and of the
addon's description stay current.
"""

import base64
import os
from pathlib import Path

from .common import ADDON, CrmStandardProcessHttpCase

TARGET = os.environ.get("CRMSP_SCREENSHOTS", "")
# What a page has drawn once its data is there: the view's content, and no
# loading indicator.
LOADED = (
    "document.querySelector('.o_action_manager .o_content, .o_form_view')"
    " && !document.querySelector('.o_loading_indicator, .o_blockUI')"
)


class TestReadmeScreenshots(CrmStandardProcessHttpCase):
    # (picture, login, url of the page, JavaScript run on it before the shot)
    def _shots(self):
        ref = self.env.ref

        def record(xmlid, action):
            return f"/odoo/action-{ADDON}.{action}/{ref(f'{ADDON}.{xmlid}').id}"

        return [
            (
                "manager_home",
                "lin.wei",
                f"/odoo/action-{ADDON}.crm_manager_home_action",
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
        self.start_browser()
        self.browser._websocket_request(
            "Emulation.setDeviceMetricsOverride",
            params={
                "width": 1400,
                "height": 900,
                "deviceScaleFactor": 1,
                "mobile": False,
            },
        )
        for name, login, url, script in self._shots():
            with self.subTest(picture=name):
                self.browser_js(
                    url,
                    f"{script} setTimeout(() => console.log('test successful'), 1500);",
                    ready=LOADED,
                    login=login,
                )
                data = self.browser._websocket_request(
                    "Page.captureScreenshot", params={"format": "png"}
                )["data"]
                (folder / f"screenshot_{name}.png").write_bytes(base64.b64decode(data))
