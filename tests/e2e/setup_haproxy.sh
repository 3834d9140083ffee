#!/usr/bin/env bash
# The load balancer in front of the edge replicas of the cluster stack (tests/cluster.py,
# `tokaroo up --cluster`, `make chaos-cluster`): Debian's HAProxy, installed with apt-get as
# setup_browser.sh installs chromium. Idempotent; never fails the build: without it the
# cluster tests skip and say why.
set -uo pipefail

if command -v haproxy >/dev/null; then
    exit 0
fi
echo "tests: installing haproxy with apt-get (for the cluster stack's load balancer)" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get install -y -q haproxy >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q haproxy >/dev/null 2>&1; } \
    || echo "tests: haproxy could not be installed; the cluster tests will skip" >&2
exit 0
