"""The semantic cache through the stack: a paraphrase is served for `auto`, never across
tenants, never for `max` or an opt-out, and never for a question with a different number."""

from __future__ import annotations

import time

import httpx

from tests.harness import Stack


def _ask(stack: Stack, key: str, text: str, model: str = "auto", **headers: str) -> httpx.Response:
    resp = httpx.post(
        f"{stack.base_url}/chat/completions",
        timeout=30,
        headers={"Authorization": f"Bearer {key}", **headers},
        json={"model": model, "messages": [{"role": "user", "content": text}]},
    )
    assert resp.status_code == 200, resp.text
    return resp


def _stored(stack: Stack, key: str, text: str, timeout_s: float = 30) -> None:
    """Wait until the answer to `text` is in the cache (it is stored, embedding included,
    after the answer is sent): its exact repeat is a hit."""
    deadline = time.monotonic() + timeout_s
    while _ask(stack, key, text).headers["x-tokaroo-cache"] != "hit":
        assert time.monotonic() < deadline, f"{text!r} was never stored"
        time.sleep(0.2)


def test_paraphrase_hits_within_a_tenant_only(stack: Stack) -> None:
    a, b = stack.new_tenant_key("1"), stack.new_tenant_key("1")
    first = _ask(stack, a, "How do I reverse a list in Python?")
    assert first.headers["x-tokaroo-cache"] == "miss"
    _stored(stack, a, "How do I reverse a list in Python?")
    hit = _ask(stack, a, "How can I reverse a list in Python?")
    assert hit.headers["x-tokaroo-cache"] == "hit"
    assert (
        hit.json()["choices"][0]["message"]["content"]
        == first.json()["choices"][0]["message"]["content"]
    )
    assert (
        _ask(stack, b, "How can I reverse a list in Python?").headers["x-tokaroo-cache"] == "miss"
    )
    assert (
        _ask(stack, a, "How can I reverse a list in Python?", model="max").headers[
            "x-tokaroo-cache"
        ]
        == "miss"
    )
    assert (
        _ask(
            stack,
            a,
            "How can I reverse a list in Python?",
            **{"x-tokaroo-cache-control": "no-cache"},
        ).headers["x-tokaroo-cache"]
        == "miss"
    )


def test_a_different_number_is_not_served(stack: Stack) -> None:
    key = stack.new_tenant_key("1")
    _ask(stack, key, "What is 17 times 23?")
    _stored(stack, key, "What is 17 times 23?")
    assert _ask(stack, key, "What is 17 times 24?").headers["x-tokaroo-cache"] == "miss"
