"""The gRPC RouterService: thin translation between protobuf and the pure selection logic.

Every decision is explainable internally, never to users: a Prometheus counter
`tokaroo_router_decisions_total{mode, tier, reason}` (reason = the request's main category, or
`chat`) and a DEBUG log line per request with the score's parts (learned, category prior,
conversation prior), the categories and the first candidate; no prompt text.

`auto` chat requests are routed session-aware (see `sessions`): the request's session is
looked up (per tenant), its warm models steer the choice, and the first candidate is
recorded as the model that will hold the session's prefix for the next turn.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter
from tokaroo_common.errors import TokarooError, abort_grpc
from tokaroo_common.pricing import cache_prices
from tokaroo_proto.router.v1 import router_pb2, router_pb2_grpc

from tokaroo_router.difficulty import explain, request_features, tier_of
from tokaroo_router.difficulty_model import DifficultyModel
from tokaroo_router.pool import Pool
from tokaroo_router.provider_health import Health
from tokaroo_router.selection import Need, select
from tokaroo_router.session_store import MemorySessionStore, SessionBook
from tokaroo_router.sessions import session_key

log = logging.getLogger(__name__)
MODES = ("auto", "fast", "max")


class PoolHolder:
    """The current pool; replaced atomically (one reference swap) on updates."""

    def __init__(self, pool: Pool) -> None:
        self.current = pool


class RouterServicer(router_pb2_grpc.RouterServiceServicer):
    """`model` is the trained difficulty model (loaded once at startup); `health` is fed by
    `observe` (e.g. from completion events) and steers selection away from failing providers."""

    def __init__(
        self,
        pools: PoolHolder,
        model: DifficultyModel,
        health: Health | None = None,
        clock: Callable[[], float] = time.monotonic,
        registry: CollectorRegistry | None = None,
        sessions: SessionBook | None = None,
    ) -> None:
        self._pools = pools
        self.sessions = sessions or SessionBook(MemorySessionStore())
        self._model = model
        self.health = health or Health()
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

    async def Route(
        self, request: router_pb2.RouteRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> router_pb2.RouteDecision:
        pool = self._pools.current
        kind = "embedding" if request.endpoint == "embeddings" else "chat"
        why = explain(self._model, request_features(request))
        difficulty = why.score
        tier = "instant" if kind == "embedding" else tier_of(difficulty, self._model)
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
        session = (
            await self.sessions.find(
                session_key(
                    request.tenant_id,
                    request.session_hint,
                    request.conversation,
                    request.tools_digest,
                )
            )
            if kind == "chat" and request.model == "auto"
            else None
        )
        warm = session.warm_tokens(self.sessions.now()) if session is not None else None
        try:
            decision = select(pool, need, self.health, self._clock(), warm=warm)
        except TokarooError as exc:
            await abort_grpc(context, exc)
        expected_cached = 0
        if session is not None and decision.choices:
            expected_cached = min(
                (warm or {}).get(decision.choices[0].model.id, 0), request.input_tokens
            )
            await self.sessions.routed(
                session, decision.choices[0].model.id, request.input_tokens, request.request_id
            )
        base = decision.baseline
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
                    "difficulty": round(difficulty, 4),
                    "learned": round(why.learned, 4),
                    "category_prior": round(why.category_prior, 4),
                    "conversation_prior": round(why.conversation_prior, 4),
                    "categories": list(why.categories),
                    "model": first.model.id if first else None,
                    "provider": first.provider if first else None,
                },
            )
        return router_pb2.RouteDecision(
            tier=decision.tier,
            candidates=[
                router_pb2.Candidate(
                    model_id=c.model.id,
                    provider=c.provider,
                    upstream_model=c.upstream_model,
                    input_nano_per_token=c.model.input_nano,
                    output_nano_per_token=c.model.output_nano,
                    cached_input_nano_per_token=prices.read_nano_per_token,
                    cache_write_nano_per_token=prices.write_nano_per_token,
                    local=c.model.local,
                )
                for c, prices in (
                    (
                        c,
                        cache_prices(
                            c.provider,
                            c.model.input_nano,
                            c.model.cached_input_nano,
                            c.model.cache_write_nano,
                        ),
                    )
                    for c in decision.choices
                )
            ],
            baseline_input_nano_per_token=base.input_nano,
            baseline_output_nano_per_token=base.output_nano,
            cache_policy=decision.cache_policy,
            difficulty=difficulty,
            pool_version=pool.version,
            session_id=session.key[:32] if session else "",
            session_warm=expected_cached > 0,
            expected_cached_tokens=expected_cached,
        )

    async def ListModels(
        self, request: router_pb2.ListModelsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> router_pb2.ListModelsResponse:
        pool = self._pools.current
        return router_pb2.ListModelsResponse(
            models=[
                router_pb2.PublicModel(
                    id=m.id,
                    owned_by=m.owned_by,
                    created=m.created,
                    input_usd_per_1m=str(m.input_per_1m),
                    output_usd_per_1m=str(m.output_per_1m),
                )
                for m in pool.models
                if m.providers
            ]
        )  # none: its provider is not configured
