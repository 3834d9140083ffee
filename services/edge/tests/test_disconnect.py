"""The client-leaves watcher: a disconnect cancels the work inside and leaves as
`ClientDisconnect`; other messages and other cancellations are not mistaken for it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import ClientDisconnect
from tokaroo_edge.disconnect import cancelled_if_client_leaves


def messages(*queue: dict[str, Any], then_wait: bool = True) -> Any:
    pending = list(queue)

    async def receive() -> dict[str, Any]:
        if pending:
            await asyncio.sleep(0.01)
            return pending.pop(0)
        if then_wait:
            await asyncio.Event().wait()
        raise AssertionError("read past the disconnect")

    return receive


async def test_a_disconnect_stops_the_work_and_leaves_as_client_disconnect() -> None:
    receive = messages({"type": "http.request", "body": b""}, {"type": "http.disconnect"})
    with pytest.raises(ClientDisconnect):
        async with cancelled_if_client_leaves(receive):
            await asyncio.sleep(5)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0  # the task itself is not cancelled


async def test_work_that_ends_first_is_left_alone() -> None:
    async with cancelled_if_client_leaves(messages()):
        await asyncio.sleep(0)


async def test_another_cancellation_goes_through() -> None:
    async def work() -> None:
        async with cancelled_if_client_leaves(messages()):
            await asyncio.sleep(5)

    task = asyncio.create_task(work())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
