"""What each configured provider serves (its models endpoint) and canary probes through it.

Canary: one tiny streamed chat completion (16 output tokens at most) per chat deployment,
one tiny embedding per embedding deployment. It measures time to first token and output
tokens/s, and checks the reply is well formed: non-empty text within the token limit (an
embedding: a non-empty vector of numbers). A probe never raises: failures are results.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from tokaroo_research.snapshot import Probe

PROMPT = "Reply with one word: pong"
MAX_TOKENS = 16
ANTHROPIC_VERSION = "2023-06-01"
MAX_TOKENS_PER_S = 2000.0  # a burst of buffered chunks is not a real rate


@dataclass(frozen=True)
class ProviderSpec:
    name: str  # openai | anthropic | gemini
    base_url: str
    api_key: str

    def headers(self) -> dict[str, str]:
        if self.name == "anthropic":
            return {"x-api-key": self.api_key, "anthropic-version": ANTHROPIC_VERSION}
        if self.name == "gemini":
            return {"x-goog-api-key": self.api_key}
        return {"authorization": f"Bearer {self.api_key}"}


async def list_models(client: httpx.AsyncClient, spec: ProviderSpec) -> frozenset[str]:
    """Every model id the provider lists (following its pagination)."""
    base, ids, params = spec.base_url.rstrip("/"), set(), {}  # type: ignore[var-annotated]
    path = "/v1/models" if spec.name == "anthropic" else "/models"
    for _ in range(50):
        r = await client.get(base + path, headers=spec.headers(), params=params)
        r.raise_for_status()
        body = r.json()
        if spec.name == "gemini":
            ids.update(str(m["name"]).removeprefix("models/") for m in body.get("models", []))
            if not body.get("nextPageToken"):
                break
            params = {"pageToken": body["nextPageToken"]}
        else:
            ids.update(str(m["id"]) for m in body.get("data", []))
            if not body.get("has_more") or not body.get("last_id"):
                break
            params = {"after_id": body["last_id"]}
    return frozenset(ids)


def _chat_request(spec: ProviderSpec, model: str) -> tuple[str, dict[str, Any]]:
    base = spec.base_url.rstrip("/")
    messages = [{"role": "user", "content": PROMPT}]
    if spec.name == "anthropic":
        return base + "/v1/messages", {"model": model, "max_tokens": MAX_TOKENS,
                                       "messages": messages, "stream": True}
    if spec.name == "gemini":
        return (base + f"/models/{model}:streamGenerateContent?alt=sse",
                {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
                 "generationConfig": {"maxOutputTokens": MAX_TOKENS}})
    return base + "/chat/completions", {
        "model": model, "messages": messages, "max_tokens": MAX_TOKENS, "stream": True,
        "stream_options": {"include_usage": True}}


def event_text_and_tokens(provider: str, event: dict[str, Any]) -> tuple[str, int | None]:
    """The text one stream event adds, and the output token count if it reports one."""
    if provider == "anthropic":
        delta = event.get("delta") or {}
        tokens = (event.get("usage") or {}).get("output_tokens")
        return str(delta.get("text", "")), tokens if isinstance(tokens, int) else None
    if provider == "gemini":
        parts = [p for c in event.get("candidates") or []
                 for p in (c.get("content") or {}).get("parts") or []]
        tokens = (event.get("usageMetadata") or {}).get("candidatesTokenCount")
        return ("".join(str(p.get("text", "")) for p in parts),
                tokens if isinstance(tokens, int) else None)
    text = "".join(str((c.get("delta") or {}).get("content") or "")
                   for c in event.get("choices") or [])
    tokens = (event.get("usage") or {}).get("completion_tokens")
    return text, tokens if isinstance(tokens, int) else None


async def _sse_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data and data != "[DONE]":
                event = json.loads(data)
                if isinstance(event, dict):
                    yield event


async def probe_chat(client: httpx.AsyncClient, spec: ProviderSpec, model: str) -> Probe:
    url, body = _chat_request(spec, model)
    start = time.perf_counter()
    first = last = 0.0
    text, tokens, pieces = "", None, 0
    try:
        async with client.stream("POST", url, headers=spec.headers(), json=body) as r:
            if r.status_code != 200:
                return Probe(False, error=f"HTTP {r.status_code}")
            async for event in _sse_events(r):
                piece, reported = event_text_and_tokens(spec.name, event)
                if piece:
                    now = time.perf_counter()
                    first, last, pieces = first or now, now, pieces + 1
                    text += piece
                tokens = reported if reported is not None else tokens
    except (httpx.HTTPError, ValueError) as exc:
        return Probe(False, error=repr(exc))
    out = tokens if tokens is not None else pieces
    correct = bool(text.strip()) and 0 < out <= MAX_TOKENS
    if not first:
        return Probe(False, error="no text in the reply")
    rate = min((out - 1) / (last - first), MAX_TOKENS_PER_S) if out > 1 and last > first \
        else None
    return Probe(correct, ttft_ms=(first - start) * 1000, tokens_per_s=rate, correct=correct,
                 error="" if correct else f"malformed reply ({out} tokens)")


async def probe_embedding(client: httpx.AsyncClient, spec: ProviderSpec, model: str) -> Probe:
    base = spec.base_url.rstrip("/")
    if spec.name == "gemini":
        url = base + f"/models/{model}:embedContent"
        body: dict[str, Any] = {"content": {"parts": [{"text": "ping"}]}}
    elif spec.name == "openai":
        url, body = base + "/embeddings", {"model": model, "input": "ping"}
    else:
        return Probe(False, error=f"{spec.name} serves no embeddings")
    start = time.perf_counter()
    try:
        r = await client.post(url, headers=spec.headers(), json=body)
        elapsed = (time.perf_counter() - start) * 1000
        if r.status_code != 200:
            return Probe(False, error=f"HTTP {r.status_code}")
        payload = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        return Probe(False, error=repr(exc))
    vector = (payload.get("embedding") or {}).get("values") if spec.name == "gemini" \
        else ((payload.get("data") or [{}])[0]).get("embedding")
    correct = isinstance(vector, list) and bool(vector) and all(
        isinstance(v, int | float) for v in vector)
    return Probe(correct, ttft_ms=elapsed, correct=correct,
                 error="" if correct else "malformed embedding")
