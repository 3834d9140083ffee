"""End to end: thousands of events (with duplicates and a poison message) on a real NATS
JetStream; the sink runs as a subprocess, is SIGKILLed after an insert and before its acks,
restarts, and every event is in ClickHouse exactly once with the published totals."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from nats.aio.client import Client as NATS
from nats.errors import TimeoutError as NatsTimeoutError
from tokaroo_cli.infra import Servers, running_servers
from tokaroo_common.jetstream import (
    COMPLETION_SUBJECT,
    DLQ_PREFIX,
    STREAM,
    connect,
    ensure_stream,
    publish,
)
from tokaroo_ledger.analytics.synthetic import make_events
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_proto.events.v1 import events_pb2

UNIQUE = 6000
DURABLE = "analytics-sink"


@pytest.fixture
def nats_only() -> Iterator[Servers]:
    base = Path(tempfile.mkdtemp(prefix="tka-"))
    with running_servers(base, nats=True, valkey=False, postgres=False) as servers:
        yield servers


def start_sink(
    nats_url: str, chdb_dir: Path, log: Path, *, pause_before_acks_s: float = 0.0
) -> subprocess.Popen[bytes]:
    """The sink as a subprocess; with a pause, through `paused_sink.py` (inserted, not acked)."""
    env = {
        **os.environ,
        "TOKAROO_NATS_URL": nats_url,
        "TOKAROO_CLICKHOUSE_DSN": f"chdb://{chdb_dir}",
        "TOKAROO_ANALYTICS_BATCH_MAX": "1000",
        "TOKAROO_ANALYTICS_FETCH_SIZE": "250",
        "TOKAROO_ANALYTICS_BATCH_MAX_WAIT_S": "0.3",
        "TOKAROO_ANALYTICS_ACK_WAIT_S": "3",
    }
    command = (
        [sys.executable, str(Path(__file__).with_name("paused_sink.py")), str(pause_before_acks_s)]
        if pause_before_acks_s
        else [sys.executable, "-m", "tokaroo_ledger.analytics", "sink"]
    )
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def batch_logs(log: Path) -> list[dict[str, object]]:
    lines = log.read_text().splitlines() if log.exists() else []
    records = [orjson.loads(line) for line in lines if line.startswith("{")]
    return [r for r in records if r.get("msg") == "analytics batch inserted"]


async def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def publish_all(nc: NATS, events: list[events_pb2.CompletionEvent]) -> None:
    js = nc.jetstream()
    await ensure_stream(js)
    sends = [publish(js, COMPLETION_SUBJECT, e.SerializeToString(), e.request_id) for e in events]
    # Duplicates the JetStream window drops (same Nats-Msg-Id) ...
    sends += [
        publish(js, COMPLETION_SUBJECT, e.SerializeToString(), e.request_id) for e in events[:500]
    ]
    # ... and duplicates it cannot drop: an outbox replay after the window (new msg id).
    sends += [
        publish(js, COMPLETION_SUBJECT, e.SerializeToString(), e.request_id + "/replay")
        for e in events[1000:2500]
    ]
    poison = events_pb2.CompletionEvent(tenant_id="t-alpha").SerializeToString()
    sends.append(publish(js, COMPLETION_SUBJECT, poison, "poison-1"))
    for i in range(0, len(sends), 500):
        await asyncio.gather(*sends[i : i + 500])


async def test_sink_killed_mid_batch_loses_and_duplicates_nothing(
    nats_only: Servers, tmp_path: Path, totals, rollup_totals
) -> None:
    events = list(make_events(UNIQUE, seed=11))
    nc = await connect(nats_only.nats_url, "test")
    try:
        await publish_all(nc, events)
        js = nc.jetstream()
        assert (await js.stream_info(STREAM)).state.messages == UNIQUE + 1500 + 1

        chdb_dir, log1, log2 = tmp_path / "ch", tmp_path / "sink1.log", tmp_path / "sink2.log"
        first = start_sink(nats_only.nats_url, chdb_dir, log1, pause_before_acks_s=1.5)

        async def third_batch_inserted() -> bool:
            assert first.poll() is None, log1.read_text()
            return len(batch_logs(log1)) >= 3

        await wait_for(third_batch_inserted, 90, "three inserted batches")
        first.send_signal(signal.SIGKILL)  # inserted, not acked: paused before the acks
        assert first.wait(10) == -signal.SIGKILL
        killed_inserted = sum(int(r["inserted"]) for r in batch_logs(log1))  # type: ignore[call-overload]
        info = await js.consumer_info(STREAM, DURABLE)
        assert info.num_pending > 0 or info.num_ack_pending > 0  # work left mid-stream

        second = start_sink(nats_only.nats_url, chdb_dir, log2)
        try:

            async def drained() -> bool:
                assert second.poll() is None, log2.read_text()
                try:
                    ci = await js.consumer_info(STREAM, DURABLE, timeout=5)
                except NatsTimeoutError:  # a loaded machine; ask again
                    return False
                return ci.num_pending == 0 and ci.num_ack_pending == 0

            await wait_for(drained, 120, "the sink to ack every message")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0, log2.read_text()[-3000:]
        dlq = await js.get_last_msg(STREAM, DLQ_PREFIX + DURABLE)
        assert events_pb2.CompletionEvent.FromString(dlq.data).request_id == ""
        assert dlq.headers and dlq.headers["Tokaroo-Original-Msg-Id"] == "poison-1"
    finally:
        await nc.close()

    after = batch_logs(log2)
    assert killed_inserted > 0
    assert sum(int(r["inserted"]) for r in after) == UNIQUE - killed_inserted  # type: ignore[call-overload]
    assert sum(int(r["duplicates"]) for r in after) >= 1500  # type: ignore[call-overload]

    wh = Warehouse.open(f"chdb://{chdb_dir}", "tokaroo")
    try:
        ((count, unique),) = await wh.rows(
            "SELECT count(), uniqExact(request_id) FROM completion_events"
        )
        assert count == unique == UNIQUE
        rollup, raw = await rollup_totals(wh)
        assert rollup == raw == totals(events)
        per_tenant = dict(
            await wh.rows(
                "SELECT tenant_id, sum(charged_nano) FROM usage_hourly GROUP BY tenant_id"
            )
        )
        for tenant, charged in per_tenant.items():
            assert charged == sum(e.charged_nano for e in events if e.tenant_id == tenant)
        ((providers,),) = await wh.rows("SELECT sum(requests) FROM provider_hourly")
        assert providers == UNIQUE
    finally:
        wh.close()
