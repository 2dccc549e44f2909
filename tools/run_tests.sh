#!/usr/bin/env bash
# The whole test suite, as the README's `make test` runs it:
#   0. lint (`make lint`: ruff, ruff format --check, mypy, solhint)
#   1. contract tests (brownie, anvil)      3. slither (no high/medium)
#   2. ganache smoke run of contract tests  4. backend tests (pytest, real anvil)
#   5. console tests in headless Chromium (screenshots in reports/screenshots/)
#   6. the console's dictionary and template checks (test_i18n.py, test_console_macros.py; no browser)
# Every stage runs even if an earlier one failed; the exit code and the
# closing "N passed, N failed" line cover all of them; the lines before it give
# each counted stage's numbers.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p reports
export PATH="$PWD/node_modules/.bin:$PWD/.venv/bin:$PATH"
PY="$PWD/.venv/bin/python"
passed=0; failed=0; status=0
summary=()

count() {  # add the counts from a pytest summary line in log $1 (labelled $2 in the summary)
  local line
  line="$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$1" | tail -1)"
  local p f e
  p="$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || true)"
  f="$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || true)"
  e="$(grep -oE '[0-9]+ errors?' <<<"$line" | grep -oE '[0-9]+' || true)"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
  summary+=("$(printf '  %-34s %5d passed, %d failed' "${2:-$1}" "${p:-0}" "$((${f:-0} + ${e:-0}))")")
}

stage() {  # stage NAME LOG CMD...
  local name="$1" log="$2"; shift 2
  printf '\n\033[1m==> %s\033[0m\n' "$name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    echo "!! $name failed (exit $rc)"; status=1
  fi
  return 0
}

stage "lint" reports/test-lint.log bash tools/lint.sh
stage "compile" reports/test-compile.log brownie compile
stage "contract tests (anvil)" reports/test-contracts.log brownie test tests/contracts --network govchain-test
count reports/test-contracts.log "contract tests (anvil)"
stage "contract smoke tests (ganache 7)" reports/test-ganache.log brownie test tests/contracts --network govchain-ganache -m ganache_smoke
count reports/test-ganache.log "contract smoke tests (ganache 7)"
stage "slither" reports/test-slither.log "$PY" tools/run_slither.py
# Backend tests mostly wait for blocks (0.2 s interval mining), so three workers, each
# with its own anvil per test module (loadfile keeps a module on one worker), cut
# the wall time by more than half on 2 cores.
stage "backend tests" reports/test-backend.log "$PY" -m pytest -p no:pytest-brownie -n 3 --dist loadfile tests/backend
count reports/test-backend.log "backend tests"
stage "browser set-up (Debian chromium, chromedriver, CJK font)" reports/test-e2e-setup.log bash tools/setup_e2e.sh
stage "console tests in headless Chromium" reports/test-e2e.log "$PY" -m pytest -p no:pytest-brownie \
  tests/e2e/test_console.py tests/e2e/test_console_hardening.py tests/e2e/test_citizen_oidc.py
count reports/test-e2e.log "browser tests (headless Chromium)"
stage "console dictionary and template checks (no browser)" reports/test-i18n.log "$PY" -m pytest -p no:pytest-brownie \
  tests/e2e/test_i18n.py tests/e2e/test_console_macros.py
count reports/test-i18n.log "console dictionary + template checks"

echo
printf '%s\n' "${summary[@]}"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
exit "$status"
