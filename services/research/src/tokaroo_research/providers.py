"""What each configured provider serves (its models endpoint) and canary probes through it.

Canary: one tiny streamed chat completion (16 output tokens at most) per chat deployment,
one tiny embedding per embedding deployment, sent through the edge's own provider adapter
(`tokaroo_edge.providers`), so a probe exercises the very code that serves requests: wire
translation, transport, error mapping. It measures time to first token and output tokens/s,
and checks the reply is well formed: non-empty text within the token limit (an embedding: a
non-empty vector of numbers). A probe never raises: failures are results.

The models lists are read here (the adapters have no such call) with one httpx client.
"""

from __future__ import annotations

import time

import httpx
from tokaroo_common.settings import ProviderEndpoint
from tokaroo_edge.providers.base import ChatProvider, Target, UpstreamFailure
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest, Message, StreamOptions

from tokaroo_research.snapshot import Probe

PROMPT = "Reply with one word: pong"
MAX_TOKENS = 16
ANTHROPIC_VERSION = "2023-06-01"
MAX_TOKENS_PER_S = 2000.0  # a burst of buffered chunks is not a real rate


def _headers(spec: ProviderEndpoint) -> dict[str, str]:
    key = spec.api_key.get_secret_value()
    if spec.name == "anthropic":
        return {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
    if spec.name == "gemini":
        return {"x-goog-api-key": key}
    return {"authorization": f"Bearer {key}"}


async def list_models(client: httpx.AsyncClient, spec: ProviderEndpoint) -> frozenset[str]:
    """Every model id the provider lists (following its pagination)."""
    base, ids, params = spec.base_url.rstrip("/"), set(), {}  # type: ignore[var-annotated]
    path = "/v1/models" if spec.name == "anthropic" else "/models"
    for _ in range(50):
        r = await client.get(base + path, headers=_headers(spec), params=params)
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


def _failure(exc: UpstreamFailure) -> Probe:
    return Probe(
        False,
        error=f"HTTP {exc.status}"
        if exc.kind == "http"
        else f"{exc.kind}: {exc.detail}"
        if exc.detail
        else exc.kind,
    )


def _chunk_text_and_tokens(chunk: dict[str, object]) -> tuple[str, int | None]:
    """The text one `chat.completion.chunk` adds, and its output token count if it has one."""
    choices = chunk.get("choices")
    text = (
        "".join(
            str((c.get("delta") or {}).get("content") or "") for c in choices if isinstance(c, dict)
        )
        if isinstance(choices, list)
        else ""
    )
    usage = chunk.get("usage")
    tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
    return text, tokens if isinstance(tokens, int) else None


async def probe_chat(adapter: ChatProvider, provider: str, model: str) -> Probe:
    req = ChatCompletionRequest(
        model=model,
        messages=[Message(role="user", content=PROMPT)],
        max_tokens=MAX_TOKENS,
        stream=True,
        stream_options=StreamOptions(include_usage=True),
    )
    start = time.perf_counter()
    first = last = 0.0
    text, tokens, pieces = "", None, 0
    try:
        async for chunk in adapter.stream(req, Target(provider, model)):
            piece, reported = _chunk_text_and_tokens(chunk)
            if piece:
                now = time.perf_counter()
                first, last, pieces = first or now, now, pieces + 1
                text += piece
            tokens = reported if reported is not None else tokens
    except UpstreamFailure as exc:
        return _failure(exc)
    out = tokens if tokens is not None else pieces
    correct = bool(text.strip()) and 0 < out <= MAX_TOKENS
    if not first:
        return Probe(False, error="no text in the reply")
    rate = min((out - 1) / (last - first), MAX_TOKENS_PER_S) if out > 1 and last > first else None
    return Probe(
        correct,
        ttft_ms=(first - start) * 1000,
        tokens_per_s=rate,
        correct=correct,
        error="" if correct else f"malformed reply ({out} tokens)",
    )


async def probe_embedding(adapter: ChatProvider, provider: str, model: str) -> Probe:
    if provider == "anthropic":
        return Probe(False, error=f"{provider} serves no embeddings")
    start = time.perf_counter()
    try:
        payload = await adapter.embed(
            EmbeddingRequest(input="ping", model=model), Target(provider, model)
        )
    except UpstreamFailure as exc:
        return _failure(exc)
    elapsed = (time.perf_counter() - start) * 1000
    data = payload.get("data")
    vector = (
        data[0].get("embedding")
        if isinstance(data, list) and data and isinstance(data[0], dict)
        else None
    )
    correct = (
        isinstance(vector, list)
        and bool(vector)
        and all(isinstance(v, int | float) for v in vector)
    )
    return Probe(
        correct, ttft_ms=elapsed, correct=correct, error="" if correct else "malformed embedding"
    )
