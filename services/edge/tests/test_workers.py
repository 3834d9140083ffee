"""The edge's worker processes: how many, each one's outbox files, the shared port."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.workers import listening_socket, worker_count, worker_settings


def test_worker_count_defaults_to_one_per_usable_core() -> None:
    assert worker_count(0) == len(os.sched_getaffinity(0))
    assert worker_count(3) == 3
    assert worker_count(1) == 1


def test_each_worker_keeps_its_own_outbox_files(tmp_path: Path) -> None:
    settings = EdgeSettings(
        outbox_journal_dir=tmp_path / "edge-outbox",
        outbox_spill_path=tmp_path / "edge-outbox.jsonl",
        edge_workers=2,
    )
    metrics = tmp_path / "metrics"
    first, second = (worker_settings(settings, i, metrics) for i in range(2))
    # Worker 0 is the edge as one process always ran: the configured files.
    assert first.outbox_journal_dir == tmp_path / "edge-outbox"
    assert first.outbox_spill_path == tmp_path / "edge-outbox.jsonl"
    assert second.outbox_journal_dir == tmp_path / "edge-outbox" / "worker-1"
    assert second.outbox_spill_path == tmp_path / "edge-outbox-worker-1.jsonl"
    for worker in (first, second):
        assert worker.metrics_multiproc_dir == metrics
        assert worker.edge_workers == 1  # a worker never starts workers of its own
        assert worker.port == settings.port


def test_without_outbox_files_a_worker_has_none(tmp_path: Path) -> None:
    worker = worker_settings(EdgeSettings(), 1, tmp_path)
    assert worker.outbox_journal_dir is None and worker.outbox_spill_path is None


def test_every_worker_listens_on_the_same_port() -> None:
    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = listening_socket("127.0.0.1", port)
    try:
        assert second.getsockname()[1] == port
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the kernel hands the connection to one of the two listeners
    finally:
        first.close()
        second.close()
