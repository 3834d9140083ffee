"""Every failure leaves the edge in its route's dialect error shape, with the right status.

A route's dialect is named by its route class: `APIRouter(route_class=dialect_route(shape))`
gives every route of that router the `shape` (a pure function of the error and the status);
routes without one, and paths no route matched, answer in OpenAI's shape. The handlers find
the route FastAPI matched in the ASGI scope, so an authentication failure, a validation error
or a 405 on an Anthropic route is Anthropic-shaped too."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from tokaroo_common.errors import InternalError, InvalidRequest, NotFound, TokarooError

from tokaroo_edge.responses import JsonResponse

log = logging.getLogger(__name__)

CLIENT_CLOSED = 499  # nginx's status for a request whose client closed the connection


class ErrorShape(Protocol):
    def __call__(self, exc: TokarooError, status: int) -> dict[str, Any]: ...


def openai_shape(exc: TokarooError, status: int) -> dict[str, Any]:
    return exc.to_openai()


def dialect_route(shape: ErrorShape) -> type[APIRoute]:
    """A route class whose errors are rendered by `shape`."""

    class DialectRoute(APIRoute):
        error_shape = staticmethod(shape)

    return DialectRoute


def shape_of(request: Request) -> ErrorShape:
    shape: ErrorShape = getattr(request.scope.get("route"), "error_shape", openai_shape)
    return shape


def error_response(
    exc: TokarooError, shape: ErrorShape = openai_shape, status: int | None = None
) -> JsonResponse:
    headers = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(max(1, round(exc.retry_after)))
    if exc.should_retry is False:
        headers["x-should-retry"] = "false"
    code = status or exc.status
    return JsonResponse(shape(exc, code), status_code=code, headers=headers)


def validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "Invalid request body.", None
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    where = f" at '{param}'" if param else ""
    return f"Invalid request body{where}: {first.get('msg', 'invalid value')}.", param


def install(app: FastAPI) -> None:
    @app.exception_handler(TokarooError)
    async def _tokaroo(request: Request, exc: TokarooError) -> JsonResponse:
        return error_response(exc, shape_of(request))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JsonResponse:
        message, param = validation_message(exc)
        return error_response(InvalidRequest(message, param=param), shape_of(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        shape = shape_of(request)
        if exc.status_code == 404:
            return error_response(
                NotFound(f"Unknown request URL: {request.method} {request.url.path}."), shape
            )
        if exc.status_code == 405:
            return error_response(
                InvalidRequest(f"Method {request.method} is not allowed on {request.url.path}."),
                shape,
                405,
            )
        return error_response(InvalidRequest(str(exc.detail)), shape, exc.status_code)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client left before its answer (its record noted `client_closed`): an everyday
        # event, not an error with a traceback. Nobody reads this response (the server drops
        # it); 499, "client closed request", is what the request metrics count.
        log.info(
            "client closed the request",
            extra={"request_id": getattr(request.state, "request_id", "")},
        )
        return Response(status_code=CLIENT_CLOSED)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
        log.exception(
            "unhandled error", extra={"request_id": getattr(request.state, "request_id", "")}
        )
        return error_response(
            InternalError("The server had an error while processing your request. Please retry."),
            shape_of(request),
        )
