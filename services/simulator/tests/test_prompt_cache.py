"""Prompt caching rules per provider (pure), and through the app's three wire formats."""

from __future__ import annotations

import httpx
import pytest
from tokaroo_simulator.cache_blocks import anthropic_blocks, openai_blocks
from tokaroo_simulator.prompt_cache import (
    CacheBlock,
    CacheRuleError,
    PrefixStore,
    PromptCaches,
    anthropic_min_tokens,
)

BIG = "policy text " * 800  # about 2,400 tokens at 4 characters a token
ANTHROPIC = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
OPENAI = {"authorization": "Bearer sk-test"}


def blocks(*texts: str, marks: dict[int, str] | None = None) -> list[CacheBlock]:
    marks = marks or {}
    return [CacheBlock(t.encode(), marks.get(i)) for i, t in enumerate(texts)]


def test_store_expires_and_refreshes_on_hit() -> None:
    s = PrefixStore()
    s.put("k", 10, now=0)
    assert s.hit("k", now=9)  # refreshed: alive until 19
    assert s.hit("k", now=18)
    assert not s.hit("k", now=40)
    assert len(s) == 0


def test_store_evicts_least_recently_used() -> None:
    s = PrefixStore(capacity=2)
    s.put("a", 60, 0)
    s.put("b", 60, 0)
    assert s.hit("a", 1)
    s.put("c", 60, 1)
    assert s.hit("a", 2) and s.hit("c", 2) and not s.hit("b", 2)


def test_openai_needs_1024_tokens_and_counts_128_token_steps() -> None:
    c = PromptCaches()
    short = blocks("x" * 3000, "question")
    assert c.usage("openai", "gpt-4.1", short, 752, now=0).read == 0
    assert c.usage("openai", "gpt-4.1", short, 752, now=1).read == 0  # under 1,024: never
    long = blocks(BIG, "first question")
    assert c.usage("openai", "gpt-4.1", long, 2404, now=0).read == 0
    again = c.usage("openai", "gpt-4.1", blocks(BIG, "another question"), 2405, now=5).read
    assert again >= 1024 and (again - 1024) % 128 == 0 and again <= 2404


def test_openai_cache_is_per_model_and_expires() -> None:
    c = PromptCaches()
    b = blocks(BIG, "q")
    c.usage("openai", "gpt-4.1", b, 2401, now=0)
    assert c.usage("openai", "gpt-4o", b, 2401, now=1).read == 0
    assert c.usage("openai", "gpt-4.1", b, 2401, now=2).read > 0
    assert c.usage("openai", "gpt-4.1", b, 2401, now=2 + 601).read == 0


def test_openai_reordered_keys_miss() -> None:
    c = PromptCaches()
    one = {"messages": [{"role": "system", "content": BIG}, {"role": "user", "content": "q"}]}
    two = {"messages": [{"content": BIG, "role": "system"}, {"role": "user", "content": "q"}]}
    c.usage("openai", "m", openai_blocks(one), 2401, now=0)
    assert c.usage("openai", "m", openai_blocks(two), 2401, now=1).read == 0
    assert c.usage("openai", "m", openai_blocks(one), 2401, now=1).read > 0


def test_anthropic_nothing_without_breakpoints() -> None:
    c = PromptCaches()
    b = blocks(BIG, "q")
    for now in (0, 1):
        assert c.usage("anthropic", "claude-sonnet-4-5", b, 2401, now).read == 0


def test_anthropic_write_then_read_and_lookback() -> None:
    c = PromptCaches()
    first = blocks(BIG, "turn one", marks={1: "5m"})
    u1 = c.usage("anthropic", "claude-sonnet-4-5", first, 2402, now=0)
    assert (u1.read, u1.write_5m) == (0, 2402)
    # The next turn moves its breakpoint to its own end: the old one is found by lookback.
    second = blocks(BIG, "turn one", "answer", "turn two", marks={3: "5m"})
    u2 = c.usage("anthropic", "claude-sonnet-4-5", second, 2406, now=10)
    assert u2.read > 2390 and u2.read + u2.write_5m == 2406


