#!/usr/bin/env bash
# Idempotent set-up of everything GovChain needs on a fresh machine, using only
# PyPI and npm: the virtual environment, the pinned npm toolchain, the offline
# solc registered where py-solc-x looks, and brownie's network definitions.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="${PYTHON:-python3}"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ ! -x node_modules/.bin/anvil ] || [ package-lock.json -nt node_modules/.stamp ]; then
  step "npm ci (solc-js, anvil, ganache)"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.stamp
fi

if [ ! -x .venv/bin/python ]; then
  step "creating .venv"
  "$PY" -m venv .venv
fi
if [ requirements.lock -nt .venv/.stamp ] || [ pyproject.toml -nt .venv/.stamp ]; then
  step "pip install (pinned: requirements.lock)"
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
  touch .venv/.stamp
fi

# py-solc-x (and so brownie) looks for `solc-v<version>` in $SOLCX_BINARY_PATH
# or ~/.solcx; registering the solc-js wrapper there means nothing downloads.
SOLC_VERSION="$(node -p "require('./node_modules/solc/package.json').version")"
SOLCX_DIR="${SOLCX_BINARY_PATH:-$HOME/.solcx}"
mkdir -p "$SOLCX_DIR"
ln -sf "$ROOT/tools/solc/solc.js" "$SOLCX_DIR/solc-v$SOLC_VERSION"
mkdir -p .venv/bin && ln -sf "$ROOT/tools/solc/solc.js" .venv/bin/solc

step "brownie networks"
.venv/bin/python tools/brownie_networks.py
step "ready: solc $SOLC_VERSION via solc-js, $(node_modules/.bin/anvil --version | head -1)"
