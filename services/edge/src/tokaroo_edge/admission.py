"""Before the upstream call: the exact cache, then route and the semantic lookup at once,
then the balance hold. An exact hit that keeps its route facts makes no router call."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import orjson
from tokaroo_common.errors import ServiceUnavailable
from tokaroo_common.policy import cache_policy
from tokaroo_common.pricing import cost, price
from tokaroo_common.turns import tool_call_ids
from tokaroo_proto.cache.v1 import cache_pb2
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.answer_cache import MISS, AnswerCache, exact_answer, take_route
from tokaroo_edge.auth import Principal
from tokaroo_edge.chat_request import ChatRequest, parse_chat
from tokaroo_edge.holds import Holds
from tokaroo_edge.key_limits import check_model
from tokaroo_edge.ratelimit import Limits
from tokaroo_edge.record import RequestRecord
from tokaroo_edge.routing import Routing
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.shaping import Json, read_usage
from tokaroo_edge.tokens import Encoder

DEFAULT_HOLD_OUTPUT_TOKENS = 4096
ENDPOINT = "chat.completions"  # the router's name for what admit admits
OVERLOAD_FRACTION = 0.9


@dataclass(frozen=True)
class Admission:
    decision: router_pb2.RouteDecision
    lookup: cache_pb2.LookupResponse
    policy: str
    chat: ChatRequest
    hit_body: Json | None = None  # the cached answer, parsed, when the lookup hit

    @property
    def prompt_tokens(self) -> int:
        return self.chat.prompt_tokens


class Backlog(Protocol):
    """How full the event outbox is (the Outbox)."""

    @property
    def pending(self) -> int: ...

    @property
    def capacity(self) -> int: ...


class Limiter(Protocol):
    """Per-key rate limits (the RateLimiter); raises RateLimited."""

    async def check(self, key_id: str, limits: Limits, tokens: int) -> None: ...


def check_capacity(backlog: Backlog) -> None:
    """503 while the event outbox is nearly full: an answer whose event could not be queued
    would be a request nobody is billed for."""
    if backlog.pending > OVERLOAD_FRACTION * backlog.capacity:
        raise ServiceUnavailable("Tokaroo is momentarily overloaded. Please retry.", retry_after=1)


async def check_rate(limiter: Limiter | None, principal: Principal, tokens: int) -> None:
    """The key's requests and tokens per minute (no limiter: no Redis, unlimited)."""
    if limiter is not None:
        await limiter.check(
            principal.key_id,
            Limits(principal.requests_per_minute, principal.tokens_per_minute),
            tokens,
        )


async def admit(
    routing: Routing,
    enc: Encoder,
    backlog: Backlog,
    req: ChatCompletionRequest,
    principal: Principal,
    record: RequestRecord,
    *,
    no_cache: bool,
    holds: Holds,
    hold_ttl_ms: int,
    limiter: Limiter | None,
    answers: AnswerCache,
    cache_timeout_s: float = 0.15,
    session_hint: str = "",
) -> Admission:
    request_id = record.draft.request_id
    check_capacity(backlog)
    check_model(principal, req.model)
    chat = parse_chat(req, enc, session_hint)
    prompt_tokens = chat.prompt_tokens
    await check_rate(limiter, principal, prompt_tokens + (req.output_limit or 0))
    policy = "none" if no_cache else cache_policy(req.model)

    async def route() -> router_pb2.RouteDecision:
        decision = await routing.route(route_request(req, chat, principal, request_id))
        answers.pool.version = decision.pool_version
        return decision

    decision: router_pb2.RouteDecision | None = None
    lookup, found = MISS, None
    held = 0
    if policy != "none":
        # The exact layer first: a hit whose entry keeps its route facts, made on the current
        # pool, is answered without routing. For a kind of request this process routes
        # itself, the exact read and the hold go to Valkey in one round trip, the hold sized
        # on its latest such decision (enough for a hit or a miss; placed again below if this
        # request's own estimate is larger). Past a miss, Route and the service's lookup
        # together.
        entry = answers.exact_entry(principal.tenant_id, chat)
        recent = routing.recent(ENDPOINT, req.model) if entry and holds.in_valkey else None
        if recent is not None and entry is not None:
            ceiling = max(
                estimate_hold(req.model, recent, prompt_tokens, req.output_limit, hit)
                for hit in (False, True)
            )
            placed, body = await holds.hold_reading(principal, record, ceiling, hold_ttl_ms, entry)
            held = ceiling if placed else 0
            exact: cache_pb2.LookupResponse | None = exact_answer(body)
        else:
            exact = await answers.exact_lookup(principal.tenant_id, chat)
        found = cached_answer(chat, exact) if exact is not None else None
        if found is not None and exact is not None:
            lookup = exact
            if found.decision is not None and answers.pool.current(found.decision):
                decision = found.decision
        elif (exact is None or not exact.hit) and answers.asks_service(policy, chat):
            service = answers.service_lookup(principal.tenant_id, chat, policy, cache_timeout_s)
            decision, lookup = await asyncio.gather(route(), service)
            found = cached_answer(chat, lookup)
            if found is None:
                lookup = MISS
    if decision is None:
        decision = await route()
    record.draft.tier = decision.tier  # from here on, a failure is recorded with its tier
    amount = estimate_hold(req.model, decision, prompt_tokens, req.output_limit, lookup.hit)
    if amount > held:  # a hold placed again replaces the first
        await holds.hold(principal, record, amount, hold_ttl_ms)
    return Admission(decision, lookup, policy, chat, found.body if found else None)


