"""Cache policy: exact first (Valkey, tokaroo_common.exact_cache), then semantic (pgvector +
guards) for policy `full`. A store writes both (semantic only for `full`, for conversations
ending in the user's words and complete text answers; see tokaroo_common.policy). A caller that
read or wrote the exact layer itself (the edge) asks for the semantic part only. A failing
store or embedder gives a miss or a skipped store, never an error."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.policy import semantic_answer, semantic_request
from tokaroo_proto.cache.v1 import cache_pb2 as cpb_cache
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_cache.decide import DEFAULT_THRESHOLDS, Request, Thresholds, judge
from tokaroo_cache.embed import Embedder, Vectors
from tokaroo_cache.semantic import DB_ERRORS, NewEntry, SemanticStore

log = logging.getLogger(__name__)
MAX_CONTEXT_EMBED_CHARS = 2000  # the model reads 512 tokens; keep the most recent context


@dataclass(frozen=True)
class Outcome:
    hit: bool
    outcome: str  # miss | exact | semantic
    body: bytes = b""
    similarity: float = 0.0


MISS = Outcome(False, "miss")


def key_vector(last: Vectors, context: Vectors | None) -> Vectors:
    """Search key: the last message, pulled toward the conversation before it."""
    if context is None:
        return last
    v = last + context
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


class CachePolicy:
    def __init__(
        self,
        exact: ExactCache,
        semantic: SemanticStore | None,
        embedder: Embedder | None,
        *,
        default_ttl_s: int,
        max_entry_bytes: int,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self._exact = exact
        self._semantic = semantic if embedder is not None else None
        self._embedder = embedder
        self._ttl = default_ttl_s
        self._max_bytes = max_entry_bytes
        self._thresholds = thresholds

    def _semantic_on(self, policy: str, conv: cpb.Conversation, shape: cpb.AnswerShape) -> bool:
        return self._semantic is not None and semantic_request(policy, conv, shape)

    async def _vectors(self, req: Request) -> tuple[Vectors, Vectors | None] | None:
        assert self._embedder is not None
        texts = [req.last] + ([req.context[-MAX_CONTEXT_EMBED_CHARS:]] if req.context else [])
        try:
            rows = await self._embedder.embed(texts)
        except Exception as exc:  # noqa: BLE001 - any embedder failure is a miss
            log.warning("embedding failed; semantic cache skipped", extra={"error": repr(exc)})
            return None
        return rows[0], (rows[1] if req.context else None)

    async def lookup(
        self,
        tenant_id: str,
        exact_key: str,
        policy: str,
        model: str,
        conv: cpb.Conversation,
        shape: cpb.AnswerShape,
        *,
        semantic_only: bool = False,
    ) -> Outcome:
        if policy not in ("full", "exact") or not tenant_id:
            return MISS
        if exact_key and not semantic_only:
            body = await self._exact.get(tenant_id, exact_key)
            if body is not None:
                return Outcome(True, "exact", body, 1.0)
        if not self._semantic_on(policy, conv, shape):
            return MISS
        return await self._semantic_lookup(tenant_id, model, conv, shape)

    async def _semantic_lookup(
        self, tenant_id: str, model: str, conv: cpb.Conversation, shape: cpb.AnswerShape
    ) -> Outcome:
        assert self._semantic is not None
        req = Request.from_conversation(conv)
        if not req.last:
            return MISS
        vectors = await self._vectors(req)
        if vectors is None:
            return MISS
        last, context = vectors
        best: Outcome = MISS
        for cand in await self._semantic.search(tenant_id, model, shape, key_vector(last, context)):
            cached = Request.from_conversation(cand.conversation)
            ctx_sim = (
                float(cand.context_embedding @ context)
                if cand.context_embedding is not None and context is not None
                else None
            )
            verdict = judge(
                cached, req, float(cand.last_embedding @ last), ctx_sim, self._thresholds
            )
            if verdict.serve and verdict.similarity > best.similarity:
                best = Outcome(True, "semantic", cand.response_json, verdict.similarity)
        return best

    async def store(
        self,
        tenant_id: str,
        exact_key: str,
        policy: str,
        model: str,
        body: bytes,
        conv: cpb.Conversation,
        shape: cpb.AnswerShape,
        answer: cpb_cache.Answer,
        ttl_s: int = 0,
        *,
        semantic_only: bool = False,
    ) -> bool:
        if policy not in ("full", "exact") or not tenant_id or not exact_key or not body:
            return False
        if len(body) > self._max_bytes:
            return False
        ttl = ttl_s if ttl_s > 0 else self._ttl
        stored = False if semantic_only else await self._exact.put(tenant_id, exact_key, body, ttl)
        if not self._semantic_on(policy, conv, shape) or not semantic_answer(answer):
            return stored
        assert self._semantic is not None
        req = Request.from_conversation(conv)
        vectors = await self._vectors(req) if req.last else None
        if vectors is None:
            return stored
        last, context = vectors
        semantic = await self._semantic.put(
            NewEntry(
                tenant_id,
                model,
                exact_key,
                shape.digest,
                answer.completion_tokens,
                conv,
                key_vector(last, context),
                last,
                context,
                body,
                ttl,
            )
        )
        return stored or semantic

    async def invalidate(self, tenant_id: str, older_than_unix_ms: int = 0) -> int:
        if not tenant_id:
            return 0
        deleted = await self._exact.invalidate_tenant(tenant_id, older_than_unix_ms)
        if self._semantic is not None:
            older = (
                datetime.fromtimestamp(older_than_unix_ms / 1000, UTC)
                if older_than_unix_ms > 0
                else None
            )
            try:
                deleted += await self._semantic.invalidate(tenant_id, older)
            except DB_ERRORS:
                log.warning("semantic invalidation failed", extra={"tenant_id": tenant_id})
                raise
        return deleted
