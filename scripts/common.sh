# Shared setup of scripts/run and scripts/test: finds Odoo 18, prepares the
# virtualenv and makes PostgreSQL reachable. Sourced, never executed.
#
# Settings (environment variables, all optional):
#   ODOO_SRC            an Odoo 18.0 Community source tree (odoo-bin, odoo/, addons/)
#   CRMSP_STATE_DIR     where the project keeps its state: virtualenv, Odoo data,
#                       logs, private PostgreSQL cluster
#                       (default: ${XDG_CACHE_HOME:-~/.cache}/crm_standard_process)
#   CRMSP_PYTHON        the interpreter for the virtualenv (default: python3.11,
#                       else python3.12, python3.10, python3)
#   PGHOST, PGPORT, PGUSER, PGPASSWORD
#                       an existing PostgreSQL server; when unset the local default
#                       (127.0.0.1:5432) is tried, then a private cluster is started
#   CRMSP_PRIVATE_PG=1  always use the private cluster

set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${CRMSP_STATE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crm_standard_process}"
ODOO_SRC="${ODOO_SRC:-$STATE_DIR/odoo-18.0}"
ODOO_UPSTREAM="https://github.com/odoo/odoo.git"
mkdir -p "$STATE_DIR"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
    printf '\n\033[1;31mERROR: %s\033[0m\n\n' "$*" >&2
    exit 1
}

is_odoo18_tree() {
    [ -f "$1/odoo-bin" ] && [ -f "$1/requirements.txt" ] \
        && grep -q "^version_info = (18, 0," "$1/odoo/release.py" 2>/dev/null
}

find_odoo() {
    if is_odoo18_tree "$ODOO_SRC"; then
        return
    fi
    if [ -e "$ODOO_SRC" ]; then
        die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree (no odoo-bin, or odoo/release.py is not 18.0)."
    fi
    say "No Odoo 18.0 tree at $ODOO_SRC; trying to clone the upstream 18.0 branch"
    if ! git clone --quiet --depth 1 --branch 18.0 "$ODOO_UPSTREAM" "$ODOO_SRC.partial"; then
        rm -rf "$ODOO_SRC.partial"
        die "Odoo 18.0 was not found and could not be cloned.
Provide an Odoo 18.0 Community source tree in one of these ways:
  * export ODOO_SRC=/path/to/odoo   (a checkout of the 18.0 branch: odoo-bin, odoo/, addons/)
  * put that tree at the default location: $STATE_DIR/odoo-18.0
  * or give this machine network access so that
      git clone --depth 1 --branch 18.0 $ODOO_UPSTREAM $STATE_DIR/odoo-18.0
    works, and run the command again."
    fi
    mv "$ODOO_SRC.partial" "$ODOO_SRC"
}

odoo_addons_path() {
    local path="$PROJECT_DIR,$ODOO_SRC/addons,$ODOO_SRC/odoo/addons"
    printf '%s' "$path"
}

pick_python() {
    local candidate
    for candidate in ${CRMSP_PYTHON:-python3.11 python3.12 python3.10 python3}; do
        if command -v "$candidate" >/dev/null \
            && "$candidate" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    die "Odoo 18 needs Python 3.10, 3.11 or 3.12; none was found (set CRMSP_PYTHON)."
}