def route_request(
    req: ChatCompletionRequest, chat: ChatRequest, principal: Principal, request_id: str
) -> router_pb2.RouteRequest:
    """What the router is asked for a chat request. Pure."""
    return router_pb2.RouteRequest(
        request_id=request_id,
        tenant_id=principal.tenant_id,
        model=req.model,
        input_tokens=chat.prompt_tokens,
        max_output_tokens=req.output_limit or 0,
        needs_tools=bool(req.tools),
        needs_vision=chat.needs_vision,
        needs_json_schema=chat.needs_json_schema,
        conversation=chat.conversation,
        endpoint=ENDPOINT,
        session_hint=chat.session_hint,
        tools_digest=chat.tools_digest,
    )


def estimate_hold(
    mode: str,
    decision: router_pb2.RouteDecision,
    prompt_tokens: int,
    output_limit: int | None,
    cache_hit: bool,
) -> int:
    """An upper estimate of what the request will be charged: the input at the dearest
    candidate's price plus the output limit (or a default) at its output price. Pure."""
    out = output_limit or DEFAULT_HOLD_OUTPUT_TOKENS
    baseline = cost(
        prompt_tokens,
        out,
        decision.baseline_input_nano_per_token,
        decision.baseline_output_nano_per_token,
    )
    if cache_hit:
        return price(mode=mode, upstream_cost=0, baseline_cost=baseline, cache_outcome="exact")
    upstream = max(
        (
            cost(prompt_tokens, out, c.input_nano_per_token, c.output_nano_per_token)
            for c in decision.candidates
        ),
        default=0,
    )
    return price(mode=mode, upstream_cost=upstream, baseline_cost=baseline, cache_outcome="miss")


@dataclass(frozen=True)
class CachedAnswer:
    body: Json  # the answer as served (the stored route facts removed)
    decision: router_pb2.RouteDecision | None  # those facts; None: an entry without them


def cached_answer(chat: ChatRequest, lookup: cache_pb2.LookupResponse) -> CachedAnswer | None:
    """The hit's answer, parsed, when it fits the request; None for a miss or an answer that
    does not fit (unreadable, longer than the output limit, or repeating a tool call the
    conversation already holds: that would send an agent round its loop again). Only an
    exact hit's stored route facts stand for this request's decision. Pure."""
    if not lookup.hit:
        return None
    try:
        body = orjson.loads(lookup.response_json)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict) or not body.get("choices"):
        return None
    decision = take_route(body)
    limit = chat.body.output_limit
    usage = read_usage(body.get("usage"))
    if limit and (usage is None or usage[1] > limit):
        return None
    seen = tool_call_ids(chat.conversation)
    for choice in body["choices"]:
        calls = (choice.get("message") or {}).get("tool_calls") or []
        if any(isinstance(c, dict) and c.get("id") in seen for c in calls):
            return None
    return CachedAnswer(body, decision if lookup.outcome == "exact" else None)
