from tokaroo_common.turns import user_says
from tokaroo_proto.router.v1 import router_pb2
from tokaroo_router.decide import Decider, PoolHolder
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import default_pool_path, load_pool
from tokaroo_router.server import RouterServicer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_route_uses_model_and_health() -> None:
    clock = Clock()
    servicer = RouterServicer(
        Decider(PoolHolder(load_pool(default_pool_path())), load_model(), clock=clock)
    )
    req = router_pb2.RouteRequest(
        model="auto", input_tokens=20, conversation=user_says("hello"), endpoint="chat.completions"
    )
    first = await servicer.Route(req, None)  # type: ignore[arg-type]
    assert 0.0 <= first.difficulty <= 1.0 and first.tier in ("instant", "standard", "complex")
    top = first.candidates[0]
    for _ in range(5):
        servicer.observe(top.provider, top.upstream_model, ok=False)
    second = await servicer.Route(req, None)  # type: ignore[arg-type]
    assert (second.candidates[0].provider, second.candidates[0].upstream_model) != (
        top.provider,
        top.upstream_model,
    )
    clock.now += 60
    third = await servicer.Route(req, None)  # type: ignore[arg-type]
    assert third.candidates[0].model_id == top.model_id


async def test_decisions_are_counted_with_tier_and_reason_not_text() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    servicer = RouterServicer(
        Decider(PoolHolder(load_pool(default_pool_path())), load_model(), registry=registry)
    )
    secret = "Implement a lock-free ring buffer in Rust and prove it is race free"
    req = router_pb2.RouteRequest(
        model="auto", input_tokens=30, endpoint="chat.completions", conversation=user_says(secret)
    )
    decision = await servicer.Route(req, None)  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    assert (
        f'tokaroo_router_decisions_total{{mode="auto",reason="code",tier="{decision.tier}"}} 1.0'
    ) in text
    assert "ring buffer" not in text
