"""tokaroo_cli.launch: stages start side by side and in order, a dying process is reported,
everything stops at the end (small real processes, no stack)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from tokaroo_cli.infra import ProcessExitedError, ServerSpec, free_port
from tokaroo_cli.launch import run_until_signal, start_stages, stop_all
from tokaroo_cli.stack import Launch, Ready, StackLayout, Stage


def layout(home: Path) -> StackLayout:
    return StackLayout(
        home=home,
        edge_port=1,
        nats_port=2,
        nats_monitor_port=3,
        valkey_port=4,
        postgres_port=5,
        simulator_port=6,
        router_port=7,
        cache_port=8,
        ledger_port=9,
    )


def http_server(name: str, port: int) -> Launch:
    spec = ServerSpec(
        name,
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        {"PYTHONUNBUFFERED": "1"},
        None,
    )
    return Launch(spec, Ready("http", f"http://127.0.0.1:{port}/", 30))


def test_stages_start_in_order_and_stop_all_stops_them(tmp_path: Path) -> None:
    a, b, c = free_port(), free_port(), free_port()
    procs: dict = {}  # type: ignore[type-arg]
    try:
        start_stages(
            layout(tmp_path),
            [Stage((http_server("a", a), http_server("b", b))), Stage((http_server("c", c),))],
            procs,
        )
        assert list(procs) == ["a", "b", "c"] and all(p.running for p in procs.values())
        stop = threading.Event()
        procs["b"].kill()
        assert run_until_signal(procs, stop, poll_s=0.05) != 0  # b died: reported
    finally:
        stop_all(procs)
    assert not any(p.running for p in procs.values())
    assert (tmp_path / "logs" / "a.log").exists()


def test_a_process_that_dies_at_start_fails_the_stage(tmp_path: Path) -> None:
    bad = Launch(
        ServerSpec("bad", [sys.executable, "-c", "raise SystemExit(3)"], {"X": "1"}, None),
        Ready("http", "http://127.0.0.1:1/", 10),
    )
    procs: dict = {}  # type: ignore[type-arg]
    try:
        with pytest.raises(ProcessExitedError, match="bad exited with 3"):
            start_stages(layout(tmp_path), [Stage((bad,))], procs)
    finally:
        stop_all(procs)


def test_run_until_signal_returns_0_when_asked_to_stop(tmp_path: Path) -> None:
    procs: dict = {}  # type: ignore[type-arg]
    try:
        start_stages(layout(tmp_path), [Stage((http_server("a", free_port()),))], procs)
        stop = threading.Event()
        stop.set()
        assert run_until_signal(procs, stop, poll_s=0.05) == 0
    finally:
        stop_all(procs)
