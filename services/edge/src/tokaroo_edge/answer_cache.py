"""The edge's side of the answer cache. The exact layer is read and written here, straight in
Valkey (tokaroo_common.exact_cache: the same keys the cache service invalidates); the cache
service is asked only for what it alone does, the semantic layer (policy `full` and a
conversation it may compare: tokaroo_common.policy.semantic_request). An exact-only request
(`fast`, a pinned model) makes no cache call at all. An edge without Valkey asks the cache
service for both layers. A cache that fails or is late is a miss, never an error. A stored
answer carries what a hit needs of its route decision (`with_route`), so an exact hit is
served without the router."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tokaroo_common.cache_keys import exact_key
from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.policy import semantic_answer, semantic_request
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.chat_request import ChatRequest
from tokaroo_edge.shaping import Json, read_usage

log = logging.getLogger(__name__)
MISS = cache_pb2.LookupResponse(hit=False, outcome="miss")
STORE_TIMEOUT_S = 2.0
ROUTE_FIELD = "tokaroo_route"  # in a stored answer: see with_route


def exact_answer(body: bytes | None) -> cache_pb2.LookupResponse:
    """An exact entry's value (None: absent) as a lookup's answer. Pure."""
    if body is None:
        return MISS
    return cache_pb2.LookupResponse(hit=True, outcome="exact", response_json=body, similarity=1.0)


@dataclass
class PoolSeen:
    """The router pool's version in the latest route decision this process received. Stored
    route facts stand for a decision only when made on that pool (its prices, its tiers):
    after a pool update, or before any decision, a hit is routed as before."""

    version: str = ""

    def current(self, facts: router_pb2.RouteDecision) -> bool:
        return bool(self.version) and facts.pool_version == self.version


@dataclass(frozen=True)
class AnswerCache:
    service: cache_pb2_grpc.CacheServiceStub
    exact: ExactCache | None  # None: this edge has no Valkey; the service keeps both layers
    ttl_s: int
    pool: PoolSeen = field(default_factory=PoolSeen)

    async def exact_lookup(
        self, tenant_id: str, chat: ChatRequest
    ) -> cache_pb2.LookupResponse | None:
        """The exact layer kept here: a hit or MISS; None when this edge has no exact layer
        (the service keeps both). Bounded by the Valkey client's own timeout (the Valkey
        that also keeps the balance holds: a slow one slows every request anyway)."""
        if self.exact is None:
            return None
        return exact_answer(await self.exact.get(tenant_id, chat.exact_key))

    def exact_entry(self, tenant_id: str, chat: ChatRequest) -> str | None:
        """The Valkey key of the request's exact entry, for a caller that reads it in a
        round trip of its own (the hold's); None without an exact layer here."""
        return None if self.exact is None else exact_key(tenant_id, chat.exact_key)

    def asks_service(self, policy: str, chat: ChatRequest) -> bool:
        """Whether a lookup past the exact layer here asks the cache service: for both
        layers without Valkey, else only when the semantic layer may answer."""
        return self.exact is None or semantic_request(policy, chat.conversation, chat.shape)

    async def service_lookup(
        self, tenant_id: str, chat: ChatRequest, policy: str, timeout_s: float
    ) -> cache_pb2.LookupResponse:
        """The cache service's part (semantic only when the exact layer is kept here); its
        answer counts only within `timeout_s`."""
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
            if not (self.asks_service(policy, chat) and semantic_answer(answer)):
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


def with_route(completion: Json, decision: router_pb2.RouteDecision) -> Json:
    """The answer to store, with what a hit on it needs of its route decision (tier and
    baseline prices: the event's tier, the hit's hold and price; the pool they came from),
    so that an exact hit asks no router. Internal: `take_route` removes it before anything
    is served. Pure."""
    return {
        **completion,
        ROUTE_FIELD: {
            "tier": decision.tier,
            "baseline_in": decision.baseline_input_nano_per_token,
            "baseline_out": decision.baseline_output_nano_per_token,
            "pool": decision.pool_version,
        },
    }


def take_route(body: Json) -> router_pb2.RouteDecision | None:
    """Remove the stored route facts from a cached answer and return them as a decision
    without candidates; None when the entry has none (or unreadable ones). Mutates `body`."""
    facts = body.pop(ROUTE_FIELD, None)
    if not isinstance(facts, dict):
        return None
    tier, pool = facts.get("tier"), facts.get("pool")
    base_in, base_out = facts.get("baseline_in"), facts.get("baseline_out")
    if not all(isinstance(v, str) for v in (tier, pool)) or not all(
        isinstance(v, int) for v in (base_in, base_out)
    ):
        return None
    return router_pb2.RouteDecision(
        tier=tier,
        baseline_input_nano_per_token=base_in,
        baseline_output_nano_per_token=base_out,
        pool_version=pool,
    )


def answer_facts(completion: Json) -> cache_pb2.Answer:
    """What the cache needs to know of an answer it stores, typed. Pure."""
    choice = (completion.get("choices") or [{}])[0]
    usage = read_usage(completion.get("usage"))
    return cache_pb2.Answer(
        completion_tokens=usage[1] if usage else 0,
        finish_reason=str(choice.get("finish_reason") or ""),
        tool_calls=bool((choice.get("message") or {}).get("tool_calls")),
    )
