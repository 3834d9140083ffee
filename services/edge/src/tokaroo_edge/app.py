"""The edge FastAPI app: wiring of routes, errors and the lifespan that builds clients."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis
from tokaroo_common.jetstream import connect
from tokaroo_common.outbox import Outbox

from tokaroo_edge import errors
from tokaroo_edge.auth import Authenticator
from tokaroo_edge.authguard import AuthFailureGuard
from tokaroo_edge.completion import Pipeline
from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.embeddings import EmbeddingPipeline
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.providers.registry import build_providers
from tokaroo_edge.ratelimit import RateLimiter
from tokaroo_edge.request_id import RequestIdMiddleware
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.routes import account, chat, embeddings, health, models
from tokaroo_edge.state import EdgeState
from tokaroo_edge.tokens import load_encoder

log = logging.getLogger(__name__)


def create_app(settings: EdgeSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clients = InternalClients.connect(settings.router_addr, settings.cache_addr,
                                          settings.ledger_addr)
        nc = await connect(settings.nats_url, "tokaroo-edge")
        outbox = Outbox(nc, capacity=settings.outbox_capacity,
                        spill_path=settings.outbox_spill_path)
        outbox.start()
        providers = build_providers(settings)
        pipeline = Pipeline(clients=clients, providers=providers, encoder=load_encoder(),
                            outbox=outbox, first_token_timeout_s=settings.first_token_timeout_s,
                            cache_ttl_s=settings.cache_ttl_s)
        state = EdgeState(settings=settings, clients=clients,
                          auth=Authenticator(clients.ledger, settings.auth_cache_ttl_s),
                          pipeline=pipeline, outbox=outbox,
                          embeddings=EmbeddingPipeline(clients, providers, pipeline.encoder,
                                                       outbox))
        redis = Redis.from_url(settings.redis_url, socket_timeout=0.5,
                               socket_connect_timeout=0.5) if settings.redis_url else None
        state.limiter = RateLimiter(redis) if redis is not None else None
        state.auth_guard = AuthFailureGuard(limit=settings.auth_failures_per_minute)
        app.state.edge = state
        try:
            yield
        finally:
            state.draining = True
            await outbox.close(timeout_s=settings.shutdown_grace_s)
            await asyncio.gather(*(p.aclose() for p in providers.values()))
            try:
                await nc.drain()
            except Exception as exc:  # NATS may already be gone when the whole stack stops
                log.warning("NATS drain failed at shutdown", extra={"error": repr(exc)})
            await clients.close()
            if redis is not None:
                await redis.aclose()

    app = FastAPI(title="Tokaroo", version="0.1.0", lifespan=lifespan,
                  default_response_class=JsonResponse, docs_url=None, redoc_url=None)
    errors.install(app)
    for module in (chat, embeddings, models, account, health):
        app.include_router(module.router)
    app.add_middleware(RequestIdMiddleware)
    return app
