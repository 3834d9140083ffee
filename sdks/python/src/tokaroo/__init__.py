"""`tokaroo`: the Python client for Tokaroo, the OpenAI-compatible LLM gateway.

from tokaroo import Tokaroo
client = Tokaroo(api_key="tok_...")
res = client.chat.completions.create(
    model="auto", messages=[{"role": "user", "content": "Hello!"}])
print(res.choices[0].message.content, res._tokaroo.cost, res._tokaroo.cache)
"""

from tokaroo import types
from tokaroo._async_client import AsyncChatCompletionStream, AsyncTokaroo
from tokaroo._base import DEFAULT_BASE_URL, VERSION
from tokaroo._client import ChatCompletionStream, Tokaroo
from tokaroo._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientBalanceError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    TokarooError,
    UnprocessableEntityError,
)
from tokaroo._messages import AsyncMessageStream, Message, MessageEvent, MessageStream
from tokaroo._responses import AsyncResponseStream, Response, ResponseEvent, ResponseStream
from tokaroo.types import ResponseMeta

__version__ = VERSION

__all__ = [
    "DEFAULT_BASE_URL",
    "VERSION",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncChatCompletionStream",
    "AsyncTokaroo",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletionStream",
    "ConflictError",
    "InsufficientBalanceError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseMeta",
    "Tokaroo",
    "TokarooError",
    "UnprocessableEntityError",
    "types",
]
__all__ += ["AsyncResponseStream", "Response", "ResponseEvent", "ResponseStream"]
__all__ += ["AsyncMessageStream", "Message", "MessageEvent", "MessageStream"]
