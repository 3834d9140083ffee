"""Every failure leaves the edge in OpenAI's error shape with the right status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from tokaroo_common.errors import InternalError, InvalidRequest, NotFound, TokarooError

from tokaroo_edge.responses import JsonResponse

log = logging.getLogger(__name__)


def error_response(exc: TokarooError) -> JsonResponse:
    headers = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(max(1, round(exc.retry_after)))
    return JsonResponse(exc.to_openai(), status_code=exc.status, headers=headers)


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
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JsonResponse:
        message, param = validation_message(exc)
        return error_response(InvalidRequest(message, param=param))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        if exc.status_code == 404:
            return error_response(NotFound(
                f"Unknown request URL: {request.method} {request.url.path}."))
        if exc.status_code == 405:
            err = InvalidRequest(f"Method {request.method} is not allowed on "
                                 f"{request.url.path}.")
            resp = error_response(err)
            resp.status_code = 405
            return resp
        err2 = InvalidRequest(str(exc.detail))
        resp2 = error_response(err2)
        resp2.status_code = exc.status_code
        return resp2

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
        log.exception("unhandled error", extra={
            "request_id": getattr(request.state, "request_id", "")})
        return error_response(InternalError("The server had an error while processing your "
                                            "request. Please retry."))
