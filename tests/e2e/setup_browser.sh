#!/usr/bin/env bash
# The browser the console tests (tests/e2e/test_console.py) drive: Debian's chromium, through
# Playwright without a browser download.
exec bash "$(dirname "$0")/apt_install.sh" chromium "the console's browser tests"
