"""FastAPI dependencies as Annotated aliases, and `authenticated` for the request-path routes.

The routes a completion takes (chat completions, messages, responses, embeddings) call
`authenticated` themselves instead of declaring `State` and `Auth`: FastAPI's dependency
resolution costs about 12 us per dependency per request (about a tenth of the edge's own
CPU for a chat request). It does the same thing in the same order (the key is checked
before the body is read), and raises the same errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from tokaroo_common.errors import AuthenticationFailed

from tokaroo_edge.auth import Principal, presented_key
from tokaroo_edge.state import EdgeState


async def get_state(request: Request) -> EdgeState:
    state: EdgeState = request.app.state.edge
    return state


async def get_principal(request: Request) -> Principal:
    state: EdgeState = request.app.state.edge
    address = request.client.host if request.client else "unknown"
    state.auth_guard.check(address)
    try:
        principal = await state.auth.authenticate(
            presented_key(request.headers.get("authorization"), request.headers.get("x-api-key"))
        )
    except AuthenticationFailed:
        state.auth_guard.failed(address)
        if state.auth_failures_shared is not None:
            shared = await state.auth_failures_shared.add(address)
            if shared is not None and shared[0] >= state.auth_guard.limit:
                state.auth_guard.block(address, shared[1])
        raise
    request.state.tenant_id = principal.tenant_id
    return principal


async def authenticated(request: Request) -> tuple[EdgeState, Principal]:
    """The edge's state and the request's principal, as `State` and `Auth` give them."""
    return await get_state(request), await get_principal(request)


State = Annotated[EdgeState, Depends(get_state)]
Auth = Annotated[Principal, Depends(get_principal)]
