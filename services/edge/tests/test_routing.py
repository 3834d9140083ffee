"""Where a route is decided: in this process for requests without a session, by the router
for `auto` chat; the in-process decider learns from this process's completion events."""

from __future__ import annotations

import time

from tokaroo_common.turns import user_says
from tokaroo_edge.events import EventDraft
from tokaroo_edge.routing import LocalRouting, RemoteRouting
from tokaroo_proto.router.v1 import router_pb2
from tokaroo_router import Decider, default_pool_path
from tokaroo_router.decide import PoolHolder
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import load_pool

from .conftest import FakeRouter


def request(model: str, endpoint: str = "chat.completions") -> router_pb2.RouteRequest:
    return router_pb2.RouteRequest(
        request_id="r1",
        tenant_id="t1",
        model=model,
        input_tokens=12,
        endpoint=endpoint,
        conversation=user_says("What is the capital of France?"),
    )


def local() -> tuple[LocalRouting, FakeRouter]:
    router = FakeRouter()
    router.decision = router_pb2.RouteDecision(tier="remote")
    decider = Decider(PoolHolder(load_pool(default_pool_path())), load_model())
    return LocalRouting(decider, RemoteRouting(router)), router  # type: ignore[arg-type]


async def test_auto_chat_asks_the_router_and_the_rest_is_decided_here() -> None:
    routing, router = local()
    assert (await routing.route(request("auto"))).tier == "remote"
    for model, endpoint in (
        ("fast", "chat.completions"),
        ("max", "chat.completions"),
        ("auto", "embeddings"),
    ):
        decided = await routing.route(request(model, endpoint))
        assert decided.tier != "remote" and decided.candidates
    assert [r.model for r in router.requests] == ["auto"]


def completion(decision: router_pb2.RouteDecision, status: str) -> EventDraft:
    first = decision.candidates[0]
    return EventDraft(
        request_id="r",
        tenant_id="t",
        key_id="k",
        model_requested="fast",
        endpoint="chat.completions",
        streamed=False,
        started=time.monotonic() - 0.01,
        resolved_model=first.model_id,
        provider=first.provider,
        output_tokens=5,
        status=status,
    )


async def test_failed_completions_this_process_emits_move_fast_traffic() -> None:
    routing, _ = local()
    first = await routing.route(request("fast"))
    for _ in range(5):
        draft = completion(first, "error")
        routing.observe(draft, draft.to_proto())
    moved = await routing.route(request("fast"))
    assert moved.candidates[0].provider != first.candidates[0].provider or (
        moved.candidates[0].model_id != first.candidates[0].model_id
    )


async def test_a_cache_hit_or_a_rejection_teaches_nothing() -> None:
    routing, _ = local()
    first = await routing.route(request("fast"))
    for _ in range(5):
        draft = completion(first, "error")
        draft.cache_outcome = "exact"
        routing.observe(draft, draft.to_proto())
        rejected = completion(first, "error")
        rejected.provider = ""  # refused before any upstream call
        routing.observe(rejected, rejected.to_proto())
    assert (await routing.route(request("fast"))).candidates[0] == first.candidates[0]


async def test_the_latest_decision_here_is_kept_per_kind_of_request() -> None:
    routing, _ = local()
    assert routing.recent("chat.completions", "fast") is None  # nothing decided yet
    fast = await routing.route(request("fast"))
    embedding = await routing.route(request("auto", "embeddings"))
    await routing.route(request("auto"))  # decided by the router: kept by nobody here
    assert routing.recent("chat.completions", "fast") == fast
    assert routing.recent("embeddings", "auto") == embedding
    assert routing.recent("chat.completions", "max") is None
    assert routing.recent("chat.completions", "auto") is None
    assert RemoteRouting(FakeRouter()).recent("chat.completions", "fast") is None  # type: ignore[arg-type]
