"""Fixtures: a real PostgreSQL (one per session, a fresh migrated database per test), a real
NATS server per test, and an in-process gRPC LedgerService. All on free ports in temp dirs."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import grpc
import pytest
from tokaroo_cli.infra import Servers, database_dsn, ensure_database, running_servers
from tokaroo_common.ids import new_request_id
from tokaroo_common.reservations import ReservationBook
from tokaroo_common.valkey import valkey_client
from tokaroo_ledger.db import create_pool
from tokaroo_ledger.holds import HoldService
from tokaroo_ledger.migrate import migrate
from tokaroo_ledger.models import UsageEvent
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.server import LedgerServicer
from tokaroo_ledger.stripe_config import StripeSettings
from tokaroo_ledger.stripe_rpcs import StripeRpcs
from tokaroo_proto.events.v1 import events_pb2
from tokaroo_proto.ledger.v1 import ledger_pb2_grpc

FENCE = timedelta(seconds=5)  # how long holds are refused after a Valkey loss, in tests


@pytest.fixture(scope="session")
def postgres_admin_dsn() -> Iterator[str]:
    base = Path(tempfile.mkdtemp(prefix="tkl-"))  # short: the unix socket lives in there
    try:
        # Tests crash the ledger, never PostgreSQL: durability settings off for speed.
        settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        with running_servers(
            base, nats=False, valkey=False, postgres=True, postgres_settings=settings
        ) as servers:
            yield servers.postgres_dsn
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def dsn(postgres_admin_dsn: str) -> AsyncIterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = "ledger_" + uuid.uuid4().hex[:12]
    await ensure_database(postgres_admin_dsn, name, extensions=())
    yield database_dsn(postgres_admin_dsn, name)
    admin = await asyncpg.connect(postgres_admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def migrated_dsn(dsn: str) -> str:
    await migrate(dsn)
    return dsn


@pytest.fixture
async def repo(migrated_dsn: str) -> AsyncIterator[LedgerRepository]:
    pool = await create_pool(migrated_dsn, min_size=1, max_size=5)
    try:
        yield LedgerRepository(pool)
    finally:
        await pool.close()


@pytest.fixture
async def book(valkey_url: str) -> AsyncIterator[ReservationBook]:
    """The reservation book, on a Valkey emptied for each test."""
    redis = valkey_client(valkey_url, timeout_s=5)
    await redis.flushdb()
    try:
        yield ReservationBook(redis)
    finally:
        await redis.aclose()


@pytest.fixture
def holds(repo: LedgerRepository, book: ReservationBook) -> HoldService:
    return HoldService(repo.pool, book, FENCE)


Settle = Callable[[Sequence[UsageEvent]], Awaitable[None]]


UsageEventFactory = Callable[..., UsageEvent]


def make_usage_event(
    tenant: uuid.UUID,
    request_id: str,
    charged: int,
    *,
    key: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> UsageEvent:
    """A settled `auto` chat completion charging `charged` nano-USD (baseline twice that)."""
    return UsageEvent(
        request_id=request_id,
        tenant_id=tenant,
        key_id=key,
        endpoint="chat.completions",
        tier="instant",
        model_requested="auto",
        resolved_model="m",
        provider="p",
        streamed=False,
        input_tokens=1,
        output_tokens=1,
        cached_tokens=0,
        upstream_cost_nano=1,
        baseline_cost_nano=2 * charged,
        charged_nano=charged,
        cache_outcome="miss",
        latency_ms=1,
        ttft_ms=0,
        status="ok",
        error_code="",
        attempts=1,
        created_at=created_at or datetime.now(UTC),
    )


@pytest.fixture
def usage_event() -> UsageEventFactory:
    return make_usage_event


@pytest.fixture
def settle(repo: LedgerRepository, book: ReservationBook) -> Settle:
    """What the settlement consumer does with a batch: commit, then mirror."""

    async def run(events: Sequence[UsageEvent]) -> None:
        outcome = await repo.settle(events)
        await book.apply(outcome.mirrored)

    return run


@pytest.fixture
def nats_servers() -> Iterator[Servers]:
    base = Path(tempfile.mkdtemp(prefix="tkn-"))
    try:
        with running_servers(base, nats=True, valkey=False, postgres=False) as servers:
            yield servers
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def stub(
    repo: LedgerRepository, holds: HoldService
) -> AsyncIterator[ledger_pb2_grpc.LedgerServiceStub]:
    server = grpc.aio.server()
    servicer = LedgerServicer(repo, holds, StripeRpcs(repo.pool, StripeSettings()))
    ledger_pb2_grpc.add_LedgerServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)
    finally:
        await channel.close()
        await server.stop(None)


def completion(
    tenant_id: str,
    charged_nano: int,
    *,
    request_id: str | None = None,
    key_id: str = "",
    created_at_unix_ms: int | None = None,
    **fields: object,
) -> events_pb2.CompletionEvent:
    values: dict[str, object] = {
        "request_id": new_request_id() if request_id is None else request_id,
        "tenant_id": tenant_id,
        "key_id": key_id,
        "model_requested": "auto",
        "tier": "standard",
        "resolved_model": "sim-model",
        "provider": "sim",
        "input_tokens": 100,
        "output_tokens": 20,
        "cached_tokens": 0,
        "upstream_cost_nano": charged_nano // 2,
        "baseline_cost_nano": charged_nano * 2,
        "charged_nano": charged_nano,
        "cache_outcome": "miss",
        "latency_ms": 120,
        "ttft_ms": 40,
        "status": "ok",
        "attempts": 1,
        "endpoint": "chat.completions",
        "streamed": False,
        "created_at_unix_ms": int(time.time() * 1000)
        if created_at_unix_ms is None
        else created_at_unix_ms,
    }
    values.update(fields)
    return events_pb2.CompletionEvent(**values)  # type: ignore[arg-type]


EventFactory = Callable[..., events_pb2.CompletionEvent]


@pytest.fixture
def make_event() -> EventFactory:
    """completion(tenant_id, charged_nano, request_id=..., **fields) -> CompletionEvent."""
    return completion
