"""Router process: read settings, load the pool, serve gRPC until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from tokaroo_common import lifecycle
from tokaroo_common.grpc_server import serving
from tokaroo_common.heap_watch import start_heap_watch
from tokaroo_common.lifecycle import frozen_startup_heap, shutdown_event
from tokaroo_common.logs import setup_logging
from tokaroo_common.observability import Observability
from tokaroo_proto.router.v1 import router_pb2, router_pb2_grpc

from tokaroo_router.config import RouterSettings
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.event_feed import health_handler, router_feed
from tokaroo_router.pool import (
    Pool,
    default_pool_path,
    load_pool,
    only_providers,
    with_local_model,
)
from tokaroo_router.pool_watch import PoolWatcher, start_pool_watch
from tokaroo_router.provider_health import Health, HealthConfig
from tokaroo_router.server import PoolHolder, RouterServicer
from tokaroo_router.session_feed import session_handler
from tokaroo_router.session_store import (
    FallbackSessionStore,
    MemorySessionStore,
    SessionBook,
    SessionStore,
    ValkeySessionStore,
)

SERVICE = router_pb2.DESCRIPTOR.services_by_name["RouterService"].full_name
log = logging.getLogger("tokaroo_router")


async def serve(settings: RouterSettings) -> None:
    base = load_pool(settings.pool_file or default_pool_path())

    def local(p: Pool) -> Pool:
        p = only_providers(p, settings.router_providers)
        return (
            with_local_model(p, settings.local_default_model) if settings.local_ai_base_url else p
        )

    holder = PoolHolder(local(base))
    stop = shutdown_event()
    watch = await start_pool_watch(PoolWatcher(holder, base, local), settings.nats_url, stop)
    pool = holder.current
    obs = Observability.start("router", settings)
    server = obs.grpc_server()
    store: SessionStore = MemorySessionStore()
    valkey = (
        Redis.from_url(settings.redis_url, socket_timeout=0.2, socket_connect_timeout=0.2)
        if settings.redis_url
        else None
    )
    if valkey is not None:
        store = FallbackSessionStore(ValkeySessionStore(valkey), MemorySessionStore())
    servicer = RouterServicer(
        holder,
        load_model(),
        Health(HealthConfig(half_life_s=settings.router_latency_half_life_s)),
        registry=obs.registry,
        sessions=SessionBook(store, enabled=settings.prompt_caching),
    )
    router_pb2_grpc.add_RouterServiceServicer_to_server(servicer, server)
    feed = asyncio.create_task(
        router_feed(
            settings.nats_url,
            [
                health_handler(
                    lambda: holder.current,
                    lambda o: servicer.observe(
                        o.provider, o.upstream_model, ok=o.ok, slowness=o.slowness
                    ),
                ),
                session_handler(servicer.sessions),
            ],
            stop,
        ),
        name="event-feed",
    )
    async with serving(
        server, [SERVICE], f"{settings.bind_host}:{settings.router_grpc_port}", grace_s=5
    ):
        log.info(
            "router serving",
            extra={"port": settings.router_grpc_port, "pool_version": pool.version},
        )
        heap = start_heap_watch(settings.router_tracemalloc_every_s)
        with frozen_startup_heap():  # startup is done
            await stop.wait()
        if heap is not None:
            heap.cancel()
    watch.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watch
    obs.close()
    if valkey is not None:
        await valkey.aclose()
    feed.cancel()  # it may still be waiting for NATS: never hold the shutdown for it
    with contextlib.suppress(asyncio.CancelledError):
        await feed


def main() -> None:
    settings = RouterSettings()
    setup_logging("router", settings.log_level)
    lifecycle.run(serve(settings))


if __name__ == "__main__":
    main()
