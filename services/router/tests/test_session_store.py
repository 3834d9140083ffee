"""Session stores: in process, in a real Valkey shared by replicas, and the fallback."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from tokaroo_router.session_store import (
    FallbackSessionStore,
    MemorySessionStore,
    SessionBook,
    ValkeySessionStore,
)
from tokaroo_router.sessions import Session


class Down:
    async def get(self, key: str) -> Session | None:
        raise RedisConnectionError("down")

    async def put(self, session: Session) -> None:
        raise RedisConnectionError("down")


async def test_memory_store_expires_and_evicts() -> None:
    now = [0.0]
    store = MemorySessionStore(ttl_s=10, capacity=2, clock=lambda: now[0])
    for k in ("a", "b", "c"):
        await store.put(Session(k))
    assert await store.get("a") is None and await store.get("c") == Session("c")
    now[0] = 11
    assert await store.get("c") is None


async def test_memory_store_holds_only_live_sessions_under_endless_new_ones() -> None:
    """Under a stream of sessions nobody continues (each request a new conversation), the
    store's size levels off at what one TTL holds, far below its capacity, and a session
    that keeps being continued stays."""
    now = [0.0]
    store = MemorySessionStore(ttl_s=300, capacity=100_000, clock=lambda: now[0])
    sizes = []
    for i in range(20_000):  # 5 new sessions a second for 4000 s
        now[0] = i / 5
        await store.put(Session(f"s{i}"))
        if i % 50 == 0:
            await store.put(Session("kept"))
        sizes.append(len(store))
    assert max(sizes) <= 300 * 5 + 2
    assert sizes[-1] == sizes[10_000]  # level, not climbing
    assert await store.get("kept") == Session("kept")
    assert await store.get("s0") is None and await store.get("s19999") is not None


async def test_in_process_sessions_live_as_long_as_a_prefix_stays_warm() -> None:
    from tokaroo_router.sessions import WARM_TTL_S

    now = [0.0]
    store = MemorySessionStore(clock=lambda: now[0])
    await store.put(Session("k"))
    now[0] = WARM_TTL_S - 1
    assert await store.get("k") == Session("k")
    now[0] = WARM_TTL_S  # from here on the session routes like a new one
    assert await store.get("k") is None


async def test_pending_requests_are_bounded_in_count_and_age() -> None:
    now = [0.0]
    book = SessionBook(
        MemorySessionStore(), wall_clock=lambda: now[0], pending=100, pending_ttl_s=60
    )
    s = Session("k")
    for i in range(1_000):  # requests whose completion event never comes
        now[0] = i / 10
        await book.routed(s, "m", 10, request_id=f"r{i}")
        assert book.pending <= 100
    assert book.pending == 100
    now[0] = 1_000.0
    await book.routed(s, "m", 10, request_id="late")
    assert book.pending == 1  # the others were older than a minute


async def test_every_completion_event_ends_its_requests_wait() -> None:
    from tokaroo_proto.events.v1 import events_pb2
    from tokaroo_router.session_feed import on_event

    book = SessionBook(MemorySessionStore(), wall_clock=lambda: 10.0)
    s = Session("k")
    for rid in ("hit", "error", "ok"):
        await book.routed(s, "m", 10, request_id=rid)
    await on_event(book, events_pb2.CompletionEvent(request_id="hit", cache_outcome="hit"))
    await on_event(book, events_pb2.CompletionEvent(request_id="error", status="error"))
    await on_event(
        book,
        events_pb2.CompletionEvent(
            request_id="ok", status="ok", cache_outcome="miss", resolved_model="m"
        ),
    )
    assert book.pending == 0


async def test_fallback_serves_from_memory_while_valkey_is_down() -> None:
    store = FallbackSessionStore(Down(), MemorySessionStore())
    s = Session("k").routed("m", 4000, now=1)
    await store.put(s)
    assert await store.get("k") == s


async def test_book_never_fails_and_starts_new_sessions() -> None:
    book = SessionBook(Down(), wall_clock=lambda: 5.0)  # type: ignore[arg-type]
    s = await book.find("k")
    assert s == Session("k")
    assert (await book.routed(s, "m", 3000)).warm[0].model_id == "m"
    assert await SessionBook(MemorySessionStore(), enabled=False).find("k") is None
    assert await book.find(None) is None


async def test_replicas_share_sessions_through_valkey(valkey_url: str) -> None:
    one, two = Redis.from_url(valkey_url), Redis.from_url(valkey_url)
    try:
        a = FallbackSessionStore(ValkeySessionStore(one), MemorySessionStore())
        b = FallbackSessionStore(ValkeySessionStore(two), MemorySessionStore())
        s = Session("shared").routed("m", 4000, now=1)
        await a.put(s)
        assert await b.get("shared") == s
        assert 0 < await one.pttl("tokaroo:session:shared") <= 3600 * 1000
    finally:
        await one.aclose()
        await two.aclose()


async def test_a_fallback_answer_moves_the_session_to_the_model_that_served() -> None:
    from tokaroo_proto.events.v1 import events_pb2
    from tokaroo_router.session_feed import on_event

    book = SessionBook(MemorySessionStore(), wall_clock=lambda: 10.0)
    s = await book.find("k")
    assert s is not None
    await book.routed(s, "routed-model", 5000, request_id="r1")
    await on_event(
        book,
        events_pb2.CompletionEvent(
            request_id="r1",
            status="ok",
            cache_outcome="miss",
            resolved_model="fallback-model",
            input_tokens=5000,
        ),
    )
    moved = await book.find("k")
    assert moved is not None and moved.warm_tokens(now=11.0) == {"fallback-model": 5000}
    await on_event(
        book,
        events_pb2.CompletionEvent(
            request_id="r1", status="ok", cache_outcome="miss", resolved_model="x"
        ),
    )
    assert (await book.find("k")) == moved  # each request moves its session once at most
