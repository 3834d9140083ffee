#!/usr/bin/env bash
# The browser the console tests (tests/e2e/test_console.py) drive: Debian's chromium, through
# Playwright without a browser download. Installed with apt-get as bench/setup.sh installs wrk.
# Idempotent; never fails the build: without it the console tests skip and say why.
set -uo pipefail

if command -v chromium >/dev/null; then
    exit 0
fi
echo "tests: installing chromium with apt-get (for the console's browser tests)" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get install -y -q chromium >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q chromium >/dev/null 2>&1; } \
    || echo "tests: chromium could not be installed; the console's browser tests will skip" >&2
exit 0
