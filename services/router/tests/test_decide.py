"""The decision the router serves and the edge runs in process: one `Decider`."""

from __future__ import annotations

from tokaroo_common.turns import user_says
from tokaroo_proto.router.v1 import router_pb2
from tokaroo_router.decide import Decider, PoolHolder, uses_session
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import default_pool_path, load_pool
from tokaroo_router.session_store import MemorySessionStore, SessionBook

POOL = load_pool(default_pool_path())


def request(
    model: str, endpoint: str = "chat.completions", hint: str = ""
) -> router_pb2.RouteRequest:
    return router_pb2.RouteRequest(
        request_id="r1",
        tenant_id="t1",
        model=model,
        input_tokens=30,
        endpoint=endpoint,
        session_hint=hint,
        conversation=user_says("Write a Python function that merges two sorted lists."),
    )


def test_only_auto_chat_uses_a_session() -> None:
    assert uses_session(request("auto"))
    assert not uses_session(request("auto", endpoint="embeddings"))
    assert not any(uses_session(request(m)) for m in ("fast", "max", "gpt-4o-mini"))


async def test_without_sessions_decide_is_decide_now() -> None:
    decider = Decider(PoolHolder(POOL), load_model(), clock=lambda: 0.0)
    for model in ("auto", "fast", "max"):
        assert await decider.decide(request(model)) == decider.decide_now(request(model))


async def test_with_sessions_an_auto_turn_is_recorded_and_fast_is_not() -> None:
    book = SessionBook(MemorySessionStore(), wall_clock=lambda: 100.0)
    decider = Decider(PoolHolder(POOL), load_model(), clock=lambda: 0.0, sessions=book)
    auto = await decider.decide(request("auto", hint="agent-1"))
    assert auto.session_id and book.pending == 1
    fast = await decider.decide(request("fast", hint="agent-1"))
    assert not fast.session_id and book.pending == 1


def test_a_decision_carries_prices_and_the_pool_version() -> None:
    decider = Decider(PoolHolder(POOL), load_model(), clock=lambda: 0.0)
    decision = decider.decide_now(request("fast"))
    assert decision.pool_version == POOL.version and decision.candidates
    first = decision.candidates[0]
    assert first.input_nano_per_token > 0 and first.output_nano_per_token > 0
    assert decision.baseline_output_nano_per_token >= first.output_nano_per_token


def test_failures_observed_move_the_next_decision() -> None:
    decider = Decider(PoolHolder(POOL), load_model(), clock=lambda: 0.0)
    top = decider.decide_now(request("fast")).candidates[0]
    for _ in range(5):
        decider.observe(top.provider, top.upstream_model, ok=False)
    again = decider.decide_now(request("fast")).candidates[0]
    assert (again.provider, again.upstream_model) != (top.provider, top.upstream_model)
