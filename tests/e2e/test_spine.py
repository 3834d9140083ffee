"""The request spine end to end: the official openai SDK against the running local stack."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import httpx
import openai
import pytest
from tokaroo_router.pool import default_pool_path

from tests.harness import Stack


def balance(stack: Stack, key: str | None = None) -> Decimal:
    resp = httpx.get(
        f"{stack.base_url}/balance", headers={"Authorization": f"Bearer {key or stack.api_key}"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert Decimal(str(body["balance_usd"])) == Decimal(body["balance_usd_exact"])
    return Decimal(body["balance_usd_exact"])


def wait_balance(stack: Stack, expected: Decimal, timeout: float = 15.0) -> Decimal:
    deadline = time.monotonic() + timeout
    current = balance(stack)
    while current != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        current = balance(stack)
    return current


def test_completion_and_stream_bill_exactly_the_header_cost(stack: Stack) -> None:
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)
    before = balance(stack)
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Say hello to the spine test"}]
    )
    res = raw.parse()
    assert res.model == "auto"
    assert res.choices[0].message.content
    assert raw.headers["x-tokaroo-cache"] == "miss"
    assert raw.headers["x-request-id"]
    cost1 = Decimal(raw.headers["x-tokaroo-cost"])
    assert cost1 > 0
    assert wait_balance(stack, before - cost1) == before - cost1

    chunks = list(
        client.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": "Stream a short story, spine"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert all(c.model == "auto" for c in chunks)
    usage = chunks[-1].usage
    assert usage is not None and usage.completion_tokens > 0
    cost2 = Decimal(usage.model_extra["cost_usd"])
    assert cost2 > 0
    assert wait_balance(stack, before - cost1 - cost2) == before - cost1 - cost2


def test_exact_cache_hit_on_repeat(stack: Stack) -> None:
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)
    msgs = [{"role": "user", "content": "Cache me if you can: what is the capital of Peru?"}]
    first = client.chat.completions.with_raw_response.create(model="auto", messages=msgs)
    assert first.headers["x-tokaroo-cache"] == "miss"
    deadline = time.monotonic() + 10  # the store happens in the background, after the answer
    while True:
        second = client.chat.completions.with_raw_response.create(model="auto", messages=msgs)
        if second.headers["x-tokaroo-cache"] == "hit" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert second.headers["x-tokaroo-cache"] == "hit"
    assert first.parse().choices[0].message.content == second.parse().choices[0].message.content
    assert Decimal(second.headers["x-tokaroo-cost"]) < Decimal(first.headers["x-tokaroo-cost"])
    stream = list(client.chat.completions.create(model="auto", messages=msgs, stream=True))
    replayed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert replayed == first.parse().choices[0].message.content


def test_models_lists_virtual_models_and_prices(stack: Stack) -> None:
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)
    ids = {m.id for m in client.models.list()}
    assert {"auto", "fast", "max", "gpt-4o", "gpt-4.1"} <= ids
    raw = httpx.get(
        f"{stack.base_url}/models", headers={"Authorization": f"Bearer {stack.api_key}"}
    ).json()
    gpt4o = next(m for m in raw["data"] if m["id"] == "gpt-4o")
    assert gpt4o["pricing"] == {"input_per_1m": 2.5, "output_per_1m": 10}


def test_errors_have_openai_shape(stack: Stack) -> None:
    bad = openai.OpenAI(base_url=stack.base_url, api_key="tok_not_a_real_key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as auth:
        bad.chat.completions.create(model="auto", messages=[{"role": "user", "content": "x"}])
    assert auth.value.status_code == 401
    assert auth.value.body["type"] == "authentication_error"  # type: ignore[index]

    headers = {"Authorization": f"Bearer {stack.api_key}", "Content-Type": "application/json"}
    for payload in [
        b"{not json",
        b'{"model": "auto"}',
        b'{"model": "auto", "messages": []}',
        b"[1,2]",
        b'{"model": "auto", "messages": [{"role": "wizard"}]}',
        b'{"model": "auto", "messages": [{"role": "user", "content": "x"}], "temperature": 9}',
        b"\xff\xfe",
    ]:
        resp = httpx.post(f"{stack.base_url}/chat/completions", content=payload, headers=headers)
        assert resp.status_code == 400, (payload, resp.text)
        err = resp.json()["error"]
        assert err["type"] == "invalid_request_error" and err["message"]

    resp = httpx.get(f"{stack.base_url}/nope", headers=headers)
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"

    resp = httpx.post(
        f"{stack.base_url}/chat/completions",
        headers=headers,
        json={"model": "no-such-model", "messages": [{"role": "user", "content": "x"}]},
    )
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "model_not_found"

    missing = httpx.get(f"{stack.base_url}/models")
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "authentication_error"


def test_response_never_names_the_upstream(stack: Stack) -> None:
    resp = httpx.post(
        f"{stack.base_url}/chat/completions",
        headers={"Authorization": f"Bearer {stack.api_key}"},
        json={"model": "auto", "messages": [{"role": "user", "content": "Hi?"}]},
    )
    assert resp.status_code == 200
    text = resp.text.lower() + " ".join(f"{k}:{v}" for k, v in resp.headers.items()).lower()
    pool = json.loads((default_pool_path()).read_text())
    names = {m["id"] for m in pool["models"]} | {"openai", "anthropic", "gemini", "google"}
    for name in names:
        assert name.lower() not in text, name
