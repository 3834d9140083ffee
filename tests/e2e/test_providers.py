"""Every provider behind the gateway, through the official openai SDK: completion, stream,
tool round trips (streamed and not), image input, JSON-schema output; embeddings; fallback."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.harness import Stack

MODELS = {"openai": "gpt-4.1", "anthropic": "claude-sonnet-4-6", "gemini": "gemini-2.5-flash"}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def client(stack: Stack) -> openai.OpenAI:
    return openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)


@pytest.fixture
def sim(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.layout.simulator_url) as c:
        yield c
        c.delete("/_sim/faults")


@pytest.mark.parametrize("provider", sorted(MODELS))
def test_completion_and_stream(client: openai.OpenAI, provider: str) -> None:
    model = MODELS[provider]
    res = client.chat.completions.create(
        model=model,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
    )
    assert res.model == model and res.choices[0].message.content
    assert res.usage is not None and res.usage.completion_tokens > 0
    chunks = list(
        client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Stream please"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].usage is not None


@pytest.mark.parametrize("provider", sorted(MODELS))
@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_round_trip(client: openai.OpenAI, provider: str, stream: bool) -> None:
    model = MODELS[provider]
    messages: list[dict[str, object]] = [{"role": "user", "content": "Weather in Lima?"}]
    if stream:
        acc: dict[int, dict[str, str]] = {}
        finish = None
        for chunk in client.chat.completions.create(
            model=model, messages=messages, tools=TOOLS, stream=True
        ):
            for choice in chunk.choices:
                finish = choice.finish_reason or finish
                for tc in choice.delta.tool_calls or []:
                    slot = acc.setdefault(tc.index, {"id": "", "name": "", "args": ""})
                    slot["id"] += tc.id or ""
                    if tc.function:
                        slot["name"] += tc.function.name or ""
                        slot["args"] += tc.function.arguments or ""
        assert finish == "tool_calls"
        call = acc[0]
        call_id, name, args = call["id"], call["name"], call["args"]
    else:
        res = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
        assert res.choices[0].finish_reason == "tool_calls"
        tc = res.choices[0].message.tool_calls[0]  # type: ignore[index]
        call_id, name, args = tc.id, tc.function.name, tc.function.arguments
    assert name == "get_weather" and call_id
    assert "city" in json.loads(args)
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": '{"temp_c": 19}'},
    ]
    final = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    assert final.choices[0].message.content
    assert final.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("provider", sorted(MODELS))
def test_image_input_and_json_schema(client: openai.OpenAI, provider: str) -> None:
    model = MODELS[provider]
    res = client.chat.completions.create(
        model=model,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image_url", "image_url": {"url": PIXEL}},
                ],
            }
        ],
    )
    assert res.choices[0].message.content
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    res = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "A person as JSON"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": schema, "strict": True},
        },
    )
    body = json.loads(res.choices[0].message.content or "")
    assert isinstance(body["name"], str) and isinstance(body["age"], int)


@pytest.mark.parametrize("model", [None, "text-embedding-3-small", "text-embedding-004"])
def test_embeddings_float_and_base64(
    stack: Stack, client: openai.OpenAI, model: str | None
) -> None:
    kwargs = {"model": model} if model else {"model": "text-embedding-3-small"}
    floats = client.embeddings.create(
        input=["The quick brown fox", "jumps"], encoding_format="float", **kwargs
    )
    assert len(floats.data) == 2 and len(floats.data[0].embedding) in (768, 1536)
    raw = httpx.post(
        f"{stack.base_url}/embeddings",
        headers={"Authorization": f"Bearer {stack.api_key}"},
        json={
            "input": "The quick brown fox",
            "encoding_format": "base64",
            **({"model": model} if model else {}),
        },
    ).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    decoded = struct.unpack(f"<{len(packed) // 4}f", packed)
    assert decoded == pytest.approx(floats.data[0].embedding, abs=1e-6)


def test_embeddings_fall_back_to_gemini(stack: Stack, sim: httpx.Client) -> None:
    sim.post(
        "/_sim/faults", json={"model": "*", "provider": "openai", "kind": "error-503", "rate": 1.0}
    )
    resp = httpx.post(
        f"{stack.base_url}/embeddings",
        headers={"Authorization": f"Bearer {stack.api_key}"},
        json={"input": "fallback please"},
    )
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["data"][0]["embedding"]) == 768


def test_thousand_requests_succeed_while_one_provider_fails(
    stack: Stack, sim: httpx.Client
) -> None:
    sim.post(
        "/_sim/faults", json={"model": "*", "provider": "openai", "kind": "error-500", "rate": 1.0}
    )
    key = stack.new_tenant_key("20")

    async def run() -> list[int]:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=32)) as c:
            sem = asyncio.Semaphore(32)

            async def one(i: int) -> int:
                async with sem:
                    r = await c.post(
                        f"{stack.base_url}/chat/completions",
                        headers={
                            "Authorization": f"Bearer {key}",
                            "x-tokaroo-cache-control": "no-cache",
                        },
                        json={
                            "model": "auto",
                            "max_tokens": 32,
                            "messages": [{"role": "user", "content": f"fallback {i}"}],
                        },
                    )
                    return r.status_code

            return await asyncio.gather(*(one(i) for i in range(1000)))

    codes = asyncio.run(run())
    assert codes.count(200) == 1000, {c: codes.count(c) for c in set(codes)}
    stats = sim.get("/_sim/stats").json()
    assert "error-500" in json.dumps(stats["requests"].get("openai", {}))


def test_stream_broken_after_first_token_ends_with_error_chunk(
    stack: Stack, sim: httpx.Client
) -> None:
    sim.post(
        "/_sim/faults", json={"model": "*", "provider": "*", "kind": "break-midstream", "rate": 1.0}
    )
    lines: list[str] = []
    with httpx.stream(
        "POST",
        f"{stack.base_url}/chat/completions",
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
        json={
            "model": "auto",
            "stream": True,
            "messages": [{"role": "user", "content": "break me please " * 5}],
        },
    ) as resp:
        assert resp.status_code == 200
        lines = [ln for ln in resp.iter_lines() if ln.startswith("data: ")]
    last = json.loads(lines[-1][6:])
    assert last["error"]["code"] == "stream_interrupted"
    assert any("choices" in json.loads(ln[6:]) for ln in lines[:-1])
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)
    with pytest.raises(openai.APIError):
        for _ in client.chat.completions.create(
            model="auto", stream=True, messages=[{"role": "user", "content": "break me again " * 5}]
        ):
            pass
