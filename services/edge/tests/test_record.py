"""The request record: one event per request, however it ends; the stream response closes
the record even when its body was never iterated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from starlette.requests import ClientDisconnect
from tokaroo_common.errors import InsufficientBalance, RateLimited, ServiceUnavailable
from tokaroo_edge.record import RecordedStream, failure_code


class Upstream:
    """An upstream stream that says whether it was started and closed."""

    def __init__(self, chunks: int = 3, hang: bool = False) -> None:
        self.started = self.closed = False
        self._chunks, self._hang = chunks, hang

    def __aiter__(self) -> Upstream:
        return self

    async def __anext__(self) -> bytes:
        self.started = True
        if self._chunks == 0:
            if self._hang:
                await asyncio.Event().wait()
            raise StopAsyncIteration
        self._chunks -= 1
        return b"data: x\n\n"

    async def aclose(self) -> None:
        self.closed = True


async def body_of(upstream: Upstream, started: list[bool]) -> AsyncIterator[bytes]:
    started.append(True)
    async for chunk in upstream:
        yield chunk


def leaves_when(gone: asyncio.Event) -> Callable[[], Awaitable[dict[str, Any]]]:
    """An ASGI `receive` whose client disconnects once `gone` is set."""

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    return receive


def scope() -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "method": "POST", "path": "/"}


def test_failure_codes_name_why_the_request_ended() -> None:
    assert failure_code(InsufficientBalance("x")) == "insufficient_balance"
    assert failure_code(RateLimited("x")) == "rate_limit_exceeded"
    assert failure_code(ServiceUnavailable("x")) == "service_unavailable"
    assert failure_code(asyncio.CancelledError()) == "client_closed"
    assert failure_code(ClientDisconnect()) == "client_closed"
    assert failure_code(KeyError("bug")) == "internal_error"


async def test_finish_emits_once_and_close_is_idempotent(edge: Any) -> None:
    record = edge.record()
    record.finish()
    record.finish()
    await record.close()
    await record.close()
    assert len(edge.events) == 1 and edge.events[0].status == "ok"


async def test_guard_emits_the_success_once(edge: Any) -> None:
    record = edge.record()
    async with record.guard():
        record.draft.model_requested = "auto"
    event = edge.only_event()
    assert (event.status, event.error_code, event.model_requested) == ("ok", "", "auto")
    assert event.tenant_id == edge.principal.tenant_id and event.request_id == "req-1"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (InsufficientBalance("no money"), "insufficient_balance"),
        (RateLimited("slow down"), "rate_limit_exceeded"),
        (ServiceUnavailable("busy"), "service_unavailable"),
        (asyncio.CancelledError(), "client_closed"),
        (RuntimeError("bug"), "internal_error"),
    ],
)
async def test_guard_emits_one_error_event_and_reraises(
    edge: Any, exc: BaseException, code: str
) -> None:
    record = edge.record()
    with pytest.raises(type(exc)):
        async with record.guard():
            raise exc
    event = edge.only_event()
    assert (event.status, event.error_code, event.charged_nano) == ("error", code, 0)


async def test_an_outcome_already_recorded_is_kept(edge: Any) -> None:
    record = edge.record()
    record.draft.status, record.draft.error_code = "partial", "stream_interrupted"
    record.fail(RuntimeError("later"))
    await record.close()
    assert edge.only_event().error_code == "stream_interrupted"


async def test_a_stream_left_to_the_response_is_not_closed_by_the_guard(edge: Any) -> None:
    record = edge.record()
    upstream = Upstream()
    async with record.guard():
        record.own(upstream)
        RecordedStream(body_of(upstream, []), record)
    assert edge.events == [] and not upstream.closed
    await record.close()
    assert edge.only_event().status == "partial" and upstream.closed


async def test_stream_cancelled_before_its_body_started_still_ends_the_record(edge: Any) -> None:
    """The client leaves while the headers are sent: the response is cancelled before the
    body generator ran, so only the response's `finally` can bill, emit and close the
    upstream."""
    record = edge.record()
    upstream, started = Upstream(), []
    billed: list[bool] = []
    record.own(upstream, on_abandon=lambda: billed.append(True))
    response = RecordedStream(body_of(upstream, started), record)

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        await asyncio.Event().wait()

    await response(scope(), receive, send)
    assert started == [] and not upstream.started and upstream.closed
    event = edge.only_event()
    assert (event.status, event.error_code) == ("partial", "client_closed")
    assert billed == [True]


async def test_a_task_cancelled_mid_stream_emits_once_and_closes_the_upstream(edge: Any) -> None:
    record = edge.record()
    upstream = Upstream(chunks=1, hang=True)
    record.own(upstream)
    response = RecordedStream(body_of(upstream, []), record)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    task = asyncio.create_task(response(scope(), receive, send))
    while not any(m.get("body") for m in sent):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert upstream.closed
    assert edge.only_event().error_code == "client_closed"


async def test_a_stream_read_to_the_end_is_ok(edge: Any) -> None:
    record = edge.record()
    upstream = Upstream(chunks=2)
    record.own(upstream)
    response = RecordedStream(body_of(upstream, []), record)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await response(scope(), receive, send)
    assert [m["body"] for m in sent if m.get("body")] == [b"data: x\n\n"] * 2
    assert edge.only_event().status == "ok" and upstream.closed


async def test_a_stream_body_that_fails_is_partial_with_its_code(edge: Any) -> None:
    record = edge.record()

    async def broken() -> AsyncIterator[bytes]:
        yield b"data: x\n\n"
        raise KeyError("bug")

    response = RecordedStream(broken(), record)

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        return None

    with pytest.raises(KeyError):
        await response({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send)
    event = edge.only_event()
    assert (event.status, event.error_code) == ("partial", "internal_error")


async def test_the_event_goes_out_even_if_billing_the_rest_fails(edge: Any) -> None:
    record = edge.record()

    def bad_bill() -> None:
        raise ZeroDivisionError

    record.own(Upstream(), on_abandon=bad_bill)
    await record.close()
    assert len(edge.events) == 1


async def test_a_client_that_leaves_mid_stream_ends_it_quietly(edge: Any) -> None:
    """The upstream waits for its next chunk when the client leaves: the wait is cancelled,
    the response returns as a finished one (nothing to raise to the server), and the record
    bills what was delivered."""
    record = edge.record()
    upstream = Upstream(chunks=1, hang=True)
    billed: list[bool] = []
    record.own(upstream, on_abandon=lambda: billed.append(True))
    response = RecordedStream(body_of(upstream, []), record)
    first_sent = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        if message.get("body"):
            first_sent.set()

    await asyncio.wait_for(response(scope(), leaves_when(first_sent), send), timeout=5)
    assert upstream.closed and billed == [True]
    event = edge.only_event()
    assert (event.status, event.error_code) == ("partial", "client_closed")


async def test_the_body_is_sent_from_the_requests_own_task(edge: Any) -> None:
    """No task group and no second task per stream on the way to the first token."""
    record = edge.record()
    tasks: list[asyncio.Task[Any] | None] = []

    async def body() -> AsyncIterator[bytes]:
        tasks.append(asyncio.current_task())
        yield b"data: x\n\n"

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        return None

    await RecordedStream(body(), record)(scope(), receive, send)
    assert tasks == [asyncio.current_task()]
    assert edge.only_event().status == "ok"


async def test_a_disconnect_once_the_stream_is_sent_leaves_it_ok(edge: Any) -> None:
    """Servers report the end of a response to `receive` as a disconnect: it must not turn a
    stream that was sent whole into one the client left."""
    record = edge.record()
    upstream = Upstream(chunks=2)
    record.own(upstream)
    response = RecordedStream(body_of(upstream, []), record)
    done = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()
            await asyncio.sleep(0)  # the watcher may run before the response returns

    await response(scope(), leaves_when(done), send)
    assert edge.only_event().status == "ok" and upstream.closed
