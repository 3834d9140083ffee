"""The real process: `python -m tokaroo_ledger serve` killed with SIGKILL mid-stream, stopped
with SIGTERM mid-stream, restarted: every event is charged exactly once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.aio.client import Client as NATS
from tokaroo_cli.infra import ManagedProcess, Servers, ServerSpec, free_port
from tokaroo_common import jetstream
from tokaroo_common.jetstream import COMPLETION_SUBJECT, STREAM
from tokaroo_ledger.key_secrets import hash_secret
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.settlement import DURABLE
from tokaroo_proto.events.v1 import events_pb2
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

USD = 1_000_000_000


@pytest.fixture
def ledger_process(
    tmp_path: Path, migrated_dsn: str, nats_servers: Servers, valkey_url: str
) -> Iterator[tuple[ManagedProcess, int]]:
    port = free_port()
    env = {
        "TOKAROO_POSTGRES_DSN": migrated_dsn,
        "TOKAROO_NATS_URL": nats_servers.nats_url,
        "TOKAROO_REDIS_URL": valkey_url,
        "TOKAROO_LEDGER_GRPC_PORT": str(port),
        "TOKAROO_LEDGER_BATCH_SIZE": "25",
        "TOKAROO_LEDGER_ACK_WAIT_S": "2",
        "TOKAROO_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    spec = ServerSpec("ledger", [sys.executable, "-m", "tokaroo_ledger", "serve"], env, None)
    proc = ManagedProcess(
        spec, tmp_path / "logs", ready=lambda p: p.wait_ready_tcp(port), base_env=dict(os.environ)
    )
    try:
        yield proc, port
    finally:
        proc.stop()


async def usage_count(repo: LedgerRepository) -> int:
    async with repo._pool.acquire() as conn:  # test-only peek at the tables
        count: int = await conn.fetchval("SELECT count(*) FROM usage")
        return count


async def publish_all(
    js: Any,
    events: list[events_pb2.CompletionEvent],
    msg_id: Callable[[events_pb2.CompletionEvent], str],
) -> None:
    for ev in events:
        await jetstream.publish(
            js, COMPLETION_SUBJECT, ev.SerializeToString(), msg_id(ev), timeout=5
        )


async def stop_mid_way(
    repo: LedgerRepository,
    publisher: asyncio.Task[None],
    at_least: int,
    total: int,
    stop: Callable[[], object],
) -> int:
    """Wait until at least `at_least` events are settled, then call stop(); return the count
    settled at that moment (which must be below `total`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while (settled := await usage_count(repo)) < at_least:
        assert loop.time() < deadline, settled
        await asyncio.sleep(0.005)
    await asyncio.to_thread(stop)
    assert settled < total, "the ledger finished before it could be stopped mid-way"
    await publisher
    return settled


async def wait_all_settled(nc: NATS, repo: LedgerRepository, total: int) -> None:
    js = nc.jetstream()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        info = await js.consumer_info(STREAM, DURABLE)
        count = await usage_count(repo)
        if count == total and info.num_pending == 0 and info.num_ack_pending == 0:
            return
        assert loop.time() < deadline, (count, info)
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_kill_and_sigterm_mid_stream_charge_exactly_once(
    ledger_process: tuple[ManagedProcess, int],
    nats_servers: Servers,
    repo: LedgerRepository,
    make_event: Any,
) -> None:
    proc, port = ledger_process
    initial = 1000 * USD
    tenant, key, _ = await repo.create_tenant(
        "crash", initial, "k", "tok_" + "k" * 40, pinned=False
    )
    nc = await jetstream.connect(nats_servers.nats_url, "ledger-crash-test")
    try:
        js = nc.jetstream()
        await jetstream.ensure_stream(js)
        await asyncio.to_thread(proc.start)

        def by_request_id(ev: events_pb2.CompletionEvent) -> str:
            return str(ev.request_id)

        # Phase 1: SIGKILL mid-stream, keep publishing while it is down, restart.
        phase1 = [
            make_event(str(tenant.id), 1_000 + i * 7, key_id=str(key.id)) for i in range(1200)
        ]
        publisher = asyncio.create_task(publish_all(js, phase1, by_request_id))
        killed_at = await stop_mid_way(repo, publisher, 100, len(phase1), proc.kill)
        assert proc.returncode == -9
        # Replays with fresh msg ids (past the stream's dedup): the ledger must drop them.
        await publish_all(js, phase1[:300], lambda ev: f"{ev.request_id}-replay")
        await asyncio.to_thread(proc.start)

        # Phase 2: SIGTERM mid-stream: a graceful stop (exit code 0), then restart.
        phase2 = [make_event(str(tenant.id), 500 + i, key_id=str(key.id)) for i in range(1200)]
        publisher = asyncio.create_task(publish_all(js, phase2, by_request_id))
        stopped_at = await stop_mid_way(
            repo, publisher, len(phase1) + 100, len(phase1) + len(phase2), proc.stop
        )
        assert proc.returncode == 0, proc.log_tail()
        assert '"msg": "ledger stopped"' in proc.log_tail(20_000).replace('":"', '": "')
        await asyncio.to_thread(proc.start)

        events = phase1 + phase2
        await wait_all_settled(nc, repo, len(events))
        charged = sum(ev.charged_nano for ev in events)
        balance = await repo.get_balance(tenant.id)
        assert balance == initial - charged == await repo.ledger_sum(tenant.id)
        async with repo._pool.acquire() as conn:
            charges = await conn.fetchval(
                "SELECT count(*) FROM ledger_entries WHERE kind = 'charge'"
            )
        assert charges == len(events)
        assert 0 < killed_at < len(phase1) < stopped_at < len(events)

        # The restarted process serves gRPC with health and answers from the same database.
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="tokaroo.ledger.v1.LedgerService")
            )
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            stub = ledger_pb2_grpc.LedgerServiceStub(channel)
            got = await stub.GetBalance(ledger_pb2.GetBalanceRequest(tenant_id=str(tenant.id)))
            assert got.balance_nano == balance
            auth = await stub.Authenticate(
                ledger_pb2.AuthenticateRequest(key_hash=hash_secret("tok_" + "k" * 40))
            )
            assert auth.ok and auth.key_id == str(key.id)
    finally:
        await nc.close()
    assert await asyncio.to_thread(proc.stop) == 0


def test_migrate_command(dsn: str) -> None:
    """`tokaroo-migrate`, as the Kubernetes Job runs it: applies, then finds nothing to do."""
    argv = [
        sys.executable,
        "-m",
        "tokaroo_common.migrate_command",
        "--store",
        "ledger",
        "--postgres-dsn",
        dsn,
    ]
    first = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    assert "applied ledger/0001_init" in first.stdout
    second = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "migrations: up to date"
