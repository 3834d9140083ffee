"""Correct sessions from completion events: the router records the first candidate as the
session's warm model when it routes, but the edge may have fallen back to another one (the
first failed before its first token). The completion event names the model that answered; if
it is not the one recorded, the session moves there, so the next turn goes where the prefix
really is warm. Only the replica that routed the request knows its session (`SessionBook`
remembers request ids briefly); the update goes to the shared store."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tokaroo_proto.events.v1 import events_pb2

from tokaroo_router.session_store import SessionBook

log = logging.getLogger(__name__)


async def on_event(book: SessionBook, event: events_pb2.CompletionEvent) -> None:
    """Move the event's session when another model than the routed one answered; every
    event ends its request's wait (a hit or a failure moves nothing)."""
    if event.status == "ok" and event.cache_outcome == "miss" and event.resolved_model:
        await book.served(event.request_id, event.resolved_model, event.input_tokens)
    else:
        book.forget(event.request_id)


def session_handler(book: SessionBook) -> Callable[[events_pb2.CompletionEvent], Awaitable[None]]:
    """The completion-event handler that corrects sessions (see `event_feed.router_feed`)."""

    async def handle(event: events_pb2.CompletionEvent) -> None:
        await on_event(book, event)

    return handle
