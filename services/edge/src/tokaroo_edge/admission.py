"""Before the upstream call: route, cache lookup and balance check, all at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tokaroo_common.errors import InsufficientBalance, ServiceUnavailable
from tokaroo_common.money import format_usd
from tokaroo_common.outbox import Outbox
from tokaroo_common.policy import cache_policy
from tokaroo_common.pricing import cost, price
from tokaroo_proto.cache.v1 import cache_pb2
from tokaroo_proto.ledger.v1 import ledger_pb2
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.auth import Principal
from tokaroo_edge.internal import InternalClients, call
from tokaroo_edge.ratelimit import Limits, RateLimiter
from tokaroo_edge.request_key import exact_key
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.tokens import Encoder, conversation_text, count_images, count_prompt_tokens

MAX_CLASSIFY_CHARS = 8000
DEFAULT_HOLD_OUTPUT_TOKENS = 4096
RPC_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Admission:
    decision: router_pb2.RouteDecision
    lookup: cache_pb2.LookupResponse
    policy: str
    cache_key: str
    semantic_text: str
    prompt_tokens: int


def _needs_json_schema(req: ChatCompletionRequest) -> bool:
    return bool(req.response_format and req.response_format.get("type") == "json_schema")


async def admit(clients: InternalClients, enc: Encoder, outbox: Outbox,
                req: ChatCompletionRequest, principal: Principal, request_id: str,
                *, no_cache: bool, hold_ttl_ms: int,
                limiter: RateLimiter | None, cache_timeout_s: float = 0.15) -> Admission:
    if outbox.pending > 0.9 * outbox.capacity:
        raise ServiceUnavailable("Tokaroo is momentarily overloaded. Please retry.",
                                 retry_after=1)
    text = conversation_text(req)
    images = count_images(req)
    prompt_tokens = count_prompt_tokens(enc, req, text, images)
    if limiter is not None:
        await limiter.check(principal.key_id, Limits(principal.requests_per_minute,
                                                     principal.tokens_per_minute),
                            prompt_tokens + (req.output_limit or 0))
    policy = "none" if no_cache else cache_policy(req.model)
    key = exact_key(req)
    route = call(clients.router.Route(router_pb2.RouteRequest(
        request_id=request_id, tenant_id=principal.tenant_id, model=req.model,
        input_tokens=prompt_tokens, max_output_tokens=req.output_limit or 0,
        needs_tools=bool(req.tools), needs_vision=images > 0,
        needs_json_schema=_needs_json_schema(req),
        turns=sum(1 for m in req.messages if m.role == "user"),
        text=text[-MAX_CLASSIFY_CHARS:], endpoint="chat.completions"), timeout=RPC_TIMEOUT_S))
    if policy == "none":
        decision = await route
        lookup = cache_pb2.LookupResponse(hit=False, outcome="miss")
    else:
        lookup_call = _lookup(clients, principal.tenant_id, key, policy, text, req.model,
                              cache_timeout_s)
        decision, lookup = await asyncio.gather(route, lookup_call)
    amount = estimate_hold(req.model, decision, prompt_tokens, req.output_limit, lookup.hit)
    await hold(clients, principal.tenant_id, request_id, amount, hold_ttl_ms)
    return Admission(decision, lookup, policy, key, text, prompt_tokens)


def estimate_hold(mode: str, decision: router_pb2.RouteDecision, prompt_tokens: int,
                  output_limit: int | None, cache_hit: bool) -> int:
    """An upper estimate of what the request will be charged: the input at the dearest
    candidate's price plus the output limit (or a default) at its output price. Pure."""
    out = output_limit or DEFAULT_HOLD_OUTPUT_TOKENS
    baseline = cost(prompt_tokens, out, decision.baseline_input_nano_per_token,
                    decision.baseline_output_nano_per_token)
    if cache_hit:
        return price(mode=mode, upstream_cost=0, baseline_cost=baseline, cache_outcome="exact")
    upstream = max((cost(prompt_tokens, out, c.input_nano_per_token, c.output_nano_per_token)
                    for c in decision.candidates), default=0)
    return price(mode=mode, upstream_cost=upstream, baseline_cost=baseline,
                 cache_outcome="miss")


async def hold(clients: InternalClients, tenant_id: str, request_id: str, amount: int,
               ttl_ms: int) -> None:
    """Reserve the estimate; 402 when the balance (minus other live holds) cannot cover it.
    The hold is removed when the request's event is settled, or expires."""
    resp = await call(clients.ledger.Hold(ledger_pb2.HoldRequest(
        tenant_id=tenant_id, request_id=request_id, amount_nano=amount, ttl_ms=ttl_ms),
        timeout=RPC_TIMEOUT_S))
    if not resp.ok:
        raise InsufficientBalance(
            f"Insufficient balance: this request may cost up to ${format_usd(amount)} and "
            f"${format_usd(max(resp.available_nano, 0))} is available. Add credits at "
            "/v1/billing/checkout, or lower max_tokens.")


async def _lookup(clients: InternalClients, tenant_id: str, key: str, policy: str, text: str,
                  model: str, timeout_s: float) -> cache_pb2.LookupResponse:
    """A cache that is down is a miss, never an error."""
    try:
        response: cache_pb2.LookupResponse = await clients.cache.Lookup(cache_pb2.LookupRequest(
            tenant_id=tenant_id, exact_key=key, policy=policy, semantic_text=text, model=model),
            timeout=timeout_s)
    except Exception:  # noqa: BLE001 - any cache failure degrades to a miss
        return cache_pb2.LookupResponse(hit=False, outcome="miss")
    return response
