"""Feed provider health from completion events: every router replica reads the event stream
(an ordered, ephemeral consumer from now on) and records each completion's outcome and
latency for its (provider, upstream model) deployment.

Every successful request says something about latency: a streamed one its time to first token,
a non-streamed one its whole latency (its time to first byte: the body comes in one piece).
Both become one number, observed / what the pool expects for that kind of request (the model's
TTFT; TTFT plus the answer's tokens at the model's tokens/s), which `Health` tracks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tokaroo_common.jetstream import follow_completions
from tokaroo_proto.events.v1 import events_pb2

from tokaroo_router.pool import ModelEntry, Pool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observation:
    provider: str
    upstream_model: str
    ok: bool
    slowness: float | None  # observed latency / the pool's expected latency


def observation(event: events_pb2.CompletionEvent, pool: Pool) -> Observation | None:
    """What a completion event says about one deployment (None when it names none). Pure."""
    if not event.provider or not event.resolved_model or event.cache_outcome != "miss":
        return None
    model = pool.by_id.get(event.resolved_model)
    upstream = (
        next((d.upstream_model for d in model.providers if d.provider == event.provider), None)
        if model
        else None
    )
    if upstream is None:
        return None
    assert model is not None
    ok = event.status == "ok"
    return Observation(event.provider, upstream, ok, slowness(event, model) if ok else None)


def slowness(event: events_pb2.CompletionEvent, m: ModelEntry) -> float | None:
    """Observed / expected latency of one successful completion (None when it has no timing)."""
    if event.streamed:
        if event.ttft_ms <= 0:
            return None
        return event.ttft_ms / max(m.ttft_ms, 1.0)
    if event.latency_ms <= 0:
        return None
    expected = m.ttft_ms + 1000.0 * event.output_tokens / max(m.tokens_per_s, 1.0)
    return event.latency_ms / max(expected, 1.0)


def health_handler(
    learn: Callable[[events_pb2.CompletionEvent], None],
) -> Callable[[events_pb2.CompletionEvent], Awaitable[None]]:
    """The completion-event handler that feeds provider health (`Decider.learn`; see
    `router_feed`)."""

    async def on_event(event: events_pb2.CompletionEvent) -> None:
        learn(event)

    return on_event


async def router_feed(
    nats_url: str,
    handlers: Sequence[Callable[[events_pb2.CompletionEvent], Awaitable[None]]],
    stop: asyncio.Event,
) -> None:
    """One follower of the completion events for everything the router learns from them
    (provider health, sessions): each event is delivered and decoded once, then handed to
    every handler in turn."""

    async def on_event(event: events_pb2.CompletionEvent) -> None:
        for handle in handlers:
            await handle(event)

    await follow_completions(nats_url, "tokaroo-router", on_event, stop, "router")
