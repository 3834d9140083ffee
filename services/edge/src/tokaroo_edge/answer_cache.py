"""The edge's side of the answer cache. The exact layer is read and written here, straight in
Valkey (tokaroo_common.exact_cache: the same keys the cache service invalidates); the cache
service is asked only for what it alone does, the semantic layer (policy `full` and a
conversation it may compare: tokaroo_common.policy.semantic_request). An exact-only request
(`fast`, a pinned model) makes no cache call at all. An edge without Valkey asks the cache
service for both layers. A cache that fails or is late is a miss, never an error."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.policy import semantic_answer, semantic_request
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc

from tokaroo_edge.chat_request import ChatRequest
from tokaroo_edge.shaping import Json, read_usage

log = logging.getLogger(__name__)
MISS = cache_pb2.LookupResponse(hit=False, outcome="miss")
STORE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class AnswerCache:
    service: cache_pb2_grpc.CacheServiceStub
    exact: ExactCache | None  # None: this edge has no Valkey; the service keeps both layers
    ttl_s: int

    async def lookup(
        self, tenant_id: str, chat: ChatRequest, policy: str, timeout_s: float
    ) -> cache_pb2.LookupResponse:
        """Exact first, then (when the request may use it) semantic. The service's answer
        counts only within `timeout_s`; the exact read is bounded by the Valkey client's own
        timeout (the Valkey that also keeps the balance holds: a slow one slows every
        request anyway), so a lookup takes no timer of its own."""
        if self.exact is not None:
            body = await self.exact.get(tenant_id, chat.exact_key)
            if body is not None:
                return cache_pb2.LookupResponse(
                    hit=True, outcome="exact", response_json=body, similarity=1.0
                )
            if not semantic_request(policy, chat.conversation, chat.shape):
                return MISS
        try:
            response: cache_pb2.LookupResponse = await self.service.Lookup(
                cache_pb2.LookupRequest(
                    tenant_id=tenant_id,
                    exact_key=chat.exact_key,
                    policy=policy,
                    model=chat.body.model,
                    conversation=chat.conversation,
                    shape=chat.shape,
                    semantic_only=self.exact is not None,
                ),
                timeout=timeout_s,
            )
        except Exception:  # noqa: BLE001 - any cache failure degrades to a miss
            return MISS
        return response

    async def store(
        self, tenant_id: str, chat: ChatRequest, policy: str, body: bytes, completion: Json
    ) -> None:
        """Keep the answer: the exact entry here, the semantic one through the service."""
        answer = answer_facts(completion)
        if self.exact is not None:
            await self.exact.put(tenant_id, chat.exact_key, body, self.ttl_s)
            if not (
                semantic_request(policy, chat.conversation, chat.shape) and semantic_answer(answer)
            ):
                return
        try:
            await self.service.Store(
                cache_pb2.StoreRequest(
                    tenant_id=tenant_id,
                    exact_key=chat.exact_key,
                    policy=policy,
                    model=chat.body.model,
                    response_json=body,
                    ttl_seconds=self.ttl_s,
                    conversation=chat.conversation,
                    shape=chat.shape,
                    answer=answer,
                    semantic_only=self.exact is not None,
                ),
                timeout=STORE_TIMEOUT_S,
            )
        except Exception as exc:  # noqa: BLE001 - a failed store only costs a future miss
            log.warning("cache store failed", extra={"error": type(exc).__name__})


def answer_facts(completion: Json) -> cache_pb2.Answer:
    """What the cache needs to know of an answer it stores, typed. Pure."""
    choice = (completion.get("choices") or [{}])[0]
    usage = read_usage(completion.get("usage"))
    return cache_pb2.Answer(
        completion_tokens=usage[1] if usage else 0,
        finish_reason=str(choice.get("finish_reason") or ""),
        tool_calls=bool((choice.get("message") or {}).get("tool_calls")),
    )
