"""The admission steps chat and embeddings share: overload, rate limit, hold."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tokaroo_common.cache_keys import exact_key
from tokaroo_common.errors import InsufficientBalance, RateLimited, ServiceUnavailable
from tokaroo_common.reservations import HoldOutcome
from tokaroo_edge.admission import (
    admit,
    cached_answer,
    check_capacity,
    check_rate,
    estimate_hold,
)
from tokaroo_edge.answer_cache import MISS, ROUTE_FIELD, with_route
from tokaroo_edge.chat_request import parse_chat
from tokaroo_edge.holds import Holds
from tokaroo_edge.ratelimit import Limits
from tokaroo_edge.routing import RemoteRouting
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.tokens import load_encoder
from tokaroo_proto.cache.v1 import cache_pb2
from tokaroo_proto.router.v1 import router_pb2

from .conftest import with_exact


def chat(**extra: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "auto", "messages": [{"role": "user", "content": "hello there"}], **extra}
    )


async def admit_one(
    edge: Any, req: ChatCompletionRequest, record: Any, *, no_cache: bool = True
) -> Any:
    return await admit(
        edge.state.routing,
        edge.state.completer.encoder,
        edge.outbox,
        req,
        edge.principal,
        record,
        no_cache=no_cache,
        holds=edge.state.holds,
        hold_ttl_ms=60_000,
        limiter=edge.limiter,
        answers=edge.state.completer.answers,
    )


def test_capacity_refuses_when_the_outbox_is_nearly_full(edge: Any) -> None:
    edge.outbox.pending = 90
    check_capacity(edge.outbox)
    edge.outbox.pending = 91
    with pytest.raises(ServiceUnavailable) as err:
        check_capacity(edge.outbox)
    assert err.value.retry_after == 1


async def test_rate_check_passes_the_keys_limits(edge: Any) -> None:
    await check_rate(None, edge.principal, 5)  # no Redis: no per-key limit
    await check_rate(edge.limiter, edge.principal, 5)
    assert edge.limiter.checks == [(edge.principal.key_id, Limits(60, 10_000), 5)]
    edge.limiter.exhausted = True
    with pytest.raises(RateLimited):
        await check_rate(edge.limiter, edge.principal, 5)


async def test_hold_is_recorded_on_the_record(edge: Any) -> None:
    record = edge.record("req-h")
    await edge.state.holds.hold(edge.principal, record, 1234, 60_000)
    assert record.hold_nano == 1234
    (sent,) = edge.ledger.holds
    assert (sent.tenant_id, sent.request_id, sent.amount_nano, sent.ttl_ms) == (
        edge.principal.tenant_id,
        "req-h",
        1234,
        60_000,
    )


async def test_hold_refused_is_402_and_holds_nothing(edge: Any) -> None:
    edge.ledger.available_nano = 10
    record = edge.record()
    with pytest.raises(InsufficientBalance, match="available"):
        await edge.state.holds.hold(edge.principal, record, 11, 60_000)
    assert record.hold_nano == 0 and edge.ledger.holds == []


async def test_admit_routes_and_holds_the_estimate(edge: Any) -> None:
    record = edge.record()
    req = chat(max_tokens=50)
    adm = await admit_one(edge, req, record)
    assert adm.decision.tier == "standard" and not adm.lookup.hit
    assert record.draft.tier == "standard"  # its event, however it ends, carries its tier
    (route,) = edge.router.requests
    assert route.request_id == "req-1" and route.max_output_tokens == 50
    expected = estimate_hold("auto", adm.decision, adm.prompt_tokens, 50, False)
    assert record.hold_nano == expected == edge.ledger.holds[0].amount_nano
    ((_, _, tokens),) = edge.limiter.checks
    assert tokens == adm.prompt_tokens + 50


async def test_admit_stops_before_routing_when_overloaded_or_limited(edge: Any) -> None:
    edge.outbox.pending = 100
    overloaded, limited = edge.record(), edge.record()
    with pytest.raises(ServiceUnavailable):
        await admit_one(edge, chat(), overloaded)
    edge.outbox.pending = 0
    edge.limiter.exhausted = True
    with pytest.raises(RateLimited):
        await admit_one(edge, chat(), limited)
    assert edge.router.requests == [] and edge.ledger.holds == []
    # Refused before routing: no tier, so the usage a tenant reads leaves them out.
    assert overloaded.draft.tier == limited.draft.tier == ""


async def test_a_request_refused_for_its_balance_is_recorded_with_its_tier(edge: Any) -> None:
    edge.ledger.available_nano = 1
    record = edge.record()
    with pytest.raises(InsufficientBalance):
        await admit_one(edge, chat(), record)
    assert record.draft.tier == "standard" and record.hold_nano == 0


def test_estimate_hold_covers_the_dearest_candidate(edge: Any) -> None:
    decision = edge.decision("a", "b")
    decision.candidates[1].output_nano_per_token = 10_000
    dear = estimate_hold("max", decision, 10, 100, False)
    assert dear >= 10 * 100 + 100 * 10_000
    assert estimate_hold("auto", decision, 10, None, True) < dear  # a hit costs less


def _hit(body: dict[str, Any]) -> Any:
    return cache_pb2.LookupResponse(hit=True, outcome="semantic", response_json=orjson.dumps(body))


def _answer(content: str | None, completion_tokens: int, calls: tuple[str, ...] = ()) -> Any:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {"id": c, "type": "function", "function": {"name": "f", "arguments": "{}"}}
            for c in calls
        ]
    return {
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": completion_tokens},
    }


def test_a_cached_answer_is_served_only_when_it_fits() -> None:
    enc = load_encoder()
    plain = parse_chat(chat(), enc)
    assert cached_answer(plain, MISS) is None
    assert cached_answer(plain, _hit(_answer("hi", 30))) is not None
    short = parse_chat(chat(max_tokens=3), enc)
    assert cached_answer(short, _hit(_answer("hi", 30))) is None
    assert cached_answer(short, _hit(_answer("hi", 3))) is not None
    after_tool = parse_chat(
        chat(
            messages=[
                {"role": "user", "content": "weather?"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_9",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_9", "content": "18C"},
            ]
        ),
        enc,
    )
    assert cached_answer(after_tool, _hit(_answer(None, 5, ("call_9",)))) is None
    assert cached_answer(after_tool, _hit(_answer(None, 5, ("call_10",)))) is not None
    broken = cache_pb2.LookupResponse(hit=True, outcome="exact", response_json=b"not json")
    assert cached_answer(plain, broken) is None


async def test_an_exact_hit_with_its_route_facts_asks_no_router(edge: Any) -> None:
    exact = with_exact(edge)
    req = chat(model="fast", max_tokens=50)
    key = parse_chat(req, edge.state.completer.encoder).exact_key
    routed = edge.decision("ok")
    stored = with_route(_answer("hi", 30), routed)
    exact.entries[(edge.principal.tenant_id, key)] = orjson.dumps(stored)
    edge.state.completer.answers.pool.version = "pool-1"  # as an earlier decision said
    record = edge.record()
    adm = await admit_one(edge, req, record, no_cache=False)
    assert edge.router.requests == [] and edge.cache.lookups == []
    assert adm.lookup.hit and adm.lookup.outcome == "exact"
    assert ROUTE_FIELD not in (adm.hit_body or {}) and adm.hit_body["choices"]
    assert adm.decision.tier == routed.tier and not adm.decision.candidates
    # the hold is the one the router's decision gave
    assert record.hold_nano == estimate_hold("fast", routed, adm.prompt_tokens, 50, True)


async def test_an_exact_entry_without_current_route_facts_is_routed(edge: Any) -> None:
    exact = with_exact(edge)
    req = chat(model="fast")
    key = parse_chat(req, edge.state.completer.encoder).exact_key
    entry = (edge.principal.tenant_id, key)
    exact.entries[entry] = orjson.dumps(_answer("hi", 3))  # stored before facts were kept
    adm = await admit_one(edge, req, edge.record(), no_cache=False)
    assert adm.lookup.hit and len(edge.router.requests) == 1
    assert adm.decision.candidates  # the router's
    old = edge.decision("ok")
    old.pool_version = "pool-0"  # facts from before a pool update
    exact.entries[entry] = orjson.dumps(with_route(_answer("hi", 3), old))
    adm = await admit_one(edge, req, edge.record("req-2"), no_cache=False)
    assert adm.lookup.hit and len(edge.router.requests) == 2
    # before any decision this process knows no pool: routed too
    edge.state.completer.answers.pool.version = ""
    exact.entries[entry] = orjson.dumps(with_route(_answer("hi", 3), edge.decision("ok")))
    adm = await admit_one(edge, req, edge.record("req-3"), no_cache=False)
    assert adm.lookup.hit and len(edge.router.requests) == 3
    assert edge.state.completer.answers.pool.version == "pool-1"  # learnt from that decision


async def test_an_exact_miss_routes_and_only_auto_asks_the_service(edge: Any) -> None:
    with_exact(edge)
    fast = await admit_one(edge, chat(model="fast"), edge.record(), no_cache=False)
    assert not fast.lookup.hit and len(edge.router.requests) == 1 and edge.cache.lookups == []
    auto = await admit_one(edge, chat(), edge.record("req-2"), no_cache=False)
    assert not auto.lookup.hit and len(edge.router.requests) == 2
    ((sent,),) = (edge.cache.lookups,)
    assert sent.semantic_only


def test_a_semantic_hit_never_stands_for_the_route() -> None:
    body = with_route(_answer("hi", 3), router_pb2.RouteDecision(tier="frontier"))
    found = cached_answer(parse_chat(chat(), load_encoder()), _hit(body))
    assert found is not None and found.decision is None and ROUTE_FIELD not in found.body


# ---- the exact read and the hold in one Valkey round trip --------------------------------


class FakeBook:
    """The reservation book (tokaroo_common.reservations.ReservationBook) as a dict: a hold
    placed again on a request id replaces the first; `rounds` counts Valkey round trips."""

    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.holds: dict[str, int] = {}
        self.values: dict[str, bytes] = {}
        self.rounds: list[str] = []

    def _hold(self, request_id: str, amount: int) -> HoldOutcome:
        self.holds.pop(request_id, None)
        available = self.balance - sum(self.holds.values())
        if available < amount:
            return HoldOutcome("balance", available)
        self.holds[request_id] = amount
        return HoldOutcome("ok", available)

    async def hold(self, tenant_id: str, request_id: str, amount: int, **_: Any) -> HoldOutcome:
        self.rounds.append("hold")
        return self._hold(request_id, amount)

    async def hold_and_get(
        self, tenant_id: str, request_id: str, amount: int, *, get: str, **_: Any
    ) -> tuple[HoldOutcome, bytes | None]:
        self.rounds.append("hold+get")
        return self._hold(request_id, amount), self.values.get(get)


class RoutedHere:
    """Routing that decides here (LocalRouting's part of the protocol) over the fake router."""

    def __init__(self, edge: Any) -> None:
        self._remote = RemoteRouting(edge.router)
        self.last: router_pb2.RouteDecision | None = None

    async def route(self, request: router_pb2.RouteRequest) -> router_pb2.RouteDecision:
        self.last = await self._remote.route(request)
        return self.last

    def recent(self, endpoint: str, model: str) -> router_pb2.RouteDecision | None:
        return self.last


async def admit_here(
    edge: Any, routing: RoutedHere, book: FakeBook, text: str, request_id: str
) -> tuple[Any, Any]:
    record = edge.record(request_id)
    req = chat(model="fast", max_tokens=50, messages=[{"role": "user", "content": text}])
    adm = await admit(
        routing,
        edge.state.completer.encoder,
        edge.outbox,
        req,
        edge.principal,
        record,
        no_cache=False,
        holds=Holds(book, edge.ledger),  # type: ignore[arg-type]
        hold_ttl_ms=60_000,
        limiter=None,
        answers=edge.state.completer.answers,
    )
    return adm, record


async def test_after_a_first_decision_the_exact_read_rides_with_the_hold(edge: Any) -> None:
    with_exact(edge)
    edge.route("a")
    routing, book = RoutedHere(edge), FakeBook(10**12)
    first, _ = await admit_here(edge, routing, book, "one", "r1")
    assert book.rounds == ["hold"]  # nothing decided yet: GET, route, hold
    adm, record = await admit_here(edge, routing, book, "two", "r2")
    assert book.rounds == ["hold", "hold+get"] and not adm.lookup.hit
    own = estimate_hold("fast", adm.decision, adm.prompt_tokens, 50, False)
    assert record.hold_nano == book.holds["r2"] >= own
    assert len(edge.router.requests) == 2 and edge.ledger.holds == []


async def test_an_exact_hit_read_with_the_hold_is_not_routed(edge: Any) -> None:
    answers = with_exact(edge).entries
    edge.route("a")
    routing, book = RoutedHere(edge), FakeBook(10**12)
    await admit_here(edge, routing, book, "warm-up", "r1")
    decided = len(edge.router.requests)
    text = "cached question"
    req = chat(model="fast", max_tokens=50, messages=[{"role": "user", "content": text}])
    key = parse_chat(req, load_encoder(), "").exact_key
    body = orjson.dumps(with_route(_answer("stored", 3), edge.decision("a")))
    answers[(edge.principal.tenant_id, key)] = body  # (the fake exact layer's own read)
    book.values[exact_key(edge.principal.tenant_id, key)] = body
    edge.state.completer.answers.pool.version = "pool-1"
    adm, record = await admit_here(edge, routing, book, text, "r2")
    assert adm.lookup.hit and adm.hit_body is not None
    assert book.rounds == ["hold", "hold+get"] and len(edge.router.requests) == decided
    assert record.hold_nano >= estimate_hold("fast", adm.decision, adm.prompt_tokens, 50, True)


async def test_a_hold_refused_at_the_ceiling_is_placed_at_the_requests_own(edge: Any) -> None:
    with_exact(edge)
    edge.route("a")
    routing = RoutedHere(edge)
    await admit_here(edge, routing, FakeBook(10**12), "warm-up", "r1")
    probe = estimate_hold("fast", edge.decision("a"), 2, 50, False)
    book = FakeBook(probe * 3 // 2)  # enough for this request, not for the ceiling
    dear = edge.decision("a")
    dear.candidates[0].output_nano_per_token *= 10
    routing.last = dear  # the latest decision was for dearer candidates
    adm, record = await admit_here(edge, routing, book, "hi", "r2")
    own = estimate_hold("fast", adm.decision, adm.prompt_tokens, 50, False)
    assert book.rounds == ["hold+get", "hold"] and book.holds == {"r2": own}
    assert record.hold_nano == own


async def test_a_request_dearer_than_the_latest_decision_is_held_again(edge: Any) -> None:
    with_exact(edge)
    edge.route("a")
    routing, book = RoutedHere(edge), FakeBook(10**12)
    await admit_here(edge, routing, book, "warm-up", "r1")
    cheap = edge.decision("a")
    cheap.candidates[0].input_nano_per_token = cheap.candidates[0].output_nano_per_token = 0
    cheap.baseline_input_nano_per_token = cheap.baseline_output_nano_per_token = 0
    routing.last = cheap
    adm, record = await admit_here(edge, routing, book, "a dearer one", "r2")
    own = estimate_hold("fast", adm.decision, adm.prompt_tokens, 50, False)
    assert book.rounds[-2:] == ["hold+get", "hold"] and book.holds["r2"] == own > 0
    assert record.hold_nano == own


async def test_a_hold_refused_for_the_balance_is_still_a_402(edge: Any) -> None:
    with_exact(edge)
    edge.route("a")
    routing = RoutedHere(edge)
    await admit_here(edge, routing, FakeBook(10**12), "warm-up", "r1")
    book = FakeBook(1)
    with pytest.raises(InsufficientBalance):
        await admit_here(edge, routing, book, "no money", "r2")
    assert book.holds == {}
