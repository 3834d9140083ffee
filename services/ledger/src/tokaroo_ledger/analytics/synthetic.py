"""Deterministic synthetic CompletionEvents for tests, the benchmark and demo data."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Sequence

from tokaroo_proto.events.v1 import events_pb2

_TIERS = ("instant", "standard", "complex")
_MODELS = {
    "instant": [("groq", "llama-3.1-8b"), ("openai", "gpt-4.1-nano")],
    "standard": [("openai", "gpt-4.1-mini"), ("gemini", "gemini-2.5-flash")],
    "complex": [("anthropic", "claude-sonnet-4"), ("openai", "gpt-5")],
}
_REQUESTED = ("auto", "auto", "auto", "fast", "max")
_ERRORS = ("upstream_timeout", "upstream_5xx", "rate_limited")


def make_events(
    n: int,
    *,
    tenants: Sequence[str] = ("t-alpha", "t-beta", "t-gamma"),
    start_ms: int | None = None,
    span_ms: int = 6 * 3_600_000,
    seed: int = 7,
) -> Iterator[events_pb2.CompletionEvent]:
    """`n` distinct events spread over `span_ms` from `start_ms` (default: the last `span_ms`),
    with every tier, cache outcome, status and fallback represented once n is in the dozens."""
    rng = random.Random(seed)
    if start_ms is None:
        start_ms = int(time.time() * 1000) - span_ms
    for i in range(n):
        tier = _TIERS[i % 3]
        provider, model = rng.choice(_MODELS[tier])
        cache = ("exact", "semantic", "miss", "miss", "miss")[i % 5]
        status = "error" if i % 17 == 0 else ("partial" if i % 29 == 0 else "ok")
        baseline = rng.randint(2_000, 900_000)
        upstream = 0 if cache != "miss" else baseline * rng.randint(20, 70) // 100
        charged = 0 if status == "error" else min(baseline, upstream + baseline // 10)
        attempts = 2 if i % 11 == 0 else 1
        streamed = i % 2 == 0
        yield events_pb2.CompletionEvent(
            request_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            tenant_id=tenants[rng.randrange(len(tenants))],
            key_id=f"key-{i % 7}",
            model_requested=_REQUESTED[i % len(_REQUESTED)],
            tier=tier,
            resolved_model="" if cache != "miss" else model,
            provider="" if cache != "miss" else provider,
            input_tokens=rng.randint(10, 4000),
            output_tokens=rng.randint(1, 1200),
            cached_tokens=rng.randint(0, 500),
            upstream_cost_nano=upstream,
            baseline_cost_nano=baseline,
            charged_nano=charged,
            cache_outcome=cache,
            latency_ms=rng.randint(1, 60) if cache != "miss" else rng.randint(80, 9000),
            ttft_ms=rng.randint(40, 900) if streamed else 0,
            status=status,
            error_code=_ERRORS[i % 3] if status == "error" else "",
            attempts=attempts,
            created_at_unix_ms=start_ms + rng.randrange(span_ms),
            endpoint="chat.completions",
            streamed=streamed,
        )
