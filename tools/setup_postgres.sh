#!/usr/bin/env bash
# Idempotent set-up for the indexer's PostgreSQL tests (run as root):
#   1. Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres), only if
#      pg_ctlcluster or a /usr/lib/postgresql/*/bin/initdb is missing;
#   2. the psycopg2 driver in .venv, pinned, with no dependencies of its own
#      (checked with `pip install --dry-run` to install beside requirements.lock).
# The tests start their own throw-away server in a temp dir; this script never
# creates or starts a cluster. Prints the server's bin dir on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

PSYCOPG2_PIN="psycopg2-binary==2.9.13"
PIP=".venv/bin/pip"
PY=".venv/bin/python"

step() { printf '==> %s\n' "$*" >&2; }

pg_bindir() {  # newest installed server's bin dir, or nothing
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; fi
}

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(pg_bindir)" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup_postgres.sh: PostgreSQL is not installed and this is not root: run it as root" >&2
    exit 1
  fi
  step "apt-get install postgresql (Debian's)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
BINDIR="$(pg_bindir)"
if [ -z "$BINDIR" ]; then
  echo "setup_postgres.sh: no initdb/pg_ctl under /usr/lib/postgresql/*/bin after install" >&2
  exit 1
fi

if [ ! -x "$PY" ]; then
  echo "setup_postgres.sh: .venv missing: run tools/setup.sh first" >&2
  exit 1
fi
if ! "$PY" -c "import psycopg2" 2>/dev/null; then
  step "pip install $PSYCOPG2_PIN into .venv"
  "$PIP" install --quiet --disable-pip-version-check "$PSYCOPG2_PIN"
fi
"$PY" -c "import psycopg2, sys; sys.stderr.write('psycopg2 ' + psycopg2.__version__ + '\n')"
echo "$BINDIR"
