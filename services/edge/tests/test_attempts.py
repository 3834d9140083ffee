"""The shared attempt loop: breaker order, fallback, classification, and the first chunk of
a stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tokaroo_common.errors import InvalidRequest, UpstreamError, UpstreamTimeout
from tokaroo_edge.attempts import EMBEDDING_HINT, attempt, exhausted, first_chunk
from tokaroo_edge.breaker import Breakers
from tokaroo_edge.providers.base import UpstreamFailure


def complete(req: Any = None) -> Any:
    async def call(provider: Any, target: Any) -> Any:
        return await provider.complete(req, target)

    return call


async def run(
    edge: Any,
    *models: str,
    breakers: Breakers | None = None,
    providers: dict[str, Any] | None = None,
    **kw: Any,
) -> Any:
    draft = edge.record().draft
    cands = [edge.candidate(m) for m in models]
    answer = await attempt(
        cands, providers or {"fake": edge.provider}, breakers or Breakers(), draft, complete(), **kw
    )
    return answer, draft


async def test_the_first_candidate_answers(edge: Any) -> None:
    breakers = Breakers(threshold=1)
    breakers.failure("fake", "ok")  # open: a success closes it again
    answer, draft = await run(edge, "ok", breakers=breakers)
    assert answer.candidate.upstream_model == "ok" and answer.value["choices"]
    assert draft.attempts == 1 and breakers.open_circuits() == []


async def test_a_retryable_failure_falls_back_and_counts_on_the_breaker(edge: Any) -> None:
    breakers = Breakers(threshold=2)
    answer, draft = await run(edge, "flaky", "ok", breakers=breakers)
    assert answer.candidate.upstream_model == "ok"
    assert edge.provider.calls == ["flaky", "ok"] and draft.attempts == 2
    breakers.failure("fake", "flaky")
    assert breakers.open_circuits() == [("fake", "flaky")]  # the loop counted the first one


async def test_a_non_retryable_failure_is_the_clients_error_at_once(edge: Any) -> None:
    breakers = Breakers(threshold=1)
    with pytest.raises(InvalidRequest) as err:
        await run(edge, "bad", "ok", breakers=breakers)
    assert edge.provider.calls == ["bad"]
    assert breakers.open_circuits() == []  # the request was wrong, not the route
    assert isinstance(err.value.__cause__, UpstreamFailure)


async def test_the_hint_names_the_endpoints_parameters(edge: Any) -> None:
    with pytest.raises(InvalidRequest, match="input"):
        await run(edge, "bad", hint=EMBEDDING_HINT)


async def test_all_failing_is_a_timeout_when_the_last_one_timed_out(edge: Any) -> None:
    with pytest.raises(UpstreamTimeout):
        await run(edge, "flaky", "late")
    with pytest.raises(UpstreamError):
        await run(edge, "late", "flaky")


async def test_no_usable_candidate_is_an_upstream_error(edge: Any) -> None:
    with pytest.raises(UpstreamError):
        await run(edge)
    draft = edge.record().draft
    with pytest.raises(UpstreamError):
        await attempt(
            [edge.candidate("ok", provider="elsewhere")],
            {"fake": edge.provider},
            Breakers(),
            draft,
            complete(),
        )
    assert draft.attempts == 0 and edge.provider.calls == []


async def test_candidates_without_a_provider_are_skipped_uncounted(edge: Any) -> None:
    draft = edge.record().draft
    cands = [edge.candidate("gone", provider="elsewhere"), edge.candidate("ok")]
    answer = await attempt(cands, {"fake": edge.provider}, Breakers(), draft, complete())
    assert answer.candidate.upstream_model == "ok" and draft.attempts == 1


async def test_open_circuits_are_tried_last_but_still_tried(edge: Any) -> None:
    breakers = Breakers(threshold=1)
    breakers.failure("fake", "ok-a")
    answer, _ = await run(edge, "ok-a", "ok-b", breakers=breakers)
    assert answer.candidate.upstream_model == "ok-b" and edge.provider.calls == ["ok-b"]
    breakers.failure("fake", "ok-b")
    answer, _ = await run(edge, "ok-a", "ok-b", breakers=breakers)  # both open: in order
    assert answer.candidate.upstream_model == "ok-a"


def test_exhausted_is_pure() -> None:
    assert isinstance(exhausted(None), UpstreamError)
    assert isinstance(exhausted(UpstreamFailure("timeout", retryable=True)), UpstreamTimeout)
    assert isinstance(exhausted(UpstreamFailure("http", status=503, retryable=True)), UpstreamError)


class Stream:
    def __init__(self, first: Any = None, *, hang: bool = False, empty: bool = False) -> None:
        self.closed = False
        self._first, self._hang, self._empty = first, hang, empty

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        if self._hang:
            await asyncio.Event().wait()
        if self._empty:
            raise StopAsyncIteration
        if isinstance(self._first, BaseException):
            raise self._first
        return self._first

    async def aclose(self) -> None:
        self.closed = True


async def test_first_chunk_returns_the_stream_and_its_first_chunk() -> None:
    stream = Stream({"choices": []})
    upstream, first = await first_chunk(stream, 1)
    assert upstream is stream and first == {"choices": []} and not stream.closed


@pytest.mark.parametrize(
    ("stream", "kind"),
    [
        (Stream(hang=True), "timeout"),
        (Stream(empty=True), "protocol"),
    ],
)
async def test_no_first_chunk_is_retryable_and_closes_the_stream(stream: Stream, kind: str) -> None:
    with pytest.raises(UpstreamFailure) as err:
        await first_chunk(stream, 0.05)
    assert err.value.kind == kind and err.value.retryable and stream.closed


async def test_an_upstream_failure_before_the_first_chunk_closes_the_stream() -> None:
    stream = Stream(UpstreamFailure("http", status=400, retryable=False))
    with pytest.raises(UpstreamFailure):
        await first_chunk(stream, 1)
    assert stream.closed


async def test_cancelled_while_waiting_for_the_first_chunk_closes_the_stream() -> None:
    stream = Stream(hang=True)
    task = asyncio.create_task(first_chunk(stream, 10))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.closed
