#!/usr/bin/env bash
# apt_install.sh PACKAGE WHAT: install a Debian package a group of tests needs, unless its
# command is already there. Idempotent; never fails the build: without it those tests skip
# and say why. Used by setup_browser.sh and setup_haproxy.sh.
set -uo pipefail
package="$1" what="$2"

if command -v "$package" >/dev/null; then
    exit 0
fi
echo "tests: installing $package with apt-get ($what)" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get install -y -q "$package" >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "$package" >/dev/null 2>&1; } \
    || echo "tests: $package could not be installed; $what will skip" >&2
exit 0
