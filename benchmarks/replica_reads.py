"""The reads of benchmarks/replica: which server answers, and with what.

    replica_reads.py URL DB PRIMARY_LOG STANDBY_LOG ODOO_CONF

Logs in as the demo team manager over JSON-RPC, runs the list and report
reads a manager's and a rep's screens make, and for each one checks in the
two PostgreSQL statement logs that the standby answered it (and the primary
did not), and that the primary gives the same result to the same call made
directly on it. A write, last, must reach the primary.
"""

import json
import sys
import urllib.request
from http.cookiejar import CookieJar

import odoo

# ODOO_CONF: the server's configuration (addons path, the primary)
URL, DB, PRIMARY_LOG, STANDBY_LOG, ODOO_CONF = sys.argv[1:6]
LOGIN = "lin.wei"
# (model, method, args, kwargs, the table whose reads must reach the standby)
READS = [
    (
        "res.partner",
        "web_search_read",
        [[("profile_state", "!=", False)]],
        {"specification": {"display_name": {}, "customer_grade": {}}, "limit": 80},
        "res_partner",
    ),
    (
        "crm.lead",
        "web_search_read",
        [[("type", "=", "opportunity")]],
        {"specification": {"name": {}, "customer_grade": {}}, "limit": 80},
        "crm_lead",
    ),
    (
        "crm.complaint.ticket",
        "web_search_read",
        [[]],
        {"specification": {"name": {}, "sla_status": {}}, "limit": 80},
        "crm_complaint_ticket",
    ),
    (
        "crm.monthly.report",
        "web_read_group",
        [[], ["customer_count:sum"], ["month_date:month", "customer_grade"]],
        {"lazy": False},
        "crm_monthly_report",
    ),
]

opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def rpc(path, params):
    request = urllib.request.Request(
        URL + path,
        json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode(),
        {"Content-Type": "application/json"},
    )
    reply = json.load(opener.open(request, timeout=60))
    if "error" in reply:
        raise RuntimeError(reply["error"]["data"]["message"])
    return reply["result"]


def log_size(path):
    with open(path, "rb") as log:
        return log.seek(0, 2)


def log_since(path, offset):
    with open(path, "rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def on_primary(uid, model, method, args, kwargs):
    """The same call, made on the primary directly, as the same user."""
    with odoo.modules.registry.Registry(DB).cursor() as cr:
        env = odoo.api.Environment(cr, uid, {"lang": "en_US", "tz": "Asia/Shanghai"})
        return json.loads(json.dumps(getattr(env[model], method)(*args, **kwargs)))


def main():
    odoo.tools.config.parse_config(["-c", ODOO_CONF])  # once: it cannot be parsed twice
    session = rpc(
        "/web/session/authenticate", {"db": DB, "login": LOGIN, "password": LOGIN}
    )
    uid = session["uid"]
    context = {"lang": "en_US", "tz": "Asia/Shanghai"}
    failures = 0
    print(f"Reads as {LOGIN} (team manager), through Odoo with the standby as replica:")
    for model, method, args, kwargs, table in READS:
        primary_at, standby_at = log_size(PRIMARY_LOG), log_size(STANDBY_LOG)
        result = rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {**kwargs, "context": context},
            },
        )
        on_standby = table in log_since(STANDBY_LOG, standby_at)
        on_primary_too = table in log_since(PRIMARY_LOG, primary_at)
        same = result == on_primary(uid, model, method, args, {**kwargs})
        ok = on_standby and not on_primary_too and same
        failures += not ok
        print(
            f"  {'ok  ' if ok else 'FAIL'} {model}.{method}: answered by "
            f"{'the standby' if on_standby else 'not the standby'}"
            f"{', and the primary too' if on_primary_too else ''}; "
            f"{'same result as the primary' if same else 'DIFFERENT from the primary'}"
        )
    primary_at = log_size(PRIMARY_LOG)
    rpc(
        "/web/dataset/call_kw/res.partner/write",
        {
            "model": "res.partner",
            "method": "write",
            "args": [[session["partner_id"]], {"comment": "replica check"}],
            "kwargs": {"context": context},
        },
    )
    written = "UPDATE" in log_since(PRIMARY_LOG, primary_at)
    failures += not written
    print(f"  {'ok  ' if written else 'FAIL'} a write reaches the primary")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
