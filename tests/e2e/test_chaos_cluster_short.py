"""The short cluster fault-injection run (the full one is `make chaos-cluster`): on three NATS
nodes and two replicas of every service behind HAProxy, under steady load, kill -9 an edge,
a ledger and the NATS node leading the event stream; a key limited to N requests a minute
gets at most N through both edges; nothing is lost, nothing is charged twice."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.chaos_cluster import run_cluster_chaos
from tests.harness import haproxy_missing, running_cluster


@pytest.mark.skipif(haproxy_missing() is not None, reason=haproxy_missing() or "")
@pytest.mark.timeout(600)  # about 90 s on a quiet machine; starting 17 processes dominates
def test_short_cluster_chaos_keeps_every_invariant() -> None:
    home = Path(tempfile.mkdtemp(prefix="tk-chaosc-"))
    try:
        with running_cluster(home) as stack:
            report = run_cluster_chaos(
                stack,
                ["edge-1", "ledger-1", "nats-leader"],
                seconds_per_fault=5,
                concurrency=6,
                rpm_limit=10,
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert report["succeeded"] > 50, report
    assert report["lost_events"] == 0, report
    assert report["double_charges"] == 0, report
    assert report["balance_equals_entries"], report
    assert report["analytics_equals_ledger"], report
    assert report["rate_limit"]["held"], report
    assert report["rate_limit"]["allowed"] == 10, report
    assert len(report["rate_limit"]["allowed_per_edge"]) == 2, report  # both edges answered
    # Replicas cover every kill here: only what was in flight on a killed process may fail.
    assert report["availability"] >= 0.99, report
