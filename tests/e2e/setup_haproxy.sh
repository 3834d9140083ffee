#!/usr/bin/env bash
# The load balancer in front of the edge replicas of the cluster stack (`tokaroo up
# --cluster`, `make chaos-cluster`, tests/e2e/test_chaos_cluster_short.py): Debian's HAProxy.
exec bash "$(dirname "$0")/apt_install.sh" haproxy "the cluster tests"
