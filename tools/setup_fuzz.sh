#!/usr/bin/env bash
# Idempotent set-up of the fuzzing environment: schemathesis in its OWN venv
# (.venv-fuzz). schemathesis 4 needs a newer hypothesis than the project venv
# can hold (eth-brownie 1.22.2 pins hypothesis 6.27.3), so the two never mix:
# the fuzz test (tests/backend/fuzz/) runs under the project venv's pytest and
# calls .venv-fuzz/bin/st as a subprocess against a real server.
#
# PyPI only. Re-running is a no-op once the pinned version is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
SCHEMATHESIS_VERSION="4.32.5"   # verified: `st run` with --checks/--max-examples/--max-time... see docs/testing.md
VENV=".venv-fuzz"
STAMP="$VENV/.stamp-schemathesis-$SCHEMATHESIS_VERSION"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ -f "$STAMP" ] && [ -x "$VENV/bin/st" ]; then
  echo "fuzz venv ready: $("$VENV/bin/st" --version 2>/dev/null | head -1)"
  exit 0
fi

# A half-made venv (interrupted install) is rebuilt from scratch.
if [ -d "$VENV" ] && [ ! -x "$VENV/bin/python" ]; then
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV"
  "$PY" -m venv "$VENV"
fi
step "pip install schemathesis==$SCHEMATHESIS_VERSION (into $VENV)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
"$VENV/bin/st" --version >/dev/null
rm -f "$VENV"/.stamp-schemathesis-*
touch "$STAMP"
step "fuzz venv ready: $("$VENV/bin/st" --version | head -1)"
