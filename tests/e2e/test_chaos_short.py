"""The short fault-injection run (the full one is `make chaos`): under steady load, kill -9
the ledger and NATS and take a provider down; nothing is lost, nothing is charged twice."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.chaos import run_chaos
from tests.harness import running_stack


def test_short_chaos_keeps_every_invariant() -> None:
    home = Path(tempfile.mkdtemp(prefix="tk-chaos-"))
    try:
        with running_stack(home) as stack:
            report = run_chaos(
                stack,
                ["ledger", "nats", "provider-down", "cache"],
                seconds_per_fault=5,
                concurrency=6,
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert report["succeeded"] > 50, report
    assert report["unclean_outcomes"] == 0, report
    assert report["ledger"]["balance_equals_entries"], report
    assert report["ledger"]["successes_not_charged_exactly_count"] == 0, report
    assert report["analytics_equals_ledger"], report
    assert all(f["recovery_s"] is not None for f in report["faults"]), report