# The virtualenv is prepared only for requirements it was not prepared for
# yet, so a second run costs a hash, not an install; several checkouts (or
# commands) running at once take turns (flock).
setup_venv() {
    local python stamp wanted
    python="$(pick_python)"
    VENV="$STATE_DIR/venv-$("$python" -c 'import sys; print("py%d.%d" % sys.version_info[:2])')"
    wanted="$(cat "$ODOO_SRC/requirements.txt" "$PROJECT_DIR"/requirements/*.txt | sha256sum | cut -c1-16)"
    stamp="$VENV/.crmsp-requirements-$wanted"
    [ -f "$stamp" ] && return
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/venv.lock"
    flock 9
    if ! [ -f "$stamp" ]; then
        say "Preparing the virtualenv $VENV (Odoo's requirements and the project's)"
        [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip wheel "setuptools<81"
        "$VENV/bin/python" "$PROJECT_DIR/scripts/odoo_requirements.py" \
            "$ODOO_SRC/requirements.txt" "$PROJECT_DIR/requirements/odoo-py311-overrides.txt" \
            >"$VENV/odoo-requirements.txt"
        "$VENV/bin/python" -m pip install --quiet -r "$VENV/odoo-requirements.txt" \
            -r "$PROJECT_DIR/requirements/dev.txt"
        # OCA addon wheels declare a dependency on an `odoo` distribution,
        # which the source tree Odoo is imported from is not: installed
        # without deps (their Python dependencies are among Odoo's own).
        "$VENV/bin/python" -m pip install --quiet --no-deps \
            -r "$PROJECT_DIR/requirements/addons.txt"
        touch "$stamp"
    fi
    exec 9>&-
}

# Odoo is imported from ODOO_SRC itself (a .pth entry), never copied.
link_odoo() {
    local site
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    printf '%s\n' "$ODOO_SRC" >"$site/crmsp-odoo-src.pth"
}

find_pg_bin() {
    local tool="$1" found
    found="$(command -v "$tool" 2>/dev/null || true)"
    if [ -z "$found" ]; then
        found="$(ls -d /usr/lib/postgresql/*/bin/"$tool" 2>/dev/null | sort -V | tail -1 || true)"
    fi
    [ -n "$found" ] || die "PostgreSQL is not reachable and '$tool' was not found.
Either point PGHOST/PGPORT/PGUSER at a running server, or install the PostgreSQL
server binaries (Debian: apt-get install postgresql) so that a private cluster
can be started under $STATE_DIR."
    printf '%s' "$found"
}

# A private cluster needs a non-root owner; as root it runs as the 'postgres'
# (or 'nobody') account, in a directory that account can reach.
start_private_pg() {
    local initdb pg_ctl owner="" run=() pgroot
    initdb="$(find_pg_bin initdb)"
    pg_ctl="$(find_pg_bin pg_ctl)"
    pgroot="$STATE_DIR/postgres"
    if [ "$(id -u)" = 0 ]; then
        owner="$(getent passwd postgres >/dev/null && echo postgres || echo nobody)"
        pgroot="/var/lib/crm_standard_process/postgres"
        run=(runuser -u "$owner" --)
    fi
    export PGHOST="$pgroot/socket" PGPORT="${CRMSP_PG_PORT:-55432}" PGUSER=odoo
    if ! [ -f "$pgroot/data/PG_VERSION" ]; then
        say "Initialising a private PostgreSQL cluster in $pgroot"
        mkdir -p "$pgroot/socket"
        [ -z "$owner" ] || chown -R "$owner" "$pgroot"
        "${run[@]}" "$initdb" --pgdata="$pgroot/data" --username=odoo --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$pgroot/initdb.log" \
            || die "initdb failed; see $pgroot/initdb.log"
    fi
    if ! pg_isready -q 2>/dev/null; then
        say "Starting the private PostgreSQL cluster (socket $PGHOST, port $PGPORT)"
        "${run[@]}" "$pg_ctl" --pgdata="$pgroot/data" --log="$pgroot/server.log" --wait \
            -o "-k $pgroot/socket -p $PGPORT -c listen_addresses=''" start >/dev/null \
            || die "the private PostgreSQL cluster did not start; see $pgroot/server.log"
    fi
}

# Stop the private cluster, if it runs (scripts/check_setup starts it).
stop_private_pg() {
    local pg_ctl run=() pgroot="$STATE_DIR/postgres"
    pg_ctl="$(find_pg_bin pg_ctl)"
    if [ "$(id -u)" = 0 ]; then
        pgroot="/var/lib/crm_standard_process/postgres"
        run=(runuser -u "$(stat -c %U "$pgroot/data")" --)
    fi
    [ -f "$pgroot/data/postmaster.pid" ] || return 0
    "${run[@]}" "$pg_ctl" --pgdata="$pgroot/data" --mode=fast --wait stop >/dev/null
}

setup_postgres() {
    local debian_bin
    debian_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
    [ -z "$debian_bin" ] || PATH="$PATH:$debian_bin"
    command -v pg_isready >/dev/null || die "the PostgreSQL client tools (psql, pg_isready) are missing."
    if [ "${CRMSP_PRIVATE_PG:-}" = 1 ]; then
        start_private_pg
    elif [ -n "${PGHOST:-}${PGPORT:-}" ]; then
        pg_isready -q || die "PostgreSQL at PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} is not reachable."
    elif pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        export PGHOST=127.0.0.1 PGPORT=5432
    else
        start_private_pg
    fi
    # each setting is optional: an empty host is the local socket, as for libpq
    export PGHOST="${PGHOST:-}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-$(id -un)}"
    psql -d postgres -Atqc 'select 1' >/dev/null 2>&1 \
        || die "cannot connect to PostgreSQL as '$PGUSER' at ${PGHOST:-the local socket}:$PGPORT (it needs a role with CREATEDB)."
}

# An Odoo configuration file for DATABASE, written afresh on every run.
write_odoo_conf() {
    local conf="$1" database="$2" logfile="${3:-}"
    cat >"$conf" <<EOF
[options]
addons_path = $(odoo_addons_path)
data_dir = $STATE_DIR/data
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = ${PGUSER:-False}
db_password = ${PGPASSWORD:-False}
db_name = $database
dbfilter = ^$database\$
list_db = False
http_interface = 127.0.0.1
logfile = $logfile
EOF
}

# wkhtmltopdf (Qt) complains on stderr when XDG_RUNTIME_DIR is unset, and
# Odoo logs that as a WARNING for every PDF: give it a private one.
setup_runtime_dir() {
    if [ -z "${XDG_RUNTIME_DIR:-}" ] || ! [ -d "$XDG_RUNTIME_DIR" ]; then
        export XDG_RUNTIME_DIR="$STATE_DIR/runtime"
        mkdir -p "$XDG_RUNTIME_DIR"
        chmod 0700 "$XDG_RUNTIME_DIR"
    fi
}

setup_all() {
    find_odoo
    setup_venv
    link_odoo
    setup_postgres
    setup_runtime_dir
    export PATH="$VENV/bin:$PATH"
}
