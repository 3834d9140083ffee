"""The chat-completion path through the real route, pipeline and record, over fakes: what
the client gets, and the one event each request ends with, however it ends."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
import pytest
from tokaroo_edge.charges import bill

from .conftest import with_exact

NO_CACHE = {"x-tokaroo-cache-control": "no-cache"}
PATH = "/v1/chat/completions"


def body(*, stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": "auto",
        "messages": [{"role": "user", "content": "say hello world"}],
        "stream": stream,
        **extra,
    }


async def post(edge: Any, payload: Any, **kw: Any) -> Any:
    async with edge.client() as client:
        return await client.post(PATH, json=payload, headers=NO_CACHE, **kw)


def charge(edge: Any, model: str, prompt: int, completion: int) -> int:
    decision = edge.router.decision
    cand = next(c for c in decision.candidates if c.upstream_model == model)
    return bill(
        mode="auto",
        decision=decision,
        candidate=cand,
        prompt=prompt,
        completion=completion,
        cached=0,
        cache_outcome="miss",
    ).charged_nano


def prompt_tokens(edge: Any) -> int:
    return int(edge.router.requests[0].input_tokens)


def sse(raw: bytes) -> list[Any]:
    out: list[Any] = []
    for line in raw.split(b"\n\n"):
        if line.startswith(b"data: "):
            data = line[len(b"data: ") :]
            out.append(data.decode() if data == b"[DONE]" else orjson.loads(data))
    return out


async def test_an_answer_is_billed_once_at_the_header_cost(edge: Any) -> None:
    resp = await post(edge, body())
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["model"] == "auto" and "system_fingerprint" not in out
    event = edge.only_event()
    assert (event.status, event.attempts, event.provider) == ("ok", 1, "fake")
    assert (event.input_tokens, event.output_tokens) == (7, 2)  # the upstream's usage
    assert event.charged_nano == charge(edge, "ok", 7, 2) > 0
    assert resp.headers["x-tokaroo-cost"] == out["usage"]["cost_usd"]
    (held,) = edge.ledger.holds
    assert held.request_id == event.request_id == resp.headers["x-request-id"]


async def test_a_retryable_failure_falls_back_invisibly(edge: Any) -> None:
    edge.route("flaky", "ok")
    resp = await post(edge, body())
    assert resp.status_code == 200 and resp.json()["choices"][0]["message"]["content"]
    event = edge.only_event()
    assert (event.status, event.attempts, event.resolved_model) == ("ok", 2, "id-ok")


async def test_a_non_retryable_failure_is_a_400_and_one_error_event(edge: Any) -> None:
    edge.route("bad", "ok")
    resp = await post(edge, body())
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == "invalid_request_error"
    event = edge.only_event()
    assert (event.status, event.error_code, event.attempts, event.charged_nano) == (
        "error",
        "invalid_request",
        1,
        0,
    )
    assert edge.provider.calls == ["bad"]


@pytest.mark.parametrize(
    ("models", "status", "code"),
    [
        (("flaky", "late"), 504, "upstream_timeout"),
        (("late", "flaky"), 502, "upstream_error"),
    ],
)
async def test_every_route_failing(
    edge: Any, models: tuple[str, ...], status: int, code: str
) -> None:
    edge.route(*models)
    resp = await post(edge, body())
    assert resp.status_code == status and resp.json()["error"]["code"] == code
    event = edge.only_event()
    assert (event.status, event.error_code, event.attempts) == ("error", code, 2)


async def test_insufficient_balance_is_a_402_with_a_rejection_event(edge: Any) -> None:
    edge.ledger.available_nano = 0
    resp = await post(edge, body())
    assert resp.status_code == 402
    event = edge.only_event()
    assert (event.status, event.error_code, event.charged_nano) == (
        "error",
        "insufficient_balance",
        0,
    )
    assert event.tenant_id == edge.principal.tenant_id and event.model_requested == "auto"
    assert edge.provider.calls == [] and edge.ledger.holds == []


async def test_rate_limited_chat_is_a_429_with_a_rejection_event(edge: Any) -> None:
    edge.limiter.exhausted = True
    resp = await post(edge, body())
    assert resp.status_code == 429 and resp.headers["retry-after"] == "7"
    assert edge.only_event().error_code == "rate_limit_exceeded"
    assert edge.router.requests == []


async def test_an_invalid_body_after_auth_is_a_400_with_an_event(edge: Any) -> None:
    async with edge.client() as client:
        resp = await client.post(PATH, content=b"{not json", headers=NO_CACHE)
    assert resp.status_code == 400
    event = edge.only_event()
    assert (event.status, event.error_code, event.endpoint) == (
        "error",
        "invalid_request",
        "chat.completions",
    )


async def test_a_stream_is_relayed_and_billed_once(edge: Any) -> None:
    resp = await post(edge, body(stream=True, stream_options={"include_usage": True}))
    assert resp.status_code == 200
    chunks = sse(resp.content)
    assert chunks[-1] == "[DONE]" and chunks[-2]["usage"]["completion_tokens"] == 2
    text = "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks[:-2] if c["choices"]
    )
    assert text == "Hello world"
    assert all(c["model"] == "auto" for c in chunks[:-1])
    event = edge.only_event()
    assert (event.status, event.streamed, event.output_tokens) == ("ok", True, 2)
    assert event.charged_nano == charge(edge, "ok", 7, 2)
    assert edge.provider.streams_closed == ["ok"]


async def test_a_stream_without_a_first_token_in_time_falls_back(edge: Any) -> None:
    edge.route("slow", "ok")
    resp = await post(edge, body(stream=True))
    assert resp.status_code == 200 and sse(resp.content)[-1] == "[DONE]"
    event = edge.only_event()
    assert (event.status, event.attempts, event.resolved_model) == ("ok", 2, "id-ok")
    assert sorted(edge.provider.streams_closed) == ["ok", "slow"]


@pytest.mark.parametrize("first", ["mute", "drop"])
async def test_a_stream_that_fails_after_its_role_falls_back_invisibly(
    edge: Any, first: str
) -> None:
    """A role announced is not an answer begun: silence or a break before the first token
    leaves the stream to the next candidate, and the client sees one clean stream."""
    edge.route(first, "ok")
    resp = await post(edge, body(stream=True))
    assert resp.status_code == 200
    chunks = sse(resp.content)[:-1]
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert [d.get("role") for d in deltas].count("assistant") == 1
    assert "".join(d.get("content") or "" for d in deltas) == "Hello world"
    event = edge.only_event()
    assert (event.status, event.attempts, event.resolved_model) == ("ok", 2, "id-ok")
    assert sorted(edge.provider.streams_closed) == sorted([first, "ok"])


async def test_a_stream_broken_after_the_first_token_bills_what_was_delivered(edge: Any) -> None:
    edge.route("break")
    resp = await post(edge, body(stream=True))
    chunks = sse(resp.content)
    assert chunks[-1]["error"]["code"] == "stream_interrupted" and "[DONE]" not in chunks
    event = edge.only_event()
    assert (event.status, event.error_code, event.output_tokens) == (
        "partial",
        "stream_interrupted",
        1,
    )  # "Hello"
    assert event.charged_nano == charge(edge, "break", prompt_tokens(edge), 1)


async def test_a_client_disconnect_mid_stream_bills_the_delivered_tokens(edge: Any) -> None:
    edge.route("hang")
    sent = await edge.drive(PATH, body(stream=True), disconnect_after=3)
    assert len(sent) >= 3
    event = edge.only_event()
    assert (event.status, event.error_code) == ("partial", "client_closed")
    assert (event.input_tokens, event.output_tokens) == (prompt_tokens(edge), 2)
    assert event.charged_nano == charge(edge, "hang", prompt_tokens(edge), 2)
    assert edge.provider.streams_closed == ["hang"]
    assert edge.ledger.holds[0].request_id == event.request_id


async def test_a_client_gone_before_its_first_token_is_not_an_error(
    edge: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Leaving while the edge waits on the upstream is everyday traffic: the record notes
    it, the log says so at info level, and nothing is logged as an error with a traceback."""
    edge.route("slow")
    with caplog.at_level(logging.INFO):
        sent = await edge.drive(PATH, body(stream=True), disconnect_after=0)
    assert sent == []
    event = edge.only_event()
    assert (event.status, event.error_code) == ("error", "client_closed")
    assert "client closed the request" in caplog.messages
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_stream_cancelled_before_its_generator_started(edge: Any) -> None:
    """Starlette cancels the response while its headers are sent: the body generator never
    runs. The record still emits one event (the prompt only: nothing was delivered) and
    closes the upstream stream, which had already produced its first chunk."""
    sent = await edge.drive(PATH, body(stream=True), block_headers=True)
    assert sent == []
    event = edge.only_event()
    assert (event.status, event.error_code) == ("partial", "client_closed")
    assert (event.input_tokens, event.output_tokens) == (prompt_tokens(edge), 0)
    assert event.charged_nano == charge(edge, "ok", prompt_tokens(edge), 0)
    assert edge.provider.streams_started == edge.provider.streams_closed == ["ok"]


