from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

GEMINI = {"x-goog-api-key": "g-test"}
BASE = "/v1beta/models/gemini-2.5-flash"
Q = {
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "contents": [{"role": "user", "parts": [{"text": "What is 2+2?"}]}],
}
TOOLS = [
    {
        "functionDeclarations": [
            {
                "name": "get_weather",
                "parameters": {
                    "type": "OBJECT",
                    "properties": {"city": {"type": "STRING"}},
                    "required": ["city"],
                },
            }
        ]
    }
]
SSE = Callable[[str], list[Any]]


async def test_generate_content(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{BASE}:generateContent", json=Q, headers=GEMINI)
    body = r.json()
    cand = body["candidates"][0]
    assert cand["content"]["role"] == "model" and cand["finishReason"] == "STOP"
    assert cand["content"]["parts"][0]["text"].startswith("Simulated answer ")
    meta = body["usageMetadata"]
    assert meta["promptTokenCount"] == 6
    assert meta["totalTokenCount"] == meta["promptTokenCount"] + meta["candidatesTokenCount"]
    assert body["modelVersion"] == "gemini-2.5-flash" and body["responseId"]


async def test_key_query_param_and_missing_key(client: httpx.AsyncClient) -> None:
    ok = await client.post(f"{BASE}:generateContent?key=abc", json=Q)
    assert ok.status_code == 200
    denied = await client.post(f"{BASE}:generateContent", json=Q)
    assert denied.status_code == 403
    assert denied.json()["error"]["status"] == "PERMISSION_DENIED"


async def test_sse_stream_and_json_array_stream(client: httpx.AsyncClient, sse_data: SSE) -> None:
    full = (await client.post(f"{BASE}:generateContent", json=Q, headers=GEMINI)).json()
    r = await client.post(f"{BASE}:streamGenerateContent?alt=sse", json=Q, headers=GEMINI)
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.content.endswith(b"}\r\n\r\n")
    chunks = sse_data(r.text)
    text = "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks)
    assert text == full["candidates"][0]["content"]["parts"][0]["text"]
    assert "finishReason" not in chunks[0]["candidates"][0]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"] == full["usageMetadata"]
    array = (await client.post(f"{BASE}:streamGenerateContent", json=Q, headers=GEMINI)).json()
    assert array == [{**c, "responseId": array[0]["responseId"]} for c in chunks]


async def test_function_call_and_function_response(client: httpx.AsyncClient) -> None:
    req = {**Q, "tools": TOOLS, "toolConfig": {"functionCallingConfig": {"mode": "ANY"}}}
    body = (await client.post(f"{BASE}:generateContent", json=req, headers=GEMINI)).json()
    part = body["candidates"][0]["content"]["parts"][0]
    assert part["functionCall"]["name"] == "get_weather"
    assert isinstance(part["functionCall"]["args"]["city"], str)
    follow = {
        **req,
        "contents": [
            *Q["contents"],
            {"role": "model", "parts": [part]},
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"sky": "sunny"}}}
                ],
            },
        ],
    }
    after = (await client.post(f"{BASE}:generateContent", json=follow, headers=GEMINI)).json()
    assert "tool result" in after["candidates"][0]["content"]["parts"][0]["text"]
    off = {**req, "toolConfig": {"functionCallingConfig": {"mode": "NONE"}}}
    text = (await client.post(f"{BASE}:generateContent", json=off, headers=GEMINI)).json()
    assert "text" in text["candidates"][0]["content"]["parts"][0]


async def test_json_schema_inline_image_and_max_tokens(client: httpx.AsyncClient) -> None:
    gen = {
        "responseMimeType": "application/json",
        "responseSchema": {
            "type": "OBJECT",
            "properties": {"city": {"type": "STRING"}, "population": {"type": "INTEGER"}},
        },
    }
    body = (
        await client.post(
            f"{BASE}:generateContent", json={**Q, "generationConfig": gen}, headers=GEMINI
        )
    ).json()
    value = orjson.loads(body["candidates"][0]["content"]["parts"][0]["text"])
    assert isinstance(value["city"], str) and isinstance(value["population"], int)
    img = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                    {"text": "What is this?"},
                ],
            }
        ],
        "generation_config": {"max_output_tokens": 7},
    }
    body = (await client.post(f"{BASE}:generateContent", json=img, headers=GEMINI)).json()
    assert body["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert "image" in body["candidates"][0]["content"]["parts"][0]["text"]


async def test_embed_content_and_batch(client: httpx.AsyncClient) -> None:
    one = {"model": "models/text-embedding-004", "content": {"parts": [{"text": "hello"}]}}
    body = (
        await client.post(
            "/v1beta/models/text-embedding-004:embedContent", json=one, headers=GEMINI
        )
    ).json()
    assert len(body["embedding"]["values"]) == 768
    batch = {"requests": [one, {**one, "outputDimensionality": 32}]}
    out = (
        await client.post(
            "/v1beta/models/text-embedding-004:batchEmbedContents", json=batch, headers=GEMINI
        )
    ).json()
    assert out["embeddings"][0]["values"] == body["embedding"]["values"]
    assert len(out["embeddings"][1]["values"]) == 32
    huge = {**one, "outputDimensionality": 4_947_300}  # as Gemini: at most 3072
    resp = await client.post(
        "/v1beta/models/text-embedding-004:embedContent", json=huge, headers=GEMINI
    )
    assert resp.status_code == 400


@pytest.mark.parametrize(
    ("model", "status", "code"),
    [
        ("gemini-error-429", 429, "RESOURCE_EXHAUSTED"),
        ("gemini-error-500", 500, "INTERNAL"),
        ("gemini-error-503", 503, "UNAVAILABLE"),
    ],
)
async def test_errors_have_the_gemini_shape(
    client: httpx.AsyncClient, model: str, status: int, code: str
) -> None:
    r = await client.post(f"/v1beta/models/{model}:generateContent", json=Q, headers=GEMINI)
    assert r.status_code == status
    assert r.json()["error"] == {**r.json()["error"], "code": status, "status": code}


async def test_bad_requests(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{BASE}:generateContent", json={"contents": []}, headers=GEMINI)
    assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
    r = await client.post(f"{BASE}:fly", json=Q, headers=GEMINI)
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
