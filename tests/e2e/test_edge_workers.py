"""The edge on every core (tokaroo_edge.workers): worker processes behind one port, one
/metrics that counts for all of them, and a killed worker started again in its place."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tokaroo_edge.workers import START_WINDOW_S

from tests.e2e.test_observability import sample
from tests.harness import Stack, private_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """A stack of its own with two edge workers: this module kills one of them."""
    with private_stack("tk-workers-", TOKAROO_EDGE_WORKERS="2") as running:
        yield running


def workers(stack: Stack) -> list[int]:
    """The edge's worker processes (multiprocessing-spawned children of the edge)."""
    parent = stack.procs["edge"].pid
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            out.append(int(entry.name))
    return sorted(out)


def completions(stack: Stack) -> float:
    text = httpx.get(f"http://127.0.0.1:{stack.layout.edge_port}/metrics", timeout=10).text
    return sample(text, "tokaroo_completions_total", endpoint="chat.completions", status="ok")


def chat_on_new_connections(stack: Stack, n: int) -> None:
    """`n` requests, each on its own connection (the kernel spreads connections over the
    workers' sockets)."""
    for _ in range(n):
        resp = httpx.post(
            f"{stack.base_url}/chat/completions",
            headers={"Authorization": f"Bearer {stack.api_key}"},
            json={
                "model": "fast",
                "messages": [{"role": "user", "content": f"workers {uuid.uuid4().hex}"}],
            },
            timeout=60,
        )
        assert resp.status_code == 200, resp.text


def test_workers_share_one_port_one_metrics_and_come_back(stack: Stack) -> None:
    pids = workers(stack)
    assert len(pids) == 2, pids
    before = completions(stack)
    chat_on_new_connections(stack, 12)
    # Whichever worker answers the scrape counts the completions of every worker.
    for _ in range(4):
        assert completions(stack) - before >= 12

    # A worker that dies within START_WINDOW_S of its start stops the whole edge (bad
    # settings): this one must have lived longer to be started again.
    time.sleep(START_WINDOW_S)
    os.kill(pids[-1], signal.SIGKILL)
    deadline = time.monotonic() + 120
    while len(now := workers(stack)) < len(pids) or pids[-1] in now:
        assert time.monotonic() < deadline, f"worker not started again: {now}"
        time.sleep(0.5)
    assert stack.procs["edge"].running
    chat_on_new_connections(stack, 6)
    # The killed worker's counts stay in the sum (its files outlive it).
    assert completions(stack) - before >= 18
