"""Errors: every failed API call raises an `APIError` subclass carrying OpenAI's error fields."""

from __future__ import annotations

from typing import Any

import httpx


class TokarooError(Exception):
    """The base of everything this package raises."""


class APIError(TokarooError):
    """The API answered with an error status; `type`, `code`, `param` and `message` come from
    the OpenAI-shaped body `{"error": {"message", "type", "param", "code"}}`."""

    status: int
    message: str
    type: str | None
    code: str | None
    param: str | None
    request_id: str | None
    headers: httpx.Headers
    body: Any

    def __init__(self, status: int, error: Any, headers: httpx.Headers | None = None) -> None:
        err = error if isinstance(error, dict) else {}
        message = err.get("message") or (
            error if isinstance(error, str) and error else f"HTTP {status}"
        )
        super().__init__(message)
        self.status = status
        self.message = str(message)
        self.type = err.get("type")
        self.code = err.get("code")
        self.param = err.get("param")
        self.headers = headers if headers is not None else httpx.Headers()
        self.request_id = self.headers.get("x-request-id")
        self.body = error

    @property
    def status_code(self) -> int:
        """The same as `status` (the name httpx and the openai SDK use)."""
        return self.status

    def __str__(self) -> str:
        return f"{self.status} {self.message}"


class BadRequestError(APIError):
    pass


class AuthenticationError(APIError):
    pass


class InsufficientBalanceError(APIError):
    """402: the balance cannot cover the request (`code == "insufficient_balance"`)."""


class PermissionDeniedError(APIError):
    pass


class NotFoundError(APIError):
    pass


class ConflictError(APIError):
    pass


class UnprocessableEntityError(APIError):
    pass


class RateLimitError(APIError):
    pass


class InternalServerError(APIError):
    pass


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def make_error(status: int, error: Any, headers: httpx.Headers | None = None) -> APIError:
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIError)
    return cls(status, error, headers)


class APIConnectionError(TokarooError):
    """No answer: the connection failed or broke (after the retries)."""


class APITimeoutError(APIConnectionError):
    """No answer within the timeout (after the retries)."""
