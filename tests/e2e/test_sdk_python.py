"""The `tokaroo` Python SDK (sdks/python) against the running stack, sync and async."""

from __future__ import annotations

import asyncio
import base64
import struct
import time
import uuid
from decimal import Decimal

import pytest
from tokaroo import (
    APIError,
    AsyncTokaroo,
    AuthenticationError,
    BadRequestError,
    InsufficientBalanceError,
    NotFoundError,
    Tokaroo,
)

from tests.harness import Stack


@pytest.fixture()
def key(stack: Stack) -> str:
    return stack.new_tenant_key("5", name="sdk-python")


@pytest.fixture()
def client(stack: Stack, key: str) -> Tokaroo:
    return Tokaroo(api_key=key, base_url=stack.base_url)


def msg(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"{text} {uuid.uuid4().hex}"}]


def wait_below(stack: Stack, key: str, before: Decimal, timeout: float = 15) -> Decimal:
    deadline = time.monotonic() + timeout
    while (now := stack.balance(key)) >= before and time.monotonic() < deadline:
        time.sleep(0.1)
    return now


def test_env_configuration(stack: Stack, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKAROO_API_KEY", key)
    monkeypatch.setenv("TOKAROO_BASE_URL", stack.base_url)
    with Tokaroo() as client:
        assert client.balance.get().exact == Decimal("5")


def test_completion_cost_matches_the_bill(stack: Stack, key: str, client: Tokaroo) -> None:
    res = client.chat.completions.create(
        model="auto", messages=msg("Hello!"), max_tokens=500, temperature=0.7
    )
    assert res.choices[0].message.content and res.model == "auto"
    meta = res._tokaroo
    assert meta.cache == "miss" and meta.request_id and meta.cost is not None and meta.cost > 0
    assert res.usage is not None and Decimal(str(res.usage.cost_usd)) == meta.cost
    assert wait_below(stack, key, Decimal("5")) == Decimal("5") - meta.cost


def test_stream_chunks_usage_and_cost(stack: Stack, key: str, client: Tokaroo) -> None:
    stream = client.chat.completions.stream(model="auto", messages=msg("Tell me a story"))
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text and all(c.model == "auto" for c in chunks)
    assert stream.usage is not None and stream.usage.completion_tokens > 0
    assert stream._tokaroo.cost == Decimal(str(stream.usage.cost_usd)) > 0
    assert wait_below(stack, key, Decimal("5")) == Decimal("5") - stream._tokaroo.cost


def test_stream_true_with_a_tool_call(client: Tokaroo) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    with client.chat.completions.create(
        model="auto", stream=True, tools=tools, messages=msg("Weather in Oslo?")
    ) as stream:
        name, args, finish = "", "", None
        for c in stream:
            for choice in c.choices:
                for tc in choice.delta.tool_calls or []:
                    name += (tc.function.name or "") if tc.function else ""
                    args += (tc.function.arguments or "") if tc.function else ""
                finish = choice.finish_reason or finish
    assert name == "get_weather" and args.startswith("{") and finish == "tool_calls"


def test_cache_hit_on_repeat(client: Tokaroo) -> None:
    messages = msg("What is the capital of Peru?")
    client.chat.completions.create(model="auto", messages=messages)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        again = client.chat.completions.create(model="auto", messages=messages)
        if again._tokaroo.cache == "hit":
            return
        time.sleep(0.2)
    pytest.fail("the repeated request was never a cache hit")


def test_embeddings_float_and_base64(client: Tokaroo) -> None:
    res = client.embeddings.create(input="The quick brown fox")
    vector = res.data[0].embedding
    assert isinstance(vector, list) and len(vector) == 1536
    b64 = client.embeddings.create(input="The quick brown fox", encoding_format="base64")
    raw = b64.data[0].embedding
    assert isinstance(raw, str)
    floats = struct.unpack(f"<{len(vector)}f", base64.b64decode(raw))
    assert all(abs(a - b) < 1e-6 for a, b in zip(floats, vector, strict=True))


def test_models_balance_usage_keys(stack: Stack, client: Tokaroo) -> None:
    data = client._fetch("GET", "/v1/models")["data"]
    assert {"auto", "fast", "max"} <= {m["id"] for m in data}
    assert any("pricing" in m for m in data)
    assert client.balance.get().balance_usd == 5.0

    for i in range(2):
        client.chat.completions.create(model="auto", messages=msg(f"usage {i}"))
    deadline = time.monotonic() + 15
    page = client.usage.list(limit=1)
    while not (page.data and page.has_more) and time.monotonic() < deadline:
        time.sleep(0.2)
        page = client.usage.list(limit=1)
    assert page.data and page.has_more and page.next_cursor
    row = page.data[0]
    assert row.tier in {"instant", "standard", "complex"} and row.charged_usd > 0
    assert row.input_tokens > 0 and row.latency_ms >= 0 and row.created_at
    nxt = client.usage.list(limit=1, cursor=page.next_cursor)
    assert nxt.data and nxt.data[0].id != row.id
    assert len(list(client.usage.iterate(limit=1))) >= 2

    created = client.keys.create("production")
    assert created.key.startswith("tok_") and created.name == "production"
    listed = client.keys.list().data
    assert created.id in {k.id for k in listed}
    assert all("key" not in k.to_dict() for k in listed)
    other = Tokaroo(api_key=created.key, base_url=stack.base_url)
    assert other.balance.get().balance_usd > 0
    assert client.keys.revoke(created.id).id == created.id
    time.sleep(1.2)  # the edge remembers a key for at most a second
    with pytest.raises(AuthenticationError) as info:
        other.balance.get()
    assert info.value.status == 401 and info.value.code == "invalid_api_key"


def test_typed_errors(stack: Stack, client: Tokaroo) -> None:
    with pytest.raises(NotFoundError) as nf:
        client.chat.completions.create(model="no-such-model", messages=msg("x"))
    assert (nf.value.status, nf.value.code, nf.value.type) == (
        404,
        "model_not_found",
        "invalid_request_error",
    )
    assert nf.value.request_id and nf.value.message
    with pytest.raises(BadRequestError) as bad:
        client.chat.completions.create(model="auto", messages="nope")  # type: ignore[arg-type]
    assert bad.value.status == 400 and bad.value.type == "invalid_request_error"
    poor = Tokaroo(api_key=stack.new_tenant_key("0.000001"), base_url=stack.base_url)
    with pytest.raises(InsufficientBalanceError) as pay:
        poor.chat.completions.create(model="auto", messages=msg("x"), max_tokens=30_000)
    assert pay.value.status == 402 and pay.value.code == "insufficient_balance"
    with pytest.raises(APIError):
        client.keys.revoke(str(uuid.uuid4()))


def test_async_client(stack: Stack, key: str) -> None:
    async def main() -> Decimal:
        async with AsyncTokaroo(api_key=key, base_url=stack.base_url) as client:
            results = await asyncio.gather(
                *(
                    client.chat.completions.create(model="auto", messages=msg(f"async {i}"))
                    for i in range(3)
                )
            )
            total = sum((r._tokaroo.cost or Decimal(0)) for r in results)
            stream = client.chat.completions.stream(model="auto", messages=msg("async story"))
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            assert text and stream._tokaroo is not None and stream._tokaroo.cost
            emb = await client.embeddings.create(input=["a", "b"])
            assert len(emb.data) == 2
            assert (await client.balance.get()).balance_usd <= 5
            assert (await client._fetch("GET", "/v1/models"))["object"] == "list"
            return total + stream._tokaroo.cost + (emb._tokaroo.cost or Decimal(0))

    spent = asyncio.run(main())
    deadline = time.monotonic() + 15
    while stack.balance(key) != Decimal("5") - spent and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stack.balance(key) == Decimal("5") - spent