async def test_a_stream_failing_before_the_first_token_is_an_error_response(edge: Any) -> None:
    edge.route("empty", "flaky")
    resp = await post(edge, body(stream=True))
    assert resp.status_code == 502 and resp.headers["content-type"] == "application/json"
    event = edge.only_event()
    assert (event.status, event.error_code, event.attempts) == ("error", "upstream_error", 2)
    assert sorted(edge.provider.streams_closed) == ["empty", "flaky"]


async def test_an_exact_hit_is_served_and_billed_without_the_router(edge: Any) -> None:
    with_exact(edge)
    fast = body(model="fast")
    async with edge.client() as client:
        first = await client.post(PATH, json=fast)
        await asyncio.gather(*edge.state.completer._background)  # the store, after the answer
        hit = await client.post(PATH, json=fast)
        replay = await client.post(PATH, json={**fast, "stream": True})
    assert first.headers["x-tokaroo-cache"] == "miss"
    assert hit.headers["x-tokaroo-cache"] == replay.headers["x-tokaroo-cache"] == "hit"
    assert len(edge.router.requests) == 1  # the miss only
    assert hit.json()["choices"] == first.json()["choices"]
    assert "tokaroo_route" not in hit.text and "tokaroo_route" not in replay.text
    miss_event, hit_event, replay_event = edge.events
    usage = hit.json()["usage"]
    expected = bill(
        mode="fast",
        decision=edge.router.decision,
        candidate=None,
        prompt=usage["prompt_tokens"],
        completion=usage["completion_tokens"],
        cached=0,
        cache_outcome="exact",
    )
    for event in (hit_event, replay_event):
        assert (event.cache_outcome, event.tier) == ("exact", miss_event.tier)
        assert event.charged_nano == expected.charged_nano > 0
        assert event.baseline_cost_nano == expected.baseline_nano
        assert event.upstream_cost_nano == 0 and not event.provider
    assert hit.headers["x-tokaroo-cost"] == usage["cost_usd"]
