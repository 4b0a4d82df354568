"""The UI path at the SPEC's scale: time to first rows in headless Chromium.

Run by ``benchmarks/ui`` (pytest-odoo with ``--odoo-http``), never by the
project's suite (pytest collects ``test_*.py`` only). The data of
bench_scale.py (``CRMSP_UI_SCALE``, grown ``CRMSP_UI_GROWTH`` times) is
generated inside the test's transaction, which the HTTP server shares: the
browser sees it, and everything is rolled back at the end.

A rep, their team manager and the sales admin each open, in a fresh headless
Chromium, the customer profiles list (the addon's Customers menu,
``res_partner_action_customer_profile``) and the complaint ticket list
(``crm_complaint_ticket_action``, its "Open" filter on), in list view. The
page measures the time from navigation start to the first ``.o_data_row``
(a MutationObserver installed before the page's own scripts); one warm-up
round, then ``CRMSP_UI_RUNS`` rounds, users and lists taken in turn so that
the machine's load falls on all alike; the median is reported, with its
ratio to the admin's. Beside it: the rows request (``web_search_read``) as
the browser timed it, and as the server ran it (wall milliseconds, queries,
SQL milliseconds), and the requests and queries of the whole page.
"""

import json
import os
import statistics
import threading
import time
from unittest.mock import patch

from bench_scale import SPEC_PARTNERS, make_organisation, populate, table_counts

import odoo
from odoo.tests.common import ChromeBrowser, HttpCase

ADDON = "crm_standard_process"
LISTS = {
    # label: (action, model, the action's domain and default filter)
    "customers": (
        "res_partner_action_customer_profile",
        "res.partner",
        [("profile_state", "!=", False)],
    ),
    "tickets": (
        "crm_complaint_ticket_action",
        "crm.complaint.ticket",
        [("state", "in", ["new", "in_progress"])],
    ),
}
# view type: what a record of it is in the DOM (not a kanban's ghost cards)
RECORDS = {"list": ".o_data_row", "kanban": ".o_kanban_record:not(.o_kanban_ghost)"}
DATA_RPCS = ("/web_search_read", "/web_read_group")
SIGNAL = "crmsp_ui "
# Installed in every new document before the page's scripts: the moment the
# first real record of each view type (not the sample data of an empty view)
# is in the DOM.
OBSERVER = """
performance.setResourceTimingBufferSize(2000);
window.__crmspFirst = {};
new MutationObserver(() => {
    if (document.querySelector(".o_view_sample_data")) {
        return;
    }
    const now = performance.now();
    for (const [view, selector] of Object.entries(RECORDS)) {
        if (!(view in window.__crmspFirst) && document.querySelector(selector)) {
            window.__crmspFirst[view] = now;
        }
    }
}).observe(document, { childList: true, subtree: true });
""".replace("RECORDS", json.dumps(RECORDS))
# Run once the page has loaded: waits for the records, reports, then signals.
REPORT = """
(async (view, selector, dataRpcs, signal) => {
    while (!(view in window.__crmspFirst)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rpcs = performance.getEntriesByType("resource")
        .filter((e) => dataRpcs.some((path) => e.name.includes(path)));
    console.log(signal + JSON.stringify({
        first_records_ms: window.__crmspFirst[view],
        records: document.querySelectorAll(selector).length,
        pager: [".o_pager_value", ".o_pager_limit"]
            .map((s) => document.querySelector(s)?.textContent).join(" / "),
        rpc_start_ms: Math.min(...rpcs.map((e) => e.startTime)),
        rpc_ms: Math.max(...rpcs.map((e) => e.responseEnd))
            - Math.min(...rpcs.map((e) => e.startTime)),
    }));
    console.log("test successful");
})"""


