"""The shared attempt loop: breaker order, fallback, classification, and the first chunk of
a stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tokaroo_common.errors import InvalidRequest, UpstreamError, UpstreamTimeout
from tokaroo_edge.attempts import EMBEDDING_HINT, attempt, exhausted, opening
from tokaroo_edge.breaker import Breakers
from tokaroo_edge.providers.base import UpstreamFailure
from tokaroo_edge.providers.chunks import is_preamble


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


HANG = object()
ROLE = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
TEXT = {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}


class Stream:
    """Yields its items in turn: a chunk, or raises an exception item, or hangs at HANG;
    then ends."""

    def __init__(self, *items: Any) -> None:
        self.closed = False
        self._items = list(items)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        if not self._items:
            raise StopAsyncIteration
        item = self._items.pop(0)
        if item is HANG:
            await asyncio.Event().wait()
        if isinstance(item, BaseException):
            raise item
        return item

    async def aclose(self) -> None:
        self.closed = True


async def test_the_opening_is_the_preamble_and_the_first_token() -> None:
    stream = Stream(ROLE, ROLE, TEXT, TEXT)
    upstream, leading = await opening(stream, 1, is_preamble)
    assert upstream is stream and leading == [ROLE, ROLE, TEXT] and not stream.closed
    assert [c async for c in upstream] == [TEXT]  # the rest is left to the relay


async def test_an_opening_without_a_preamble() -> None:
    upstream, leading = await opening(Stream({"choices": []}, TEXT), 1, is_preamble)
    assert leading == [{"choices": []}]


async def test_a_stream_that_ends_after_its_preamble_is_an_empty_answer() -> None:
    stream = Stream(ROLE)
    _, leading = await opening(stream, 1, is_preamble)
    assert leading == [ROLE] and not stream.closed


@pytest.mark.parametrize(
    ("stream", "kind"),
    [
        (Stream(HANG), "timeout"),
        (Stream(ROLE, HANG), "timeout"),  # a role, then silence: not committed to yet
        (Stream(), "protocol"),
    ],
    ids=["silent", "silent-after-the-role", "empty"],
)
async def test_no_first_token_is_retryable_and_closes_the_stream(stream: Stream, kind: str) -> None:
    with pytest.raises(UpstreamFailure) as err:
        await opening(stream, 0.05, is_preamble)
    assert err.value.kind == kind and err.value.retryable and stream.closed


@pytest.mark.parametrize("before", [[], [ROLE]], ids=["at-once", "after-the-role"])
async def test_an_upstream_failure_before_the_first_token_closes_the_stream(
    before: list[Any],
) -> None:
    stream = Stream(*before, UpstreamFailure("http", status=500, retryable=True))
    with pytest.raises(UpstreamFailure):
        await opening(stream, 1, is_preamble)
    assert stream.closed


async def test_cancelled_while_waiting_for_the_first_token_closes_the_stream() -> None:
    stream = Stream(ROLE, HANG)
    task = asyncio.create_task(opening(stream, 10, is_preamble))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.closed
