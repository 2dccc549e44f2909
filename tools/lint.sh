#!/usr/bin/env bash
# Every linter, as `make lint` and the lint stage of `make test` run them. Each
# runs even if an earlier one failed; the exit code is 1 if any failed.
#   ruff check .            lint (rules in pyproject.toml [tool.ruff])
#   ruff format --check .   formatting (fix with `ruff format .`)
#   mypy                    types: strict for core, store, chain, indexer ([tool.mypy])
#   solhint                 contracts (.solhint.json)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PWD/.venv/bin:$PATH"
status=0
run() {
  printf '\033[1m--> %s\033[0m\n' "$*"
  "$@" || { echo "!! failed: $*"; status=1; }
}
run ruff check .
run ruff format --check .
run mypy
run npx --no-install solhint 'contracts/**/*.sol'
exit "$status"
