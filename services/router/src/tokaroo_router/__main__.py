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
from tokaroo_router.event_feed import health_handler, router_feed
from tokaroo_router.live import start_decider
from tokaroo_router.server import RouterServicer
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
    stop = shutdown_event()
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
    sessions = SessionBook(store, enabled=settings.prompt_caching)
    live = await start_decider(
        settings,
        local_live=bool(settings.local_ai_base_url),
        nats_url=settings.nats_url,
        stop=stop,
        registry=obs.registry,
        sessions=sessions,
    )
    decider = live.decider
    pool = decider.pools.current
    router_pb2_grpc.add_RouterServiceServicer_to_server(RouterServicer(decider), server)
    feed = asyncio.create_task(
        router_feed(
            settings.nats_url,
            [
                health_handler(decider.learn),
                session_handler(sessions),
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
    await live.close()
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
