"""Session-aware routing: warm prefixes steer `auto`, a better-tier need or a failing model
moves the session, and sessions never cross tenants."""

from __future__ import annotations

from tokaroo_common.turns import user_says
from tokaroo_proto.router.v1 import router_pb2
from tokaroo_router.decide import Decider, PoolHolder
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import default_pool_path, load_pool
from tokaroo_router.provider_health import Health
from tokaroo_router.selection import Need, select, session_cost
from tokaroo_router.server import RouterServicer
from tokaroo_router.session_store import MemorySessionStore, SessionBook

POOL = load_pool(default_pool_path())


def need(tier: str, tokens: int = 20_000) -> Need:
    return Need(
        mode="auto",
        kind="chat",
        input_tokens=tokens,
        max_output_tokens=0,
        tools=True,
        vision=False,
        json_schema=False,
        tier=tier,
    )


def first(tier: str, warm: dict[str, int] | None, health: Health | None = None) -> str:
    return select(POOL, need(tier), health, 0.0, warm=warm).choices[0].model.id


def test_a_warm_model_keeps_the_session() -> None:
    assert first("complex", {}) == "gemini-2.5-pro"
    assert first("complex", {"claude-sonnet-4-6": 20_000}) == "claude-sonnet-4-6"


def test_the_cost_of_losing_the_cache_is_in_the_choice() -> None:
    sonnet = POOL.by_id["claude-sonnet-4-6"]
    warm, cold = (
        session_cost(sonnet, need("complex"), 20_000),
        session_cost(sonnet, need("complex"), 0),
    )
    assert warm < cold
    assert cold > 20_000 * sonnet.input_nano  # a cold prompt is written at 1.25x


def test_a_turn_that_needs_a_better_model_leaves_the_warm_one() -> None:
    assert POOL.by_id["gpt-4.1-nano"].quality["complex"] < POOL.quality_bar["complex"]
    assert first("complex", {"gpt-4.1-nano": 20_000}) != "gpt-4.1-nano"


def test_a_failing_warm_model_moves_the_session() -> None:
    health = Health()
    for _ in range(5):
        health.observe("anthropic", "claude-sonnet-4-6", ok=False, now=0.0)
    assert first("complex", {"claude-sonnet-4-6": 20_000}, health) != "claude-sonnet-4-6"


def servicer() -> RouterServicer:
    return RouterServicer(
        Decider(
            PoolHolder(POOL),
            load_model(),
            clock=lambda: 0.0,
            sessions=SessionBook(MemorySessionStore(), wall_clock=lambda: 100.0),
        )
    )


def turn(tenant: str, hint: str = "") -> router_pb2.RouteRequest:
    return router_pb2.RouteRequest(
        tenant_id=tenant,
        model="auto",
        input_tokens=20_000,
        needs_tools=True,
        conversation=user_says("Refactor the parser module and keep its tests passing."),
        endpoint="chat.completions",
        session_hint=hint,
        tools_digest="t",
    )


async def test_second_turn_is_warm_on_the_same_model() -> None:
    s = servicer()
    one = await s.Route(turn("t1"), None)  # type: ignore[arg-type]
    two = await s.Route(turn("t1"), None)  # type: ignore[arg-type]
    assert not one.session_warm and one.session_id
    assert two.session_warm and two.expected_cached_tokens == 20_000
    assert two.candidates[0].model_id == one.candidates[0].model_id


async def test_a_session_never_crosses_tenants() -> None:
    s = servicer()
    for hint in ("", "shared-session-id"):
        a = await s.Route(turn("tenant-a", hint), None)  # type: ignore[arg-type]
        b = await s.Route(turn("tenant-b", hint), None)  # type: ignore[arg-type]
        assert a.session_id != b.session_id and not b.session_warm


async def test_a_failed_model_moves_the_session_and_the_next_turn_is_warm_there() -> None:
    s = servicer()
    one = await s.Route(turn("t1"), None)  # type: ignore[arg-type]
    top = one.candidates[0]
    for _ in range(5):
        s.observe(top.provider, top.upstream_model, ok=False)
    moved = await s.Route(turn("t1"), None)  # type: ignore[arg-type]
    assert moved.candidates[0].model_id != top.model_id and not moved.session_warm
    after = await s.Route(turn("t1"), None)  # type: ignore[arg-type]
    assert after.candidates[0].model_id == moved.candidates[0].model_id and after.session_warm


async def test_candidates_carry_cache_prices() -> None:
    s = servicer()
    d = await s.Route(turn("t1"), None)  # type: ignore[arg-type]
    for c in d.candidates:
        assert 0 < c.cached_input_nano_per_token < c.input_nano_per_token
        if c.provider == "anthropic":
            assert c.cache_write_nano_per_token == c.input_nano_per_token * 125 // 100