def test_anthropic_minimum_length_and_ttl() -> None:
    c = PromptCaches()
    short = blocks("x" * 400, "q", marks={1: "5m"})
    assert c.usage("anthropic", "claude-sonnet-4-5", short, 101, now=0).write == 0
    b = blocks(BIG, "q", marks={0: "1h"})
    assert c.usage("anthropic", "claude-sonnet-4-5", b, 2401, now=0).write_1h > 0
    assert c.usage("anthropic", "claude-sonnet-4-5", b, 2401, now=3000).read > 0  # 1h lives
    b5 = blocks(BIG + "!", "q", marks={0: "5m"})
    c.usage("anthropic", "claude-sonnet-4-5", b5, 2401, now=0)
    assert c.usage("anthropic", "claude-sonnet-4-5", b5, 2401, now=400).read == 0
    assert anthropic_min_tokens("claude-haiku-4-5") == 4096
    assert anthropic_min_tokens("claude-3-5-haiku-latest") == 2048


def test_anthropic_at_most_four_breakpoints() -> None:
    with pytest.raises(CacheRuleError, match="maximum of 4"):
        PromptCaches().usage(
            "anthropic", "m", blocks(*"abcde", marks=dict.fromkeys(range(5), "5m")), 10, now=0
        )


def test_anthropic_blocks_strip_cache_control_before_hashing() -> None:
    body = {
        "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "q"}],
    }
    out = anthropic_blocks(body)
    assert out[0].ttl == "5m" and b"cache_control" not in out[0].data
    plain = anthropic_blocks({**body, "system": [{"type": "text", "text": "s"}]})
    assert plain[0].data == out[0].data and plain[0].ttl is None


def test_gemini_implicit_minimum_per_model() -> None:
    c = PromptCaches()
    b = blocks(BIG[:6000], "q")  # about 1,500 tokens: enough for Flash, not for Pro
    for model, cached in (("gemini-2.5-flash", True), ("gemini-2.5-pro", False)):
        c.usage("gemini", model, b, 1501, now=0)
        assert (c.usage("gemini", model, b, 1501, now=1).read > 0) is cached


def test_disabled_caches_nothing() -> None:
    c = PromptCaches(enabled=False)
    b = blocks(BIG, "q")
    c.usage("openai", "m", b, 2401, now=0)
    assert c.usage("openai", "m", b, 2401, now=1).read == 0


async def test_app_reports_cached_tokens_in_each_format(client: httpx.AsyncClient) -> None:
    chat = {
        "model": "gpt-4.1-mini",
        "messages": [{"role": "system", "content": BIG}, {"role": "user", "content": "hi"}],
    }
    await client.post("/v1/chat/completions", json=chat, headers=OPENAI)
    u = (await client.post("/v1/chat/completions", json=chat, headers=OPENAI)).json()["usage"]
    assert u["prompt_tokens_details"]["cached_tokens"] >= 1024
    resp = {"model": "gpt-4.1-mini", "instructions": BIG, "input": "hi"}
    await client.post("/v1/responses", json=resp, headers=OPENAI)
    u = (await client.post("/v1/responses", json=resp, headers=OPENAI)).json()["usage"]
    assert u["input_tokens_details"]["cached_tokens"] >= 1024
    msg = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "system": [{"type": "text", "text": BIG, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "hi"}],
    }
    u1 = (await client.post("/v1/messages", json=msg, headers=ANTHROPIC)).json()["usage"]
    u2 = (await client.post("/v1/messages", json=msg, headers=ANTHROPIC)).json()["usage"]
    assert u1["cache_creation_input_tokens"] > 0 and u1["cache_read_input_tokens"] == 0
    assert u2["cache_read_input_tokens"] == u1["cache_creation_input_tokens"]
    assert (
        u2["input_tokens"] + u2["cache_read_input_tokens"]
        == u1["input_tokens"] + u1["cache_creation_input_tokens"]
    )
    gem = {
        "systemInstruction": {"parts": [{"text": BIG}]},
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    }
    url = "/v1beta/models/gemini-2.5-flash:generateContent?key=k"
    await client.post(url, json=gem)
    meta = (await client.post(url, json=gem)).json()["usageMetadata"]
    assert meta["cachedContentTokenCount"] > 0


async def test_app_rejects_five_breakpoints(client: httpx.AsyncClient) -> None:
    cc = {"type": "ephemeral"}
    msg = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "system": [{"type": "text", "text": f"s{i}", "cache_control": cc} for i in range(5)],
        "messages": [{"role": "user", "content": "hi"}],
    }
    r = await client.post("/v1/messages", json=msg, headers=ANTHROPIC)
    assert r.status_code == 400 and "maximum of 4" in r.json()["error"]["message"]
