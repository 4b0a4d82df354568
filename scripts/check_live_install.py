"""Install and upgrade crm_standard_process on a database already in use.

Usage: python check_live_install.py ODOO_CONF ODOO_BIN

1. creates the database with crm and contacts (and Odoo's demo data: stages,
   teams, partners, leads), then customises it as a company would: renamed
   stages and teams, its own partner tags, one of them named like ours;
   and a few thousand partners and leads of its own;
2. installs crm_standard_process, then upgrades it (-u);
3. checks after each step that the company's stages, teams, tags, partners
   and leads are exactly as they were. Odoo's log is checked by the caller;
4. checks that the install filled the new columns of existing partners and
   leads in SQL (no "Prepare computation" of them in the log: on a million
   partners or 200,000 leads Odoo's computation in Python takes hours) and
   filled them right.
"""

import configparser
import subprocess
import sys

import psycopg2

MARKER = "crm_standard_process: live install starts"

SNAPSHOT_QUERIES = {
    "stages": "SELECT id, name::text, sequence, fold, is_won, team_id"
    " FROM crm_stage ORDER BY id",
    "teams": "SELECT id, name::text, user_id, active, sequence"
    " FROM crm_team ORDER BY id",
    "tags": "SELECT id, name::text, parent_id, color, active"
    " FROM res_partner_category ORDER BY id",
    "partners": "SELECT id, name, user_id, active, email, phone,"
    " category_count FROM res_partner"
    " LEFT JOIN (SELECT partner_id, count(*) AS category_count"
    " FROM res_partner_res_partner_category_rel GROUP BY partner_id) cats"
    " ON cats.partner_id = res_partner.id ORDER BY id",
    "leads": "SELECT id, name, stage_id, user_id, team_id, partner_id,"
    " expected_revenue, active FROM crm_lead ORDER BY id",
}

CUSTOMISATIONS = [
    "UPDATE crm_stage SET name = jsonb_build_object('en_US', 'Qualified (our way)'),"
    " sequence = 7 WHERE id = (SELECT min(id) FROM crm_stage WHERE NOT is_won)",
    "UPDATE crm_team SET name = jsonb_build_object('en_US', 'Key Accounts East')"
    " WHERE id = (SELECT min(id) FROM crm_team)",
    "INSERT INTO res_partner_category (name, color, active)"
    ' VALUES (\'{"en_US": "Intended product"}\', 3, true),'
    ' (\'{"en_US": "Our strategic accounts"}\', 5, true)',
    "INSERT INTO res_partner_res_partner_category_rel (category_id, partner_id)"
    " SELECT (SELECT max(id) FROM res_partner_category), id FROM res_partner"
    " WHERE is_company ORDER BY id LIMIT 3",
    # the bulk of a live database: companies, a third of them with an owner
    "INSERT INTO res_partner (name, complete_name, is_company, active, type,"
    " email, user_id, create_date, write_date)"
    " SELECT 'Live Company ' || n, 'Live Company ' || n, true, true, 'contact',"
    " 'info@company' || n || '.cn',"
    " CASE WHEN n % 3 = 0 THEN (SELECT min(id) FROM res_users WHERE active"
    " AND NOT share) END, now(), now()"
    " FROM generate_series(1, 3000) AS n",
    "UPDATE res_partner SET commercial_partner_id = id"
    " WHERE commercial_partner_id IS NULL",
    # and leads: amounts on and around the default thresholds (100,000 and
    # 500,000, bounds included) or none; some of no company (graded with the
    # current one), some of a customer, some lost
    "INSERT INTO crm_lead (name, type, active, expected_revenue, company_id,"
    " partner_id, user_id, stage_id, create_date, write_date)"
    " SELECT 'Live Lead ' || n, 'opportunity', n % 11 <> 0,"
    " CASE n % 50 WHEN 0 THEN NULL WHEN 1 THEN 100000 WHEN 2 THEN 500000"
    " WHEN 3 THEN 99999.99 WHEN 4 THEN 499999.99 ELSE (n * 7919) % 700000 END,"
    " CASE WHEN n % 7 <> 0 THEN (SELECT res_id FROM ir_model_data"
    "   WHERE module = 'base' AND name = 'main_company') END,"
    " CASE WHEN n % 5 = 0 THEN (SELECT id FROM res_partner"
    "   WHERE name = 'Live Company ' || n) END,"
    " CASE WHEN n % 3 = 0 THEN (SELECT min(id) FROM res_users WHERE active"
    " AND NOT share) END,"
    " (SELECT min(id) FROM crm_stage WHERE NOT is_won), now(), now()"
    " FROM generate_series(1, 3000) AS n",
]
# Models whose new stored computed fields the install must fill in SQL.
FILLED_IN_SQL = ("res.partner", "crm.lead")
# The leads of the addon's own demo data, created after the install's fill.
OUR_DEMO_LEAD = (
    "EXISTS (SELECT 1 FROM ir_model_data WHERE module = 'crm_standard_process'"
    " AND model = 'crm.lead' AND res_id = lead.id)"
)
# Each query counts the existing partners or leads the install filled wrong.
FILL_CHECKS = {
    "grading company": "SELECT count(*) FROM res_partner partner"
    " LEFT JOIN res_users owner ON owner.id = partner.user_id"
    " WHERE partner.grade_company_id IS DISTINCT FROM COALESCE("
    " partner.company_id, owner.company_id,"
    " (SELECT res_id FROM ir_model_data"
    "   WHERE module = 'base' AND name = 'main_company'))",
    "duplicate keys": "SELECT count(*) FROM res_partner"
    " WHERE parent_id IS NULL AND name LIKE 'Live Company %'"
    " AND (company_name_key IS DISTINCT FROM lower(name)"
    "      OR email_domain IS DISTINCT FROM substring(email FROM '@(.*)$'))",
    "grades of partners outside the process": "SELECT count(*) FROM res_partner"
    " WHERE profile_state IS NULL AND customer_grade IS NOT NULL",
    # no customer is graded at install, no need clarity known: the expected
    # revenue against the thresholds of the lead's company, else of the
    # current (superuser's) company
    "lead grades": "SELECT count(*) FROM crm_lead lead"
    " JOIN res_company company ON company.id = COALESCE(lead.company_id,"
    " (SELECT company_id FROM res_users WHERE id = 1))"
    " WHERE lead.customer_grade IS DISTINCT FROM CASE"
    " WHEN COALESCE(lead.expected_revenue, 0) >= company.grade_a_threshold"
    " THEN 'a'"
    " WHEN COALESCE(lead.expected_revenue, 0) >= company.grade_b_threshold"
    " THEN 'b' ELSE 'c' END AND NOT " + OUR_DEMO_LEAD,
    # the day of each customer's first won opportunity, from its won leads
    "cooperation start dates": "SELECT count(*) FROM res_partner partner"
    " LEFT JOIN (SELECT contact.commercial_partner_id AS id,"
    " MIN(lead.date_closed)::date AS start FROM crm_lead lead"
    " JOIN crm_stage stage ON stage.id = lead.stage_id AND stage.is_won"
    " JOIN res_partner contact ON contact.id = lead.partner_id"
    " WHERE lead.active AND lead.date_closed IS NOT NULL GROUP BY 1) won"
    " ON won.id = partner.id"
    " WHERE partner.cooperation_start_date IS DISTINCT FROM won.start",
    # the entry and first-contact rules apply from the install on
    "lead deadlines left empty": "SELECT count(*) FROM crm_lead lead"
    " WHERE (is_entered_late OR first_contact_deadline IS NOT NULL)"
    " AND NOT " + OUR_DEMO_LEAD,
}


