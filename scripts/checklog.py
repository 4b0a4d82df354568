"""Fail when an Odoo log file holds a WARNING, ERROR or CRITICAL line.

Usage: python checklog.py LOGFILE [--after MARKER]

With --after, only the lines after the last line containing MARKER count
(to skip what another module's own installation logged before ours).
"""

import re
import sys

ODOO_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (WARNING|ERROR|CRITICAL) "
)


def main(argv):
    path = argv[0]
    marker = argv[2] if len(argv) > 2 and argv[1] == "--after" else None
    with open(path, encoding="utf-8", errors="replace") as handle:
        lines = handle.readlines()
    if marker:
        starts = [i for i, line in enumerate(lines) if marker in line]
        lines = lines[starts[-1] :] if starts else lines
    bad = [line.rstrip() for line in lines if ODOO_LINE.match(line)]
    if bad:
        sys.stderr.write(f"{len(bad)} WARNING/ERROR line(s) in {path}:\n")
        sys.stderr.write("\n".join(bad[:50]) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
