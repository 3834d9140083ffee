"""The request path's endpoints, served by plain Starlette routes placed ahead of FastAPI's.

FastAPI runs every request of an `APIRoute` through its own machinery (dependency solving,
two exit stacks, its handler wrapper): on the bench VM 60-75 µs a request more than a
Starlette `Route` running the same function (`bench/route_dispatch.py`). The endpoints here
take only the `Request` and read and validate their bodies themselves, so nothing of that
machinery serves them. Starlette's route runs them with the same exception handlers (its
`wrap_app_handling_exceptions`, which FastAPI's routes use too). `PlainRoute` names itself in
`scope["route"]`, as FastAPI's routes do, for the metrics' route label and for the errors'
dialect, which it keeps from its FastAPI route (`errors.dialect_route`). The FastAPI routes
stay registered for the OpenAPI document and answer nothing: the table is searched in order
and these come first.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

Endpoint = Callable[[Request], Awaitable[Response]]


class PlainRoute(Route):
    """A Starlette route that puts itself in the scope when it matches (`scope["route"]`)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            child["route"] = self
        return match, child


def plain_routes(routers: Iterable[APIRouter], endpoints: Sequence[Endpoint]) -> list[PlainRoute]:
    """A Starlette route for each of `endpoints`, with the path and methods of its FastAPI
    route in `routers`. An endpoint that none of them serves, or that takes other than the
    request alone, is an error. Pure."""
    found: dict[Endpoint, PlainRoute] = {}
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.endpoint in endpoints:
                plain = PlainRoute(
                    route.path,
                    route.endpoint,
                    methods=sorted(route.methods or ()),
                    name=route.name,
                    include_in_schema=False,
                )
                shape = getattr(route, "error_shape", None)  # errors.dialect_route
                if shape is not None:
                    plain.error_shape = shape  # type: ignore[attr-defined]
                found[route.endpoint] = plain
    missing = [e.__name__ for e in endpoints if e not in found]
    if missing:
        raise ValueError(f"no FastAPI route serves {missing}")
    dependent = [e.__name__ for e in endpoints if len(inspect.signature(e).parameters) != 1]
    if dependent:  # a plain route passes the request alone: no dependencies to solve
        raise ValueError(f"{dependent} do not take the request alone")
    return [found[e] for e in endpoints]


def serve_first(app: FastAPI, routes: Sequence[Route]) -> None:
    """Put `routes` at the head of the app's route table."""
    app.router.routes[:0] = routes
