"""pytest glue for the project's suite, which lives outside ``odoo.addons``.

pytest-odoo loads the Odoo registry; here the browser tests are made to
fail, not skip, when the test command requires a browser and none runs.
"""

import os

import pytest

from odoo.tests.common import HttpCase


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    instance = getattr(item, "instance", None)
    if (
        report.skipped
        and os.environ.get("CRMSP_REQUIRE_BROWSER")
        and isinstance(instance, HttpCase)
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"browser test skipped ({report.longrepr}): the test command needs a "
            "headless Chromium and websocket-client"
        )
