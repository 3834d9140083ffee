"""Embeddings through the real route and pipeline, over fakes: the same admission as chat
(overload, per-key rate limit, breakers, hold) and one event per request."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest
from tokaroo_edge.embeddings import encode_base64

PATH = "/v1/embeddings"


async def post(edge: Any, payload: Any) -> Any:
    async with edge.client() as client:
        return await client.post(PATH, json=payload)


async def test_embeddings_are_answered_held_and_billed_once(edge: Any) -> None:
    resp = await post(edge, {"input": ["one two", "three"], "model": "auto"})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["model"] == "auto" and [d["index"] for d in out["data"]] == [0, 1]
    assert out["data"][0]["embedding"] == [0.5, -0.25]
    event = edge.only_event()
    assert (event.status, event.endpoint, event.attempts, event.input_tokens) == (
        "ok",
        "embeddings",
        1,
        3,
    )
    assert event.charged_nano > 0
    assert resp.headers["x-tokaroo-cost"] == f"{event.charged_nano / 1e9:.9f}"
    (held,) = edge.ledger.holds
    assert held.request_id == event.request_id and held.amount_nano >= event.charged_nano
    assert edge.router.requests[0].endpoint == "embeddings"


async def test_base64_encoding(edge: Any) -> None:
    resp = await post(edge, {"input": "hi", "encoding_format": "base64"})
    packed = base64.b64decode(resp.json()["data"][0]["embedding"])
    assert struct.unpack("<2f", packed) == (0.5, -0.25)
    assert encode_base64([0.5, -0.25]) == resp.json()["data"][0]["embedding"]


async def test_rate_limited_embeddings_are_a_429_with_a_rejection_event(edge: Any) -> None:
    edge.limiter.exhausted = True
    resp = await post(edge, {"input": ["one two", "three"]})
    assert resp.status_code == 429 and resp.headers["retry-after"] == "7"
    assert resp.json()["error"]["type"] == "rate_limit_error"
    ((key_id, limits, tokens),) = edge.limiter.checks
    assert key_id == edge.principal.key_id and tokens == 3  # the inputs' tokens
    assert (limits.requests_per_minute, limits.tokens_per_minute) == (60, 10_000)
    event = edge.only_event()
    assert (event.status, event.error_code, event.endpoint) == (
        "error",
        "rate_limit_exceeded",
        "embeddings",
    )
    assert edge.router.requests == [] and edge.ledger.holds == [] and edge.provider.calls == []


async def test_embeddings_are_refused_with_503_when_the_outbox_is_overloaded(edge: Any) -> None:
    edge.outbox.pending = 95
    resp = await post(edge, {"input": "hi"})
    assert resp.status_code == 503 and resp.headers["retry-after"] == "1"
    assert edge.only_event().error_code == "service_unavailable"
    assert edge.router.requests == [] and edge.ledger.holds == []


async def test_insufficient_balance_is_a_402_with_a_rejection_event(edge: Any) -> None:
    edge.ledger.available_nano = 0
    resp = await post(edge, {"input": "hi"})
    assert resp.status_code == 402
    assert edge.only_event().error_code == "insufficient_balance"
    assert edge.provider.calls == []


async def test_a_retryable_failure_falls_back_and_opens_the_shared_breaker(edge: Any) -> None:
    edge.state.embeddings.breakers.threshold = 1
    edge.route("flaky", "ok")
    resp = await post(edge, {"input": "hi"})
    assert resp.status_code == 200
    assert edge.only_event().attempts == 2
    assert edge.state.completer.breakers.open_circuits() == [("fake", "flaky")]  # chat's too
    resp = await post(edge, {"input": "again"})
    assert edge.provider.calls == ["flaky", "ok", "ok"]  # the open circuit goes last
    assert edge.events[-1].attempts == 1


async def test_a_non_retryable_failure_is_a_400(edge: Any) -> None:
    edge.route("bad", "ok")
    resp = await post(edge, {"input": "hi"})
    assert resp.status_code == 400 and "input" in resp.json()["error"]["message"]
    event = edge.only_event()
    assert (event.error_code, event.attempts) == ("invalid_request", 1)


@pytest.mark.parametrize(("models", "status"), [(("flaky", "late"), 504), (("late", "flaky"), 502)])
async def test_every_route_failing(edge: Any, models: tuple[str, ...], status: int) -> None:
    edge.route(*models)
    resp = await post(edge, {"input": "hi"})
    assert resp.status_code == status
    assert edge.only_event().attempts == 2


async def test_token_array_input_is_a_400_with_an_event(edge: Any) -> None:
    resp = await post(edge, {"input": [1, 2, 3]})
    assert resp.status_code == 400
    assert edge.only_event().error_code == "invalid_request"
    assert edge.router.requests == []
