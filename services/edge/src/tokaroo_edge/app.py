"""The edge FastAPI app: wiring of routes, errors and the lifespan that builds clients."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry
from starlette.requests import Request
from starlette.responses import Response
from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.jetstream import connect
from tokaroo_common.lifecycle import frozen_startup_heap
from tokaroo_common.metrics import (
    HttpMetrics,
    HttpMetricsMiddleware,
    exposition,
    new_registry,
    scrape_registry,
)
from tokaroo_common.outbox import Outbox
from tokaroo_common.reservations import ReservationBook
from tokaroo_common.telemetry import grpc_client_interceptors, instrument_fastapi
from tokaroo_common.valkey import valkey_client
from tokaroo_common.valkey_pipe import Endpoint, ValkeyPipe
from tokaroo_router import LiveDecider, start_decider

from tokaroo_edge import errors
from tokaroo_edge.answer_cache import AnswerCache
from tokaroo_edge.auth import Authenticator
from tokaroo_edge.authguard import AuthFailureGuard, SharedFailureCount
from tokaroo_edge.completion import Completer
from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.embeddings import EmbeddingPipeline
from tokaroo_edge.events import EventObserver, Observers
from tokaroo_edge.holds import Holds
from tokaroo_edge.hot_routes import plain_routes, serve_first
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.metrics import BreakerCollector, CompletionMetrics, OutboxCollector
from tokaroo_edge.providers.registry import build_providers
from tokaroo_edge.ratelimit import RateLimiter
from tokaroo_edge.request_id import RequestIdMiddleware
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.routes import (
    account,
    chat,
    console,
    credits,
    embeddings,
    health,
    messages,
    models,
    responses,
)
from tokaroo_edge.routing import LocalRouting, RemoteRouting, Routing
from tokaroo_edge.state import EdgeState
from tokaroo_edge.tokens import load_encoder

log = logging.getLogger(__name__)


def load_anyio_backend() -> None:
    """Starlette streams every response inside an anyio task group, and anyio imports its
    asyncio backend when first used: tens of milliseconds, once per process. httpx used to pay
    that on the first upstream call; now the first streamed answer after a start would, so the
    lifespan pays it before the edge is ready instead. Needs the running event loop."""
    anyio.get_cancelled_exc_class()


VALKEY_TIMEOUT_S = 0.5  # each Valkey call (a slow Valkey slows every request anyway)
HOLD_BACKOFF_CAP_S = 0.4  # see EdgeSettings.hold_valkey_retries
_UNTRACED: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: EdgeSettings, tracer_provider: TracerProvider | None = None) -> FastAPI:
    # This process's collectors read at scrape time (process, tasks, breakers, outbox), and
    # its counters and histograms; with several edge workers (tokaroo_edge.workers) /metrics
    # sums the latter over all of them.
    registry = new_registry()
    values = CollectorRegistry()
    scrape = scrape_registry(registry, values, settings.metrics_multiproc_dir)
    completion_metrics = CompletionMetrics(values)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        load_anyio_backend()
        clients = InternalClients.connect(
            settings.router_addr,
            settings.cache_addr,
            settings.ledger_addr,
            interceptors=grpc_client_interceptors(tracer_provider),
        )
        nc = await connect(settings.nats_url, "tokaroo-edge")
        outbox = Outbox(
            nc,
            capacity=settings.outbox_capacity,
            spill_path=settings.outbox_spill_path,
            journal_dir=settings.outbox_journal_dir,
        )
        outbox.start()
        providers = build_providers(settings, tracer_provider)
        redis = (
            valkey_client(settings.redis_url, timeout_s=VALKEY_TIMEOUT_S)
            if settings.redis_url
            else None
        )
        # The request's own Valkey commands (hold and read, exact read and store, rate
        # limits) on one multiplexed connection; the rest, and TLS, on redis-py
        # (tokaroo_common.valkey_pipe).
        pipe = (
            ValkeyPipe(settings.redis_url, timeout_s=VALKEY_TIMEOUT_S)
            if settings.redis_url and Endpoint.supported(settings.redis_url)
            else None
        )
        exact = (
            ExactCache(
                redis,
                max_entry_bytes=settings.cache_max_entry_bytes,
                max_entries_per_tenant=settings.cache_max_entries_per_tenant,
                pipe=pipe,
            )
            if redis is not None
            else None
        )
        completer = Completer(
            providers=providers,
            encoder=load_encoder(),
            first_token_timeout_s=settings.first_token_timeout_s,
            answers=AnswerCache(clients.cache, exact, settings.cache_ttl_seconds),
        )
        stop_routing = asyncio.Event()
        routing: Routing = RemoteRouting(clients.router)
        observer: EventObserver = completion_metrics
        live: LiveDecider | None = None
        if settings.edge_local_routing:
            live = await start_decider(
                settings,
                local_live=bool(settings.local_ai_base_url),
                nats_url=settings.nats_url,
                stop=stop_routing,
                registry=values,
            )
            local = LocalRouting(live.decider, routing)
            routing, observer = local, Observers((completion_metrics, local))
        breakers = BreakerCollector(completer.breakers)
        registry.register(breakers)
        queued = OutboxCollector(outbox)
        registry.register(queued)
        state = EdgeState(
            settings=settings,
            clients=clients,
            auth=Authenticator(clients.ledger, settings.auth_cache_ttl_s),
            completer=completer,
            outbox=outbox,
            metrics=observer,
            holds=Holds(None, clients.ledger),
            routing=routing,
            embeddings=EmbeddingPipeline(
                routing, providers, completer.encoder, backlog=outbox, breakers=completer.breakers
            ),
        )
        state.limiter = RateLimiter(redis, pipe) if redis is not None else None
        holds_redis = (
            valkey_client(
                settings.redis_url,
                timeout_s=VALKEY_TIMEOUT_S,
                retries=settings.hold_valkey_retries,
                backoff_cap_s=HOLD_BACKOFF_CAP_S,
            )
            if settings.redis_url
            else None
        )
        if holds_redis is not None:
            state.holds = Holds(ReservationBook(holds_redis, pipe), clients.ledger)
        state.auth_guard = AuthFailureGuard(limit=settings.auth_failures_per_minute)
        if redis is not None:
            state.auth_failures_shared = SharedFailureCount(redis)
        app.state.edge = state
        try:
            with frozen_startup_heap():
                yield
        finally:
            state.draining = True
            stop_routing.set()
            if live is not None:
                await live.close()
            await outbox.close(timeout_s=settings.shutdown_grace_s)
            await asyncio.gather(*(p.aclose() for p in providers.values()))
            try:
                await nc.drain()
            except Exception as exc:  # NATS may already be gone when the whole stack stops
                log.warning("NATS drain failed at shutdown", extra={"error": repr(exc)})
            await clients.close()
            if redis is not None:
                await redis.aclose()
            if holds_redis is not None:
                await holds_redis.aclose()
            if pipe is not None:
                await pipe.aclose()
            registry.unregister(breakers)
            registry.unregister(queued)

    app = FastAPI(
        title="Tokaroo",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=JsonResponse,
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry would look up three global providers (and the
        # environment) on every request to find them unconfigured: the edge traces through
        # `instrument_fastapi` when tracing is on, and untraced it asks nothing.
        telemetry=None if tracer_provider is not None else _UNTRACED,
    )
    errors.install(app)
    modules = (chat, messages, responses, embeddings, models, account, credits, console, health)
    for module in modules:
        app.include_router(module.router)
    hot = (
        chat.chat_completions,
        messages.messages,
        responses.create_response,
        embeddings.embeddings,
    )
    serve_first(app, plain_routes((m.router for m in modules), hot))
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(values))

    async def metrics(_: Request) -> Response:
        body, content_type = exposition(scrape)
        return Response(body, media_type=content_type)

    app.add_route("/metrics", metrics, include_in_schema=False)
    instrument_fastapi(app, tracer_provider)
    return app