def odoo(conf, odoo_bin, *args):
    command = [sys.executable, odoo_bin, "-c", conf, "--stop-after-init", *args]
    print("$", " ".join(command[1:]), flush=True)
    subprocess.run(command, check=True)


def read_options(conf):
    parser = configparser.ConfigParser()
    parser.read(conf)
    return parser["options"]


def connect(conf):
    options = read_options(conf)
    password = options.get("db_password")
    return psycopg2.connect(
        dbname=options["db_name"],
        host=options["db_host"],
        port=options["db_port"],
        user=options["db_user"],
        password=None if password == "False" else password,
    )


def snapshot(conf):
    with connect(conf) as connection, connection.cursor() as cursor:
        result = {}
        for name, query in SNAPSHOT_QUERIES.items():
            cursor.execute(query)
            result[name] = cursor.fetchall()
        return result


def compare(before, after, step):
    failures = 0
    for name, rows in before.items():
        kept = [row for row in after[name] if row[0] <= rows[-1][0]] if rows else []
        if kept != rows:
            failures += 1
            changed = [
                (old, new) for old, new in zip(rows, kept, strict=False) if old != new
            ]
            print(f"FAILED after {step}: the company's {name} changed: {changed[:5]}")
        else:
            print(f"ok after {step}: {len(rows)} {name} of the company unchanged")
    return failures


def check_install_fill(conf):
    """The failures of step 4: computations in Python, wrong values."""
    failures = 0
    with open(read_options(conf)["logfile"], encoding="utf-8") as log:
        lines = log.read().split(MARKER)[-1].splitlines()
    computed = [
        line.rpartition("Prepare computation of ")[2].strip()
        for line in lines
        if "Prepare computation of " in line
    ]
    slow = [name for name in computed if name.rpartition(".")[0] in FILLED_IN_SQL]
    if slow:
        failures += 1
        print(f"FAILED after install: computed in Python for every row: {slow}")
    else:
        print(f"ok after install: no field of {FILLED_IN_SQL} computed per row")
    with connect(conf) as connection, connection.cursor() as cursor:
        for name, query in FILL_CHECKS.items():
            cursor.execute(query)
            wrong = cursor.fetchone()[0]
            if wrong:
                failures += 1
                print(f"FAILED after install: {wrong} rows with a wrong {name}")
            else:
                print(f"ok after install: {name} filled right")
    return failures


def main(conf, odoo_bin):
    odoo(conf, odoo_bin, "-i", "crm,contacts")
    with connect(conf) as connection, connection.cursor() as cursor:
        for statement in CUSTOMISATIONS:
            cursor.execute(statement)
    before = snapshot(conf)
    with open(read_options(conf)["logfile"], "a", encoding="utf-8") as log:
        log.write(MARKER + "\n")
    odoo(conf, odoo_bin, "-i", "crm_standard_process")
    failures = compare(before, snapshot(conf), "install")
    failures += check_install_fill(conf)
    odoo(conf, odoo_bin, "-u", "crm_standard_process")
    failures += compare(before, snapshot(conf), "upgrade")
    checks = 2 * len(SNAPSHOT_QUERIES) + 1 + len(FILL_CHECKS)
    print(f"live install: {checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
