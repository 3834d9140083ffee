"""The one attempt loop of every upstream call (chat, streaming chat, embeddings).

Candidates are tried in circuit-breaker order (open circuits last, never skipped), those whose
provider this edge has no adapter for are skipped, and each attempt is counted on the draft.
A retryable failure (connect error, timeout, 429, 5xx, a stream with no first token) counts
against the candidate's breaker and moves on to the next; any other failure is the client's
error at once. The time spent waiting on upstreams (a stream: until its first token) adds
up on the draft's `upstream_s`. When every candidate failed: a timeout if the last one timed
out, else an upstream error. A success closes the candidate's breaker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from tokaroo_common.errors import InvalidRequest, TokarooError, UpstreamError, UpstreamTimeout
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.breaker import Breakers
from tokaroo_edge.events import EventDraft
from tokaroo_edge.providers.base import ChatProvider, Target, UpstreamFailure
from tokaroo_edge.record import close_quietly

T = TypeVar("T")
C = TypeVar("C")

Call = Callable[[ChatProvider, Target], Awaitable[T]]

CHAT_HINT = "Check the parameters (messages, tools, response_format, limits)."
EMBEDDING_HINT = "Check the parameters (input, dimensions, encoding_format)."


@dataclass(frozen=True)
class Answer(Generic[T]):
    candidate: router_pb2.Candidate
    value: T


def breaker_key(cand: router_pb2.Candidate) -> tuple[str, str]:
    return cand.provider, cand.upstream_model


def rejected(hint: str) -> TokarooError:
    """The client's error for a non-retryable upstream failure (a 4xx about the request)."""
    return InvalidRequest(f"The request was rejected upstream as invalid. {hint}")


def exhausted(last: UpstreamFailure | None) -> TokarooError:
    """The error when no candidate answered. Pure."""
    if last is not None and last.kind == "timeout":
        return UpstreamTimeout("The model did not answer in time. Please retry.")
    return UpstreamError("Every route for this request failed. Please retry.")


async def attempt(
    candidates: Sequence[router_pb2.Candidate],
    providers: Mapping[str, ChatProvider],
    breakers: Breakers,
    draft: EventDraft,
    call: Call[T],
    *,
    hint: str = CHAT_HINT,
) -> Answer[T]:
    """Run `call` against each candidate until one succeeds; see the module notes."""
    last: UpstreamFailure | None = None
    for cand in breakers.order(list(candidates), breaker_key):
        provider = providers.get(cand.provider)
        if provider is None:
            continue
        draft.attempts += 1
        began = time.monotonic()
        try:
            value = await call(provider, Target(cand.provider, cand.upstream_model))
        except UpstreamFailure as failure:
            draft.upstream_s += time.monotonic() - began
            if not failure.retryable:
                raise rejected(hint) from failure
            breakers.failure(*breaker_key(cand))
            last = failure
            continue
        draft.upstream_s += time.monotonic() - began
        breakers.success(*breaker_key(cand))
        return Answer(cand, value)
    raise exhausted(last)


async def opening(
    upstream: AsyncIterator[C], timeout_s: float, preamble: Callable[[C], bool]
) -> tuple[AsyncIterator[C], list[C]]:
    """Await a stream's opening within `timeout_s`: its leading `preamble` chunks (a role
    announced before any of the answer) and then the first chunk with some of the answer, in
    order. Until then nothing has gone to the client, so a candidate that fails or falls
    silent before its first token is left for the next one. A stream that ends after its
    preamble is whole (an empty answer). On any failure (cancellation included) the stream is
    closed; no chunk in time, or none at all, is a retryable failure. (A timeout scope, not
    `wait_for`: no task of its own per stream.)"""
    chunks: list[C] = []
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                chunk = await anext(upstream)
                chunks.append(chunk)
                if not preamble(chunk):
                    break
    except StopAsyncIteration as exc:
        if not chunks:
            await close_quietly(upstream)
            raise UpstreamFailure("protocol", retryable=True) from exc
    except BaseException as exc:
        await close_quietly(upstream)
        if isinstance(exc, TimeoutError):
            raise UpstreamFailure("timeout", retryable=True) from exc
        raise
    return upstream, chunks
