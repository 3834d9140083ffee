"""The edge's answer cache against a real Valkey: an exact-only request is read and written
here with no cache call at all; only a request the semantic cache may answer asks the cache
service, for the semantic part only; tenants stay apart; Valkey down or a late service is a
miss, never an error; without Valkey the service keeps both layers."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import orjson
from redis.asyncio import Redis
from tokaroo_common.cache_keys import exact_key
from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.valkey import valkey_client
from tokaroo_edge.answer_cache import AnswerCache, answer_facts, take_route, with_route
from tokaroo_edge.chat_request import ChatRequest, parse_chat
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_proto.cache.v1 import cache_pb2
from tokaroo_proto.router.v1 import router_pb2

from .conftest import WordEncoder


class FakeCacheService:
    def __init__(self, hit: bytes = b"", delay_s: float = 0.0) -> None:
        self.lookups: list[cache_pb2.LookupRequest] = []
        self.stores: list[cache_pb2.StoreRequest] = []
        self.hit, self.delay_s = hit, delay_s

    async def Lookup(
        self, request: cache_pb2.LookupRequest, *, timeout: float
    ) -> cache_pb2.LookupResponse:
        self.lookups.append(request)
        await asyncio.wait_for(asyncio.sleep(self.delay_s), timeout)  # as gRPC's deadline
        if self.hit:
            return cache_pb2.LookupResponse(hit=True, outcome="semantic", response_json=self.hit)
        return cache_pb2.LookupResponse(hit=False, outcome="miss")

    async def Store(self, request: cache_pb2.StoreRequest, **_: Any) -> cache_pb2.StoreResponse:
        self.stores.append(request)
        return cache_pb2.StoreResponse(stored=True)


def chat(model: str, text: str = "what is the capital of Peru?", **extra: Any) -> ChatRequest:
    body = ChatCompletionRequest.model_validate(
        {"model": model, "messages": [{"role": "user", "content": text}], **extra}
    )
    return parse_chat(body, WordEncoder())


def answer(finish: str = "stop", tool_calls: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": "Lima"}
    if tool_calls:
        message["tool_calls"] = [{"id": "c1", "type": "function", "function": {"name": "f"}}]
    return {
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8},
    }


async def lookup(
    cache: AnswerCache, tenant_id: str, req: ChatRequest, policy: str, timeout_s: float
) -> cache_pb2.LookupResponse:
    """Both layers in turn, as admission asks them: exact here, then the service if asked."""
    exact = await cache.exact_lookup(tenant_id, req)
    if exact is not None and (exact.hit or not cache.asks_service(policy, req)):
        return exact
    return await cache.service_lookup(tenant_id, req, policy, timeout_s)


def cache_on(redis: Redis, service: FakeCacheService) -> AnswerCache:
    exact = ExactCache(redis, max_entry_bytes=10_000, max_entries_per_tenant=100)
    return AnswerCache(service, exact, ttl_s=60)  # type: ignore[arg-type]


async def test_an_exact_only_request_makes_no_cache_call(redis: Redis) -> None:
    service = FakeCacheService()
    cache, tenant, req = cache_on(redis, service), str(uuid.uuid4()), chat("fast")
    assert not (await lookup(cache, tenant, req, "exact", 0.5)).hit
    body = orjson.dumps(answer())
    await cache.store(tenant, req, "exact", body, answer())
    assert await redis.get(exact_key(tenant, req.exact_key)) == body
    assert 0 < await redis.ttl(exact_key(tenant, req.exact_key)) <= 60
    hit = await lookup(cache, tenant, req, "exact", 0.5)
    assert (hit.hit, hit.outcome, hit.response_json) == (True, "exact", body)
    assert service.lookups == [] and service.stores == []
    assert not (await lookup(cache, str(uuid.uuid4()), req, "exact", 0.5)).hit  # other tenant


async def test_a_semantic_request_asks_the_service_for_the_semantic_part_only(
    redis: Redis,
) -> None:
    semantic = orjson.dumps(answer())
    service = FakeCacheService(hit=semantic)
    cache, tenant, req = cache_on(redis, service), str(uuid.uuid4()), chat("auto")
    got = await lookup(cache, tenant, req, "full", 0.5)
    assert (got.outcome, got.response_json) == ("semantic", semantic)
    ((sent,),) = (service.lookups,)
    assert sent.semantic_only and sent.exact_key == req.exact_key and sent.policy == "full"
    await cache.store(tenant, req, "full", semantic, answer())
    ((stored,),) = (service.stores,)
    assert stored.semantic_only and stored.answer.finish_reason == "stop"
    assert await redis.get(exact_key(tenant, req.exact_key)) == semantic
    # now the exact layer answers, before the service is asked
    assert (await lookup(cache, tenant, req, "full", 0.5)).outcome == "exact"
    assert len(service.lookups) == 1


async def test_answers_the_semantic_cache_does_not_keep_are_stored_exact_only(
    redis: Redis,
) -> None:
    service = FakeCacheService()
    cache, tenant = cache_on(redis, service), str(uuid.uuid4())
    for i, ans in enumerate((answer("length"), answer("tool_calls", tool_calls=True))):
        req = chat("auto", f"question {i}")
        await cache.store(tenant, req, "full", orjson.dumps(ans), ans)
        assert await redis.get(exact_key(tenant, req.exact_key)) is not None
    ending_in_a_tool_result = parse_chat(
        ChatCompletionRequest.model_validate(
            {
                "model": "auto",
                "messages": [
                    {"role": "user", "content": "weather?"},
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "w", "arguments": "{}"},
                            }
                        ],
                    },
                    {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
                ],
            }
        ),
        WordEncoder(),
    )
    assert not (await lookup(cache, tenant, ending_in_a_tool_result, "full", 0.5)).hit
    await cache.store(tenant, ending_in_a_tool_result, "full", b"{}", answer())
    assert service.lookups == [] and service.stores == []


async def test_valkey_down_and_a_late_service_are_misses() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = valkey_client(f"redis://127.0.0.1:{port}/0", timeout_s=0.2)
    try:
        service = FakeCacheService(hit=b"{}", delay_s=1.0)
        cache, tenant = cache_on(client, service), str(uuid.uuid4())
        assert not (await lookup(cache, tenant, chat("fast"), "exact", 0.5)).hit
        await cache.store(tenant, chat("fast"), "exact", b"{}", answer())  # no error
        assert not (await lookup(cache, tenant, chat("auto"), "full", 0.3)).hit
    finally:
        await client.aclose()


async def test_without_valkey_the_service_keeps_both_layers() -> None:
    service = FakeCacheService()
    cache = AnswerCache(service, None, ttl_s=60)  # type: ignore[arg-type]
    tenant, req = str(uuid.uuid4()), chat("fast")
    await lookup(cache, tenant, req, "exact", 0.5)
    await cache.store(tenant, req, "exact", b"{}", answer())
    ((sent,),), ((stored,),) = (service.lookups,), (service.stores,)
    assert not sent.semantic_only and not stored.semantic_only and stored.ttl_seconds == 60


def test_answer_facts() -> None:
    assert answer_facts(answer()) == cache_pb2.Answer(completion_tokens=1, finish_reason="stop")
    assert answer_facts(answer("tool_calls", tool_calls=True)).tool_calls
    assert answer_facts({}) == cache_pb2.Answer()


def test_route_facts_ride_with_the_answer_and_are_taken_off() -> None:
    decision = router_pb2.RouteDecision(
        tier="frontier",
        baseline_input_nano_per_token=7,
        baseline_output_nano_per_token=9,
        pool_version="v3",
    )
    stored = orjson.loads(orjson.dumps(with_route(answer(), decision)))
    assert take_route(stored) == decision and stored == answer()
    assert take_route(answer()) is None  # an entry stored before the facts were kept
    assert take_route({**answer(), "tokaroo_route": {"tier": "x", "baseline_in": "7"}}) is None