class TestUiTimeToFirstRows(HttpCase):
    # what Odoo gives the tests of odoo.addons.* (this one is outside)
    test_module = ADDON
    test_tags = {"standard", "post_install", ADDON}

    def test_time_to_first_rows(self):
        """Rep, team manager and sales admin: their customer and ticket lists."""
        scale = float(os.environ.get("CRMSP_UI_SCALE", "0.01"))
        growth = int(os.environ.get("CRMSP_UI_GROWTH", "1"))
        runs = int(os.environ.get("CRMSP_UI_RUNS", "5"))
        views = os.environ.get("CRMSP_UI_VIEWS", "list,kanban").split(",")
        started = time.perf_counter()
        env = self.env(context={"tracking_disable": True, "lang": "en_US"})
        reps, managers, admin = make_organisation(env, scale)
        users = {"rep": reps[0][0], "manager": managers[0][0], "admin": admin}
        for user in users.values():
            user.password = user.login
        t0 = time.perf_counter()
        populate(env, scale, reps, first=1)
        if growth > 1:
            populate(
                env,
                scale * (growth - 1),
                reps,
                first=1 + round(SPEC_PARTNERS * scale),
            )
        generated = time.perf_counter() - t0
        sizes = table_counts(env)
        visible = {
            (role, label): env[model].with_user(user).search_count(domain)
            for role, user in users.items()
            for label, (_action, model, domain) in LISTS.items()
        }
        env.flush_all()
        env.invalidate_all()

        measures = []
        for round_ in range(runs + 1):
            for view in views:
                for label in LISTS:
                    for role, user in users.items():
                        measure = self._open(user.login, label, view)
                        measure.update(round=round_, role=role, list=label, view=view)
                        measures.append(measure)
        self._print(scale, growth, runs, sizes, generated, visible, measures)
        print(f"\ntotal {time.perf_counter() - started:.0f} s; everything rolled back")

    def _open(self, login, label, view):
        """Open one list in ``view`` as ``login`` in a new Chromium; what the
        page and the server measured."""
        url = f"/odoo/action-{ADDON}.{LISTS[label][0]}?view_type={view}"
        reports, served = [], []
        navigate_to, handle_console = (
            ChromeBrowser.navigate_to,
            ChromeBrowser._handle_console,
        )
        serve, execute = odoo.http.Application.__call__, odoo.sql_db.Cursor.execute

        def navigate_observed(browser, url, *args, **kwargs):
            browser._websocket_request(
                "Page.addScriptToEvaluateOnNewDocument", params={"source": OBSERVER}
            )
            return navigate_to(browser, url, *args, **kwargs)

        def capture_report(browser, **params):
            message = (params.get("args") or [{}])[0].get("value")
            if isinstance(message, str) and message.startswith(SIGNAL):
                reports.append(json.loads(message[len(SIGNAL) :]))
            return handle_console(browser, **params)

        def serve_counted(app, environ, start_response):
            start, thread = time.perf_counter(), threading.current_thread()
            thread.crmsp_slowest = (0.0, "")
            try:
                return serve(app, environ, start_response)
            finally:
                served.append(
                    {
                        "path": environ.get("PATH_INFO", ""),
                        "ms": (time.perf_counter() - start) * 1000,
                        "queries": getattr(thread, "query_count", 0),
                        "sql_ms": getattr(thread, "query_time", 0.0) * 1000,
                        "slowest": thread.crmsp_slowest,
                    }
                )
                del thread.crmsp_slowest

        # the slowest statement of each request served
        def execute_timed(cr, query, *args, **kwargs):
            start = time.perf_counter()
            try:
                return execute(cr, query, *args, **kwargs)
            finally:
                thread = threading.current_thread()
                ms = (time.perf_counter() - start) * 1000
                if ms > getattr(thread, "crmsp_slowest", (float("inf"),))[0]:
                    thread.crmsp_slowest = (ms, str(getattr(query, "code", query)))

        code = REPORT + "({})".format(
            ", ".join(json.dumps(a) for a in (view, RECORDS[view], DATA_RPCS, SIGNAL))
        )
        with (
            patch.object(ChromeBrowser, "navigate_to", navigate_observed),
            patch.object(ChromeBrowser, "_handle_console", capture_report),
            patch.object(odoo.http.Application, "__call__", serve_counted),
            patch.object(odoo.sql_db.Cursor, "execute", execute_timed),
        ):
            self.browser_js(url, code, login=login, timeout=600)
        self.assertEqual(len(reports), 1, reports)
        measure = reports[0]
        self.assertGreater(measure["records"], 0, f"{login} saw no {label}")
        data = [r for r in served if r["path"].endswith(DATA_RPCS)]
        self.assertTrue(data, f"no {DATA_RPCS} served for {login}'s {label}")
        measure.update(
            data_rpcs=len(data),
            server_ms=sum(r["ms"] for r in data),
            server_queries=sum(r["queries"] for r in data),
            server_sql_ms=sum(r["sql_ms"] for r in data),
            slowest=max(r["slowest"] for r in data),
            requests=len(served),
            queries=sum(r["queries"] for r in served),
        )
        return measure

    def _print(self, scale, growth, runs, sizes, generated, visible, measures):
        median = statistics.median
        print(f"\nscale {scale} (1.0 = SPEC targets), growth x{growth}")
        print(
            "dataset: "
            + ", ".join(f"{v:,} {k}" for k, v in sizes.items())
            + f" (generated in {generated:.0f} s)"
        )
        print(
            "first records: ms from navigation start to the first row (list) or "
            "card (kanban) in the DOM,\n  a fresh headless Chromium each time; "
            f"the median of {runs} runs after one warm-up round, and its ratio "
            "to the admin's.\ndata RPCs (web_search_read, web_read_group): "
            "first sent to last answered, as the browser saw them;\n  as the "
            "server ran them: wall ms, queries and SQL ms (summed over the "
            "RPCs). page: every request served and its queries."
        )
        runs_of = {}
        for m in measures:
            runs_of.setdefault((m["view"], m["list"], m["role"]), []).append(m)

        def med(key, field):
            return median(m[field] for m in runs_of[key] if m["round"])

        header = (
            f"{'view':<7}{'list':<10}{'user':<8}{'visible':>9}  "
            f"{'records shown':<22}{'warm-up':>8}{'median':>8}{'/admin':>8}   "
            f"{'data RPCs':>9}{'browser':>8}{'/admin':>8}{'server':>8}"
            f"{'queries':>8}{'SQL':>7}   {'page: requests':>14}{'queries':>8}"
        )
        print("\n" + header + "\n" + "-" * len(header))
        for view, label, role in runs_of:
            key, admin = (view, label, role), (view, label, "admin")
            last = runs_of[key][-1]
            shown = f"{last['records']}" + (
                f" ({last['pager']})" if view == "list" else " cards"
            )
            first, rpc = med(key, "first_records_ms"), med(key, "rpc_ms")
            print(
                f"{view:<7}{label:<10}{role:<8}{visible[(role, label)]:>9,}  "
                f"{shown:<22}{runs_of[key][0]['first_records_ms']:>8.0f}"
                f"{first:>8.0f}{first / med(admin, 'first_records_ms'):>7.2f}x"
                f"   {med(key, 'data_rpcs'):>9.0f}"
                f"{rpc:>8.0f}{rpc / med(admin, 'rpc_ms'):>7.2f}x"
                f"{med(key, 'server_ms'):>8.0f}{med(key, 'server_queries'):>8.0f}"
                f"{med(key, 'server_sql_ms'):>7.0f}"
                f"   {med(key, 'requests'):>14.0f}{med(key, 'queries'):>8.0f}"
            )
        print("\nthe slowest SQL statement of the data RPCs (ms, in the median run):")
        for key, ms in runs_of.items():
            measured = sorted(
                (m for m in ms if m["round"]), key=lambda m: m["first_records_ms"]
            )
            slowest_ms, statement = measured[len(measured) // 2]["slowest"]
            statement = " ".join(statement.split())
            print(f"  {' '.join(key):<26}{slowest_ms:>6.0f}  {statement[:400]}")
        print(
            "\nevery run (ms to first records; rounds in order, the first a warm-up):"
        )
        for (view, label, role), ms in runs_of.items():
            each = " ".join(f"{m['first_records_ms']:.0f}" for m in ms)
            print(f"  {view:<7}{label:<10}{role:<8}{each}")
