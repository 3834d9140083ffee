"""The one error hierarchy of Tokaroo, mapped to HTTP status, OpenAI error type/code and gRPC.

| class                  | HTTP | OpenAI type             | code                  | gRPC               |
|------------------------|------|-------------------------|-----------------------|--------------------|
| InvalidRequest         | 400  | invalid_request_error   | invalid_request       | INVALID_ARGUMENT   |
| AuthenticationFailed   | 401  | authentication_error    | invalid_api_key       | UNAUTHENTICATED    |
| InsufficientBalance    | 402  | insufficient_quota      | insufficient_balance  | FAILED_PRECONDITION|
| PermissionDenied       | 403  | permission_error        | permission_denied     | PERMISSION_DENIED  |
| NotFound               | 404  | invalid_request_error   | not_found             | NOT_FOUND          |
| ModelNotFound          | 404  | invalid_request_error   | model_not_found       | NOT_FOUND          |
| PayloadTooLarge        | 413  | invalid_request_error   | payload_too_large     | INVALID_ARGUMENT   |
| RateLimited            | 429  | rate_limit_error        | rate_limit_exceeded   | RESOURCE_EXHAUSTED |
| KeyBudgetExceeded      | 429  | insufficient_quota      | key_budget_exceeded   | RESOURCE_EXHAUSTED |
| NotConfigured          | 501  | api_error               | not_configured        | UNIMPLEMENTED      |
| UpstreamError          | 502  | api_error               | upstream_error        | UNAVAILABLE        |
| ServiceUnavailable     | 503  | api_error               | service_unavailable   | UNAVAILABLE        |
| UpstreamTimeout        | 504  | api_error               | upstream_timeout      | DEADLINE_EXCEEDED  |
| InternalError          | 500  | api_error               | internal_error        | INTERNAL           |

Messages are user-facing: they never name an upstream model or provider.
"""

from __future__ import annotations

from typing import Any, ClassVar

import grpc


class TokarooError(Exception):
    status: ClassVar[int] = 500
    type: ClassVar[str] = "api_error"
    code: ClassVar[str] = "internal_error"
    grpc_status: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL
    should_retry: ClassVar[bool | None] = None  # False: answered with x-should-retry: false

    def __init__(
        self, message: str, *, param: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.retry_after = retry_after

    def to_openai(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class InvalidRequest(TokarooError):
    status, type, code, grpc_status = (
        400,
        "invalid_request_error",
        "invalid_request",
        grpc.StatusCode.INVALID_ARGUMENT,
    )


class AuthenticationFailed(TokarooError):
    status, type, code, grpc_status = (
        401,
        "authentication_error",
        "invalid_api_key",
        grpc.StatusCode.UNAUTHENTICATED,
    )


class InsufficientBalance(TokarooError):
    status, type, code, grpc_status = (
        402,
        "insufficient_quota",
        "insufficient_balance",
        grpc.StatusCode.FAILED_PRECONDITION,
    )


class PermissionDenied(TokarooError):
    status, type, code, grpc_status = (
        403,
        "permission_error",
        "permission_denied",
        grpc.StatusCode.PERMISSION_DENIED,
    )


class NotFound(TokarooError):
    status, type, code, grpc_status = (
        404,
        "invalid_request_error",
        "not_found",
        grpc.StatusCode.NOT_FOUND,
    )


class ModelNotFound(NotFound):
    code = "model_not_found"


class PayloadTooLarge(TokarooError):
    status, type, code, grpc_status = (
        413,
        "invalid_request_error",
        "payload_too_large",
        grpc.StatusCode.INVALID_ARGUMENT,
    )


class RateLimited(TokarooError):
    status, type, code, grpc_status = (
        429,
        "rate_limit_error",
        "rate_limit_exceeded",
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )


class KeyBudgetExceeded(TokarooError):
    """An API key's spend cap for its period: 429 with type insufficient_quota, as OpenAI
    answers a spent quota (402 stays the tenant's balance: a different fix, add credits)."""

    status, type, code, grpc_status = (
        429,
        "insufficient_quota",
        "key_budget_exceeded",
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )
    # Retrying cannot help until the budget resets or is raised: OpenAI's SDKs (and ours)
    # honour `x-should-retry: false`.
    should_retry: ClassVar[bool | None] = False


class NotConfigured(TokarooError):
    status, type, code, grpc_status = (
        501,
        "api_error",
        "not_configured",
        grpc.StatusCode.UNIMPLEMENTED,
    )


class UpstreamError(TokarooError):
    status, type, code, grpc_status = (
        502,
        "api_error",
        "upstream_error",
        grpc.StatusCode.UNAVAILABLE,
    )


class ServiceUnavailable(TokarooError):
    status, type, code, grpc_status = (
        503,
        "api_error",
        "service_unavailable",
        grpc.StatusCode.UNAVAILABLE,
    )


class UpstreamTimeout(TokarooError):
    status, type, code, grpc_status = (
        504,
        "api_error",
        "upstream_timeout",
        grpc.StatusCode.DEADLINE_EXCEEDED,
    )


class InternalError(TokarooError):
    pass


_BY_GRPC: dict[grpc.StatusCode, type[TokarooError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidRequest,
    grpc.StatusCode.UNAUTHENTICATED: AuthenticationFailed,
    grpc.StatusCode.FAILED_PRECONDITION: InsufficientBalance,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.RESOURCE_EXHAUSTED: RateLimited,
    grpc.StatusCode.UNIMPLEMENTED: NotConfigured,
    grpc.StatusCode.UNAVAILABLE: ServiceUnavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: ServiceUnavailable,
}


ERROR_CODE_METADATA = "tokaroo-error-code"


def _by_code() -> dict[str, type[TokarooError]]:
    out: dict[str, type[TokarooError]] = {}
    stack: list[type[TokarooError]] = [TokarooError]
    while stack:
        cls = stack.pop()
        out.setdefault(cls.code, cls)
        stack.extend(cls.__subclasses__())
    return out


def from_grpc(
    code: grpc.StatusCode, details: str | None, error_code: str | None = None
) -> TokarooError:
    """Map a gRPC status from an internal call back to a Tokaroo error. `error_code` (sent by
    Tokaroo servicers in trailing metadata) restores the exact class, e.g. model_not_found."""
    exact = _by_code().get(error_code or "")
    if exact is not None and exact is not InternalError:
        return exact(details or exact.code)
    cls = _BY_GRPC.get(code, InternalError)
    if cls in (InternalError, ServiceUnavailable):
        return cls("An internal service is temporarily unavailable. Please retry.")
    return cls(details or cls.code)


async def abort_grpc(context: grpc.aio.ServicerContext[Any, Any], exc: TokarooError) -> None:
    """Abort an RPC with the error's status, message and exact code (trailing metadata)."""
    await context.abort(
        exc.grpc_status, exc.message, trailing_metadata=((ERROR_CODE_METADATA, exc.code),)
    )
