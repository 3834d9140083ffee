"""Semantic cache entries in PostgreSQL + pgvector (HNSW, cosine). Every statement filters by
tenant_id: there is no query that can return another tenant's row. Any database failure
degrades to a miss or a skipped store (logged), never an error for the caller."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg  # type: ignore[import-untyped]
import numpy as np
from pgvector.asyncpg import register_vector
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_cache.embed import Vectors

log = logging.getLogger(__name__)
DB_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)

_SEARCH = """
SELECT id, conversation, last_embedding, context_embedding, response_json
FROM cache_semantic_entries
WHERE tenant_id = $1 AND model = $2 AND shape_digest = $3
  AND ($4 = 0 OR completion_tokens <= $4) AND expires_at > now()
ORDER BY embedding <=> $5
LIMIT $6
"""
_INSERT = """
INSERT INTO cache_semantic_entries (tenant_id, model, exact_key, shape_digest,
    completion_tokens, conversation, embedding, last_embedding, context_embedding,
    response_json, size_bytes, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (tenant_id, exact_key) DO UPDATE SET model = EXCLUDED.model,
    shape_digest = EXCLUDED.shape_digest, completion_tokens = EXCLUDED.completion_tokens,
    conversation = EXCLUDED.conversation, embedding = EXCLUDED.embedding,
    last_embedding = EXCLUDED.last_embedding, context_embedding = EXCLUDED.context_embedding,
    response_json = EXCLUDED.response_json, size_bytes = EXCLUDED.size_bytes,
    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
"""
_EVICT = """
DELETE FROM cache_semantic_entries WHERE tenant_id = $1 AND (expires_at <= now() OR id IN (
    SELECT id FROM cache_semantic_entries WHERE tenant_id = $1
    ORDER BY created_at DESC OFFSET $2))
"""


@dataclass(frozen=True)
class Candidate:
    conversation: cpb.Conversation
    last_embedding: Vectors
    context_embedding: Vectors | None
    response_json: bytes


@dataclass(frozen=True)
class NewEntry:
    tenant_id: str
    model: str
    exact_key: str
    shape_digest: str
    completion_tokens: int
    conversation: cpb.Conversation
    key_embedding: Vectors
    last_embedding: Vectors
    context_embedding: Vectors | None
    response_json: bytes
    ttl_s: int


def _array(value: object) -> Vectors:
    """pgvector's codec gives `Vector` objects (older versions: numpy arrays)."""
    to_numpy = getattr(value, "to_numpy", None)
    return np.asarray(to_numpy() if to_numpy else value, dtype=np.float32)


async def _init_connection(conn: asyncpg.Connection) -> None:
    await register_vector(conn)


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 8, ef_search: int = 64
) -> asyncpg.Pool:
    """A pool whose sessions search HNSW with iterative scans, so a tenant filter still
    finds that tenant's nearest rows when they are a small share of the index."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        timeout=2.0,
        command_timeout=2.0,
        server_settings={"hnsw.iterative_scan": "relaxed_order", "hnsw.ef_search": str(ef_search)},
    )


class SemanticStore:
    def __init__(
        self, pool: asyncpg.Pool, *, max_entries_per_tenant: int, candidates: int = 5
    ) -> None:
        self._pool = pool
        self._max_entries = max_entries_per_tenant
        self._k = candidates

    async def search(
        self, tenant_id: str, model: str, shape: cpb.AnswerShape, key: Vectors
    ) -> list[Candidate]:
        """The nearest entries with the same answer shape whose answers fit its limit."""
        try:
            rows = await self._pool.fetch(
                _SEARCH,
                tenant_id,
                model,
                shape.digest,
                shape.max_output_tokens,
                np.asarray(key, np.float32),
                self._k,
            )
        except DB_ERRORS as exc:
            log.warning(
                "semantic lookup failed; treating as miss",
                extra={"error": repr(exc), "tenant_id": tenant_id},
            )
            return []
        return [
            Candidate(
                cpb.Conversation.FromString(bytes(r["conversation"])),
                _array(r["last_embedding"]),
                None if r["context_embedding"] is None else _array(r["context_embedding"]),
                bytes(r["response_json"]),
            )
            for r in rows
        ]

    async def put(self, entry: NewEntry) -> bool:
        now = datetime.now(UTC)
        ctx = (
            None
            if entry.context_embedding is None
            else np.asarray(entry.context_embedding, np.float32)
        )
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    _INSERT,
                    entry.tenant_id,
                    entry.model,
                    entry.exact_key,
                    entry.shape_digest,
                    entry.completion_tokens,
                    entry.conversation.SerializeToString(),
                    np.asarray(entry.key_embedding, np.float32),
                    np.asarray(entry.last_embedding, np.float32),
                    ctx,
                    entry.response_json,
                    len(entry.response_json),
                    now,
                    now + timedelta(seconds=entry.ttl_s),
                )
                await conn.execute(_EVICT, entry.tenant_id, self._max_entries)
        except DB_ERRORS as exc:
            log.warning(
                "semantic store failed; skipped",
                extra={"error": repr(exc), "tenant_id": entry.tenant_id},
            )
            return False
        return True

    async def invalidate(self, tenant_id: str, older_than: datetime | None = None) -> int:
        """Delete the tenant's entries (created before `older_than`, if given)."""
        status: str = await self._pool.execute(
            "DELETE FROM cache_semantic_entries WHERE tenant_id = $1 "
            "AND ($2::timestamptz IS NULL OR created_at < $2)",
            tenant_id,
            older_than,
        )
        return int(status.rsplit(" ", 1)[-1])
