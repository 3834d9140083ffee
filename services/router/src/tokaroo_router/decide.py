"""One routing decision: a `RouteRequest` in, a `RouteDecision` out. The router's gRPC
servicer and the edge's in-process routing (`tokaroo_edge.routing`) both decide with this.

Every decision is explainable internally, never to users: a Prometheus counter
`tokaroo_router_decisions_total{mode, tier, reason}` (reason = the request's main category, or
`chat`) and a DEBUG log line per request with the score's parts (learned, category prior,
conversation prior), the categories and the first candidate; no prompt text.

`auto` chat requests are routed session-aware when the decider has a `SessionBook` (see
`sessions`): the request's session is looked up (per tenant), its warm models steer the
choice, and the first candidate is recorded as the model that will hold the session's prefix
for the next turn. Every other request needs nothing but the pool, the difficulty model and
the provider health, so it is decided synchronously (`decide_now`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter
from tokaroo_common.pricing import cache_prices
from tokaroo_proto.events.v1 import events_pb2
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_router.difficulty import explain, request_features, tier_of
from tokaroo_router.difficulty_model import DifficultyModel
from tokaroo_router.event_feed import observation
from tokaroo_router.pool import Pool
from tokaroo_router.provider_health import Health
from tokaroo_router.selection import Decision, Need, select
from tokaroo_router.session_store import SessionBook
from tokaroo_router.sessions import Session, session_key

log = logging.getLogger(__name__)
MODES = ("auto", "fast", "max")


class PoolHolder:
    """The current pool; replaced atomically (one reference swap) on updates."""

    def __init__(self, pool: Pool) -> None:
        self.current = pool


def uses_session(request: router_pb2.RouteRequest) -> bool:
    """Whether a request's route depends on its agent session (`auto` chat). Pure."""
    return request.endpoint != "embeddings" and request.model == "auto"


class Decider:
    """Routes requests on the current pool. `health` is fed by `observe` (completion outcomes)
    and steers selection away from failing and slow providers; `sessions` (None: no session
    routing) keeps `auto` conversations on the model that holds their warm prompt prefix.
    Raises `TokarooError` when nothing in the pool can serve a request."""

    def __init__(
        self,
        pools: PoolHolder,
        model: DifficultyModel,
        health: Health | None = None,
        clock: Callable[[], float] = time.monotonic,
        registry: CollectorRegistry | None = None,
        sessions: SessionBook | None = None,
    ) -> None:
        self.pools = pools
        self.model = model
        self.health = health or Health()
        self.sessions = sessions
        self._clock = clock
        self.decisions = Counter(
            "tokaroo_router_decisions",
            "Routing decisions by mode, tier and main reason (category)",
            ["mode", "tier", "reason"],
            registry=registry or CollectorRegistry(),
        )

    def observe(
        self, provider: str, model: str, *, ok: bool, slowness: float | None = None
    ) -> None:
        """One completion's outcome for a (provider, upstream model) deployment."""
        self.health.observe(provider, model, ok=ok, now=self._clock(), slowness=slowness)

    def learn(self, event: events_pb2.CompletionEvent) -> None:
        """What a completion event says about its deployment's health (nothing for a cache
        hit or a request that reached no provider)."""
        seen = observation(event, self.pools.current)
        if seen is not None:
            self.observe(seen.provider, seen.upstream_model, ok=seen.ok, slowness=seen.slowness)

    async def decide(self, request: router_pb2.RouteRequest) -> router_pb2.RouteDecision:
        """The decision, session-aware for `auto` chat when this decider keeps sessions."""
        if self.sessions is None or not uses_session(request):
            return self.decide_now(request)
        session = await self.sessions.find(
            session_key(
                request.tenant_id,
                request.session_hint,
                request.conversation,
                request.tools_digest,
            )
        )
        if session is None:
            return self.decide_now(request)
        warm = session.warm_tokens(self.sessions.now())
        pool = self.pools.current
        decision, difficulty = self._select(pool, request, warm)
        expected_cached = 0
        if decision.choices:
            first = decision.choices[0].model.id
            expected_cached = min(warm.get(first, 0), request.input_tokens)
            await self.sessions.routed(session, first, request.input_tokens, request.request_id)
        return to_proto(pool, decision, difficulty, session, expected_cached)

    def decide_now(self, request: router_pb2.RouteRequest) -> router_pb2.RouteDecision:
        """The decision without a session."""
        pool = self.pools.current
        decision, difficulty = self._select(pool, request, None)
        return to_proto(pool, decision, difficulty, None, 0)

    def _select(
        self, pool: Pool, request: router_pb2.RouteRequest, warm: dict[str, int] | None
    ) -> tuple[Decision, float]:
        kind = "embedding" if request.endpoint == "embeddings" else "chat"
        why = explain(self.model, request_features(request))
        tier = "instant" if kind == "embedding" else tier_of(why.score, self.model)
        need = Need(
            mode=request.model,
            kind=kind,
            input_tokens=request.input_tokens,
            max_output_tokens=request.max_output_tokens,
            tools=request.needs_tools,
            vision=request.needs_vision,
            json_schema=request.needs_json_schema,
            tier=tier,
        )
        decision = select(pool, need, self.health, self._clock(), warm=warm)
        mode = request.model if request.model in MODES else "model"
        reason = "embedding" if kind == "embedding" else why.reason
        self.decisions.labels(mode, decision.tier, reason).inc()
        if log.isEnabledFor(logging.DEBUG):
            first = decision.choices[0] if decision.choices else None
            log.debug(
                "route",
                extra={
                    "request_id": request.request_id,
                    "tenant_id": request.tenant_id,
                    "mode": request.model,
                    "tier": decision.tier,
                    "difficulty": round(why.score, 4),
                    "learned": round(why.learned, 4),
                    "category_prior": round(why.category_prior, 4),
                    "conversation_prior": round(why.conversation_prior, 4),
                    "categories": list(why.categories),
                    "model": first.model.id if first else None,
                    "provider": first.provider if first else None,
                },
            )
        return decision, why.score


def to_proto(
    pool: Pool,
    decision: Decision,
    difficulty: float,
    session: Session | None,
    expected_cached: int,
) -> router_pb2.RouteDecision:
    """The decision as the edge reads it: candidates with their prices. Pure."""
    candidates = []
    for c in decision.choices:
        m = c.model
        prices = cache_prices(c.provider, m.input_nano, m.cached_input_nano, m.cache_write_nano)
        candidates.append(
            router_pb2.Candidate(
                model_id=m.id,
                provider=c.provider,
                upstream_model=c.upstream_model,
                input_nano_per_token=m.input_nano,
                output_nano_per_token=m.output_nano,
                cached_input_nano_per_token=prices.read_nano_per_token,
                cache_write_nano_per_token=prices.write_nano_per_token,
                local=m.local,
            )
        )
    base = decision.baseline
    return router_pb2.RouteDecision(
        tier=decision.tier,
        candidates=candidates,
        baseline_input_nano_per_token=base.input_nano,
        baseline_output_nano_per_token=base.output_nano,
        cache_policy=decision.cache_policy,
        difficulty=difficulty,
        pool_version=pool.version,
        session_id=session.key[:32] if session else "",
        session_warm=expected_cached > 0,
        expected_cached_tokens=expected_cached,
    )
