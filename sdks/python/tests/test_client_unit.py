"""Unit tests of the tokaroo Python SDK on httpx.MockTransport: URLs, retries, errors, streams."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import tokaroo
from tokaroo import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncTokaroo,
    AuthenticationError,
    InsufficientBalanceError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    Tokaroo,
    TokarooError,
)
from tokaroo._base import build_url, resolve_base_url, retry_after_seconds

COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "auto",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
    "usage": {
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "total_tokens": 2,
        "cost_usd": "0.000001000",
    },
}


def err(status: int, code: str, type_: str = "invalid_request_error") -> dict[str, Any]:
    return {
        "error": {
            "message": f"failed {status}",
            "type": type_,
            "param": "messages" if status == 400 else None,
            "code": code,
        }
    }


class Script:
    """Answers each request with the next response; records what it saw and when."""

    def __init__(self, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response]):
        self.answers = list(answers)
        self.seen: list[tuple[httpx.Request, float]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request, time.monotonic()))
        answer = self.answers[min(len(self.seen) - 1, len(self.answers) - 1)]
        return answer(request) if callable(answer) else answer

    def client(self, **kw: Any) -> Tokaroo:
        return Tokaroo(
            api_key="tok_k",
            base_url="http://t.test/v1",
            http_client=httpx.Client(transport=httpx.MockTransport(self)),
            **kw,
        )

    def async_client(self, **kw: Any) -> AsyncTokaroo:
        return AsyncTokaroo(
            api_key="tok_k",
            base_url="http://t.test/v1",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(self)),
            **kw,
        )


def test_base_url_env_and_v1_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKAROO_BASE_URL", raising=False)
    monkeypatch.setenv("TOKAROO_API_KEY", "tok_env")
    client = Tokaroo()
    assert client.api_key == "tok_env"
    assert client.base_url == "https://api.tokaroo.com/v1"
    assert build_url(client.base_url, "/v1/models") == "https://api.tokaroo.com/v1/models"
    assert build_url(client.base_url, "/models") == "https://api.tokaroo.com/v1/models"
    assert build_url("https://x.test/proxy", "/v1/balance") == "https://x.test/proxy/v1/balance"
    assert resolve_base_url("https://x.test") == "https://x.test/v1"
    monkeypatch.setenv("TOKAROO_BASE_URL", "http://127.0.0.1:9/v1/")
    assert Tokaroo().base_url == "http://127.0.0.1:9/v1"
    monkeypatch.delenv("TOKAROO_API_KEY")
    with pytest.raises(TokarooError):
        Tokaroo()


def test_create_returns_typed_model_with_metadata() -> None:
    script = Script(
        httpx.Response(
            200,
            json=COMPLETION,
            headers={
                "x-tokaroo-cache": "hit",
                "x-tokaroo-cost": "0.000001000",
                "x-request-id": "req-1",
            },
        )
    )
    res = script.client().chat.completions.create(
        model="auto",
        messages=[{"role": "user", "content": "Hello!"}],
        max_tokens=5,
        temperature=None,
    )
    assert res.choices[0].message.content == "hi"
    assert res._tokaroo.cache == "hit"
    assert res._tokaroo.cost == Decimal("0.000001000")
    assert res._tokaroo.request_id == "req-1"
    assert res.usage is not None and res.usage.cost_usd == "0.000001000"
    request = script.seen[0][0]
    assert request.url == "http://t.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer tok_k"
    assert json.loads(request.content) == {
        "model": "auto",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hello!"}],
    }


def test_retries_429_and_503_honouring_retry_after() -> None:
    script = Script(
        httpx.Response(429, json=err(429, "rate_limit_exceeded"), headers={"retry-after": "1"}),
        httpx.Response(503, json=err(503, "unavailable"), headers={"retry-after-ms": "50"}),
        httpx.Response(200, json=COMPLETION),
    )
    res = script.client().chat.completions.create(model="auto", messages=[])
    assert res.id == "c1" and len(script.seen) == 3
    assert script.seen[1][1] - script.seen[0][1] >= 0.95
    assert 0.045 <= script.seen[2][1] - script.seen[1][1] < 0.9


def test_gives_up_after_max_retries_with_openai_fields() -> None:
    script = Script(
        httpx.Response(
            429,
            json=err(429, "rate_limit_exceeded", "rate_limit_error"),
            headers={"retry-after": "0", "x-request-id": "r9"},
        )
    )
    with pytest.raises(RateLimitError) as info:
        script.client(max_retries=1).balance.get()
    e = info.value
    assert isinstance(e, APIError) and isinstance(e, TokarooError)
    assert (e.status, e.type, e.code, e.param, e.message, e.request_id) == (
        429,
        "rate_limit_error",
        "rate_limit_exceeded",
        None,
        "failed 429",
        "r9",
    )
    assert len(script.seen) == 2


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (402, InsufficientBalanceError),
        (404, NotFoundError),
        (400, APIError),
        (500, InternalServerError),
    ],
)
def test_error_classes_and_no_retry_of_4xx(status: int, cls: type[APIError]) -> None:
    script = Script(httpx.Response(status, json=err(status, f"code_{status}")))
    with pytest.raises(cls) as info:
        script.client(max_retries=0).keys.list()
    assert info.value.status == status and info.value.code == f"code_{status}"
    if status < 500:
        script2 = Script(httpx.Response(status, json=err(status, "x")))
        with pytest.raises(cls):
            script2.client().keys.list()
        assert len(script2.seen) == 1


def test_connection_errors_and_timeouts() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    script = Script(refuse)
    with pytest.raises(APIConnectionError):
        script.client(max_retries=1).balance.get()
    assert len(script.seen) == 2
    with pytest.raises(APITimeoutError):
        Script(slow).client(max_retries=0).balance.get()


def sse(*events: Any) -> bytes:
    out = b""
    for e in events:
        out += e if isinstance(e, bytes) else b"data: " + json.dumps(e).encode() + b"\n\n"
    return out


def chunk(content: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "auto",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
        **extra,
    }


USAGE_CHUNK = {
    "id": "s",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "auto",
    "choices": [],
    "usage": {
        "prompt_tokens": 3,
        "completion_tokens": 3,
        "total_tokens": 6,
        "cost_usd": "0.000002500",
    },
}
STREAM = sse(
    chunk("Once"),
    b": keep-alive\n\n",
    chunk(" upon"),
    b"data: " + json.dumps(chunk(" a time")).encode() + b"\r\n\r\n",
    USAGE_CHUNK,
    b"data: [DONE]\n\n",
)
SSE_HEADERS = {"content-type": "text/event-stream", "x-tokaroo-cache": "miss", "x-request-id": "s1"}


def test_stream_iterates_chunks_and_reads_cost() -> None:
    script = Script(httpx.Response(200, content=STREAM, headers=SSE_HEADERS))
    stream = script.client().chat.completions.stream(
        model="auto", messages=[{"role": "user", "content": "Tell me a story"}]
    )
    text = "".join((c.choices[0].delta.content or "") if c.choices else "" for c in stream)
    assert text == "Once upon a time"
    assert stream.usage is not None and stream.usage.total_tokens == 6
    assert stream._tokaroo.cache == "miss" and stream._tokaroo.cost == Decimal("0.0000025")
    body = json.loads(script.seen[0][0].content)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_stream_errors_before_and_during() -> None:
    script = Script(
        httpx.Response(402, json=err(402, "insufficient_balance")),
        httpx.Response(
            200,
            headers=SSE_HEADERS,
            content=sse(
                chunk("partial"),
                {
                    "error": {
                        "message": "interrupted",
                        "type": "api_error",
                        "param": None,
                        "code": "stream_interrupted",
                    }
                },
            ),
        ),
    )
    client = script.client(max_retries=0)
    with pytest.raises(InsufficientBalanceError):
        client.chat.completions.create(model="auto", messages=[], stream=True)
    got = []
    with pytest.raises(APIError) as info:
        for c in client.chat.completions.create(model="auto", messages=[], stream=True):
            got.append(c)
    assert info.value.code == "stream_interrupted" and len(got) == 1


def test_keys_usage_fetch_paths() -> None:
    script = Script(
        httpx.Response(
            201,
            json={
                "id": "k1",
                "name": "production",
                "prefix": "tok_ab",
                "created_at": "2026-01-01T00:00:00Z",
                "key": "tok_secret",
            },
        ),
        httpx.Response(200, json={"object": "list", "data": []}),
        httpx.Response(200, json={"id": "k 1", "deleted": True, "revoked": True}),
        httpx.Response(
            200, json={"object": "list", "data": [], "has_more": False, "next_cursor": None}
        ),
        httpx.Response(200, json={"object": "list", "data": [{"id": "auto"}]}),
    )
    client = script.client()
    assert client.keys.create("production").key == "tok_secret"
    client.keys.list()
    client.keys.revoke("k 1")
    client.usage.list(limit=50, cursor="abc")
    assert client._fetch("GET", "/v1/models")["data"][0]["id"] == "auto"
    assert [f"{r.method} {r.url.raw_path.decode()}" for r, _ in script.seen] == [
        "POST /v1/keys",
        "GET /v1/keys",
        "DELETE /v1/keys/k%201",
        "GET /v1/usage?limit=50&cursor=abc",
        "GET /v1/models",
    ]


def test_async_client_same_surface() -> None:
    script = Script(
        httpx.Response(429, json=err(429, "rl"), headers={"retry-after": "0"}),
        httpx.Response(200, json=COMPLETION, headers={"x-tokaroo-cost": "0.000001000"}),
        httpx.Response(200, content=STREAM, headers=SSE_HEADERS),
        httpx.Response(200, content=STREAM, headers=SSE_HEADERS),
        httpx.Response(200, json={"balance_usd": 1.5, "balance_usd_exact": "1.500000000"}),
    )

    async def main() -> None:
        async with script.async_client() as client:
            res = await client.chat.completions.create(model="auto", messages=[])
            assert res._tokaroo.cost == Decimal("0.000001")
            text = ""
            stream = client.chat.completions.stream(model="auto", messages=[])
            async for c in stream:
                text += (c.choices[0].delta.content or "") if c.choices else ""
            assert text == "Once upon a time"
            assert stream._tokaroo is not None and stream._tokaroo.cost == Decimal("0.0000025")
            awaited = await client.chat.completions.create(model="auto", messages=[], stream=True)
            assert await awaited.final_text() == "Once upon a time"
            bal = await client.balance.get()
            assert bal.exact == Decimal("1.5")

    asyncio.run(main())
    assert len(script.seen) == 5


def test_retry_after_parsing() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2
    assert retry_after_seconds({"retry-after-ms": "150"}) == 0.15
    now = 1767225600.0  # 2026-01-01T00:00:00Z
    assert retry_after_seconds({"retry-after": "Thu, 01 Jan 2026 00:00:03 GMT"}, now) == 3
    assert retry_after_seconds({}) is None


def test_public_names() -> None:
    assert tokaroo.__version__ == "0.1.0"
    assert tokaroo.DEFAULT_BASE_URL == "https://api.tokaroo.com/v1"


# --- the Responses API ---------------------------------------------------------------------

RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "auto",
    "output": [
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "hi", "annotations": []}],
        },
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "f",
            "arguments": "{}",
        },
    ],
    "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2, "cost_usd": "0.000001000"},
}


def _sse_events(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def test_responses_create_retrieve_delete() -> None:
    seen: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        if request.method == "DELETE":
            return httpx.Response(
                200, json={"id": "resp_1", "object": "response.deleted", "deleted": True}
            )
        return httpx.Response(
            200, json=RESPONSE, headers={"x-tokaroo-cost": "0.000001000", "x-tokaroo-cache": "miss"}
        )

    client = Tokaroo(
        api_key="tok_x",
        base_url="https://gw.example/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    res = client.responses.create(model="auto", input="Hello", store=True)
    assert res.output_text == "hi" and res.function_calls[0]["call_id"] == "call_1"
    assert res._tokaroo.cost == Decimal("0.000001000") and res._tokaroo.cache == "miss"
    assert client.responses.retrieve("resp_1").id == "resp_1"
    client.responses.delete("resp_1")
    assert seen == [
        (
            "POST",
            "/v1/responses",
            {"model": "auto", "input": "Hello", "store": True, "stream": False},
        ),
        ("GET", "/v1/responses/resp_1", None),
        ("DELETE", "/v1/responses/resp_1", None),
    ]


def test_responses_stream_and_its_error_event() -> None:
    done = {"type": "response.completed", "sequence_number": 2, "response": RESPONSE}
    bodies = [
        _sse_events(
            {
                "type": "response.created",
                "sequence_number": 0,
                "response": {**RESPONSE, "status": "in_progress"},
            },
            {"type": "response.output_text.delta", "sequence_number": 1, "delta": "hi"},
            done,
        ),
        _sse_events(
            {
                "type": "error",
                "sequence_number": 0,
                "code": "stream_interrupted",
                "message": "interrupted",
                "param": None,
            }
        ),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=bodies.pop(0), headers={"content-type": "text/event-stream"}
        )

    client = Tokaroo(
        api_key="tok_x",
        base_url="https://gw.example/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with client.responses.stream(model="auto", input="Hi") as stream:
        kinds = [e.type for e in stream]
    assert kinds == ["response.created", "response.output_text.delta", "response.completed"]
    assert stream.response is not None and stream.response.output_text == "hi"
    assert stream._tokaroo is not None and stream._tokaroo.cost == Decimal("0.000001000")
    with pytest.raises(APIError), client.responses.stream(model="auto", input="Hi") as broken:
        broken.final_response()


def test_async_responses() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=RESPONSE)

    async def go() -> str:
        async with AsyncTokaroo(
            api_key="tok_x",
            base_url="https://gw.example/v1",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        ) as client:
            return (await client.responses.create(model="auto", input="Hi")).output_text

    assert asyncio.run(go()) == "hi"
