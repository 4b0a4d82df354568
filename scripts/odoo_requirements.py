"""Print Odoo's requirements.txt with this project's pin overrides applied.

Usage: python odoo_requirements.py ODOO_REQUIREMENTS OVERRIDES

A line of Odoo's file whose package is named in OVERRIDES is dropped; the
override lines are appended instead. Markers of dropped lines do not matter:
the overrides are for the interpreter the project runs on. An override line
"!name" drops the package without a replacement.
"""

import re
import sys

NAME = re.compile(r"^\s*!?([A-Za-z0-9][A-Za-z0-9._-]*)")


def package_name(line):
    match = NAME.match(line.split("#", 1)[0])
    return match and match.group(1).lower().replace("_", "-")


def main(odoo_requirements, overrides):
    with open(overrides, encoding="utf-8") as handle:
        override_lines = [line.strip() for line in handle if package_name(line)]
    overridden = {package_name(line) for line in override_lines}
    with open(odoo_requirements, encoding="utf-8") as handle:
        for line in handle:
            if package_name(line) not in overridden:
                sys.stdout.write(line)
    replacements = [line for line in override_lines if not line.startswith("!")]
    sys.stdout.write("\n".join(replacements) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
