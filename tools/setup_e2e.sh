#!/usr/bin/env bash
# What the browser tests (tests/e2e) need: Debian's Chromium + chromedriver, a CJK
# font for the Chinese labels, and Selenium in the project venv. No browser
# downloads (Selenium Manager is bypassed: the tests pass /usr/bin/chromedriver).
# Idempotent; fast when everything is present. Run as root (apt).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
fc-list 2>/dev/null | grep -qiE "noto (sans|serif) cjk|wenquanyi" || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver fonts-noto-cjk
fi

# selenium 4.51 installs beside brownie's pins without changing any of them (checked with
# pip --dry-run); if that ever stops being true, use a separate venv (.venv-e2e).
# selenium is pinned in requirements.lock (installed by tools/setup.sh); this is a fallback.
if ! "$PY" -c "import selenium" 2>/dev/null; then
  "$PY" -m pip install "selenium==4.51.0"
fi
"$PY" -m pip check >/dev/null 2>&1 || echo "warning: pip check reports conflicts in .venv" >&2
echo "e2e ready: $(/usr/bin/chromium --version 2>/dev/null | head -1); selenium $("$PY" -c 'import selenium; print(selenium.__version__)')"
