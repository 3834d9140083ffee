"""Settler without I/O: decoding, validation, poison, duplicates, batch fallback."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import pytest
from nats.aio.msg import Msg
from tokaroo_common.reservations import Settled, Snapshot
from tokaroo_ledger.models import SettleOutcome, UsageEvent
from tokaroo_ledger.settlement import InvalidEvent, Settler, decode

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TENANT = str(uuid.uuid4())


@dataclass
class FakeMsg:
    data: bytes


def msgs(*datas: bytes) -> list[Msg]:
    return [cast(Msg, FakeMsg(d)) for d in datas]


class FakeStore:
    def __init__(
        self,
        fail_batches: bool = False,
        bad_request: str | None = None,
        unknown: frozenset[uuid.UUID] = frozenset(),
        error: Exception | None = None,
    ) -> None:
        self.calls: list[list[str]] = []
        self.fail_batches = fail_batches
        self.bad_request = bad_request
        self.unknown = unknown
        self.error = error

    async def settle(self, events: Sequence[UsageEvent]) -> SettleOutcome:
        self.calls.append([e.request_id for e in events])
        if self.error is not None:
            raise self.error
        if (self.fail_batches and len(events) > 1) or any(
            e.request_id == self.bad_request for e in events
        ):
            raise asyncpg.NumericValueOutOfRangeError("out of range")
        unknown = frozenset(e.tenant_id for e in events) & self.unknown
        mirrored = tuple(
            Settled(Snapshot(str(e.tenant_id), 0, 1), (e.request_id,))
            for e in events
            if e.tenant_id not in unknown
        )
        return SettleOutcome(len(events), len(events), 0, unknown, mirrored)


class FakeBook:
    def __init__(self, error: Exception | None = None) -> None:
        self.applied: list[Settled] = []
        self.error = error

    async def apply(self, batch: Sequence[Settled]) -> None:
        if self.error is not None:
            raise self.error
        self.applied.extend(batch)


def test_decode_valid_event(make_event: Any) -> None:
    ev = make_event(TENANT, 1234, key_id=str(uuid.uuid4()), created_at_unix_ms=1_700_000_000_123)
    out = decode(ev.SerializeToString(), NOW)
    assert out.request_id == ev.request_id and out.charged_nano == 1234
    assert out.tenant_id == uuid.UUID(TENANT) and out.key_id == uuid.UUID(ev.key_id)
    assert out.created_at == datetime.fromtimestamp(1_700_000_000.123, UTC)


def test_decode_defaults(make_event: Any) -> None:
    out = decode(
        make_event(TENANT, 0, key_id="not-a-uuid", created_at_unix_ms=0).SerializeToString(), NOW
    )
    assert out.created_at == NOW and out.key_id is None


@pytest.mark.parametrize(
    "fields",
    [
        {"request_id": ""},
        {"tenant_id": "nope"},
        {"tenant_id": ""},
        {"charged_nano": -1},
        {"input_tokens": -5},
        {"created_at_unix_ms": -1},
        {"tier": "x" * 1000},
        {"status": "ok\x00"},
        {"created_at_unix_ms": 2**62},
    ],
)
def test_decode_rejects_invalid(make_event: Any, fields: dict[str, Any]) -> None:
    fields = {"tenant_id": TENANT, "charged_nano": 10, **fields}
    tenant, charged = fields.pop("tenant_id"), fields.pop("charged_nano")
    with pytest.raises(InvalidEvent):
        decode(make_event(tenant, charged, **fields).SerializeToString(), NOW)


def test_decode_rejects_garbage() -> None:
    with pytest.raises(InvalidEvent):
        decode(b"\xff\xff\xff not protobuf", NOW)


async def test_poison_and_in_batch_duplicates(make_event: Any) -> None:
    store = FakeStore()
    ev = make_event(TENANT, 10).SerializeToString()
    other = make_event(TENANT, 20).SerializeToString()
    batch = msgs(ev, b"\x00garbage\xff", ev, other)
    poison = await Settler(store, FakeBook()).handle(batch)
    assert poison == [batch[1]]
    assert len(store.calls) == 1 and len(store.calls[0]) == 2  # the duplicate settled once


async def test_data_error_falls_back_to_one_by_one(make_event: Any) -> None:
    bad = make_event(TENANT, 10)
    good = [make_event(TENANT, 10) for _ in range(3)]
    store = FakeStore(fail_batches=True, bad_request=bad.request_id)
    batch = msgs(*(e.SerializeToString() for e in [good[0], bad, good[1], good[2]]))
    poison = await Settler(store, FakeBook()).handle(batch)
    assert poison == [batch[1]]
    assert len(store.calls) == 1 + 4  # the batch, then each event alone


async def test_unknown_tenant_is_poison(make_event: Any) -> None:
    stranger = uuid.uuid4()
    store = FakeStore(unknown=frozenset({stranger}))
    batch = msgs(
        make_event(TENANT, 10).SerializeToString(),
        make_event(str(stranger), 10).SerializeToString(),
    )
    assert await Settler(store, FakeBook()).handle(batch) == [batch[1]]


def test_data_errors_are_told_from_outages() -> None:
    from asyncpg.exceptions._base import DataError as ClientDataError
    from tokaroo_ledger.settlement import _is_data_error

    assert _is_data_error(asyncpg.NumericValueOutOfRangeError("x"))
    assert _is_data_error(asyncpg.ForeignKeyViolationError("x"))
    assert _is_data_error(ClientDataError("cannot encode"))
    assert not _is_data_error(asyncpg.CannotConnectNowError("x"))
    assert not _is_data_error(asyncpg.ConnectionDoesNotExistError("x"))
    assert not _is_data_error(asyncpg.DeadlockDetectedError("x"))
    assert not _is_data_error(OSError("refused"))


async def test_database_down_raises_for_redelivery(make_event: Any) -> None:
    store = FakeStore(error=ConnectionRefusedError("db down"))
    with pytest.raises(ConnectionRefusedError):
        await Settler(store, FakeBook()).handle(msgs(make_event(TENANT, 10).SerializeToString()))
    assert len(store.calls) == 1  # no per-event fallback: nothing is dead-lettered


async def test_mirroring_after_the_commit_and_its_failure_redelivers(make_event: Any) -> None:
    store, book = FakeStore(), FakeBook()
    batch = msgs(make_event(TENANT, 10).SerializeToString())
    assert await Settler(store, book).handle(batch) == []
    assert [m.request_ids for m in book.applied] == [(store.calls[0][0],)]
    with pytest.raises(ConnectionError):  # Valkey down: the batch comes back, settles as a no-op
        await Settler(store, FakeBook(ConnectionError("valkey down"))).handle(batch)
