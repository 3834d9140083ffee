"""Cache process: read settings, connect Redis, serve gRPC until SIGTERM."""

from __future__ import annotations

import asyncio
import logging

import grpc
from redis.asyncio import Redis

from tokaroo_common.grpc_server import add_health_and_reflection, mark_not_serving, mark_serving
from tokaroo_common.lifecycle import shutdown_event
from tokaroo_common.logs import setup_logging
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc

from tokaroo_cache.config import CacheSettings
from tokaroo_cache.exact import ExactCache
from tokaroo_cache.server import CacheServicer

SERVICE = cache_pb2.DESCRIPTOR.services_by_name["CacheService"].full_name
log = logging.getLogger("tokaroo_cache")


async def serve(settings: CacheSettings) -> None:
    redis = Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5,
                           retry_on_timeout=False)
    exact = ExactCache(redis, max_entry_bytes=settings.cache_max_entry_bytes)
    server = grpc.aio.server()
    cache_pb2_grpc.add_CacheServiceServicer_to_server(
        CacheServicer(exact, settings.cache_ttl_seconds), server)
    health = add_health_and_reflection(server, [SERVICE])
    server.add_insecure_port(f"{settings.bind_host}:{settings.cache_grpc_port}")
    await server.start()
    await mark_serving(health, [SERVICE])
    log.info("cache serving", extra={"port": settings.cache_grpc_port})
    await shutdown_event().wait()
    await mark_not_serving(health, [SERVICE])
    await server.stop(grace=5)
    await redis.aclose()


def main() -> None:
    settings = CacheSettings()
    setup_logging("cache", settings.log_level)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
