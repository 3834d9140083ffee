"""Response types: pydantic models that keep any field the API adds (`extra="allow"`).

Every model returned by the client carries the response metadata in `._tokaroo`
(a `ResponseMeta`: `cache`, `cost`, `request_id`, `status`, `headers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, PrivateAttr


@dataclass
class ResponseMeta:
    """What Tokaroo tells about one response, from its headers (streams: and the usage chunk)."""

    #: `x-tokaroo-cache`: "hit" or "miss" (None where the endpoint does not say).
    cache: str | None = None
    #: `x-tokaroo-cost`: USD charged, exact (None until a stream's usage chunk arrived).
    cost: Decimal | None = None
    #: `x-request-id`: quote it when you contact support.
    request_id: str | None = None
    status: int = 0
    headers: httpx.Headers = field(default_factory=httpx.Headers, repr=False)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ResponseMeta:
        h = response.headers
        return cls(
            cache=h.get("x-tokaroo-cache"),
            cost=to_decimal(h.get("x-tokaroo-cost")),
            request_id=h.get("x-request-id"),
            status=response.status_code,
            headers=h,
        )


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class TokarooModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())
    _tokaroo: ResponseMeta = PrivateAttr(default_factory=ResponseMeta)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body as a dict (extra fields included)."""
        return self.model_dump(mode="json", exclude_unset=True)


# --- chat completions -------------------------------------------------------------------------


class FunctionCall(TokarooModel):
    name: str
    arguments: str


class ToolCall(TokarooModel):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatCompletionMessage(TokarooModel):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class Choice(TokarooModel):
    index: int
    message: ChatCompletionMessage
    finish_reason: str | None = None
    logprobs: Any = None


class CompletionUsage(TokarooModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    #: USD charged, exact decimal string (a Tokaroo extension).
    cost_usd: str | None = None


class ChatCompletion(TokarooModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    #: Echoes what you asked (auto, fast, max or a model id): the answering model stays hidden.
    model: str
    choices: list[Choice]
    usage: CompletionUsage | None = None


class ChoiceDeltaFunction(TokarooModel):
    name: str | None = None
    arguments: str | None = None


class ChoiceDeltaToolCall(TokarooModel):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: ChoiceDeltaFunction | None = None


class ChoiceDelta(TokarooModel):
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChoiceDeltaToolCall] | None = None


class ChunkChoice(TokarooModel):
    index: int
    delta: ChoiceDelta
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(TokarooModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    #: Only on the final chunk (stream_options.include_usage), whose `choices` is empty.
    usage: CompletionUsage | None = None


# --- embeddings -------------------------------------------------------------------------------


class Embedding(TokarooModel):
    object: Literal["embedding"] = "embedding"
    index: int
    #: floats, or a base64 string of little-endian float32 with encoding_format="base64"
    embedding: list[float] | str


class EmbeddingUsage(TokarooModel):
    prompt_tokens: int
    total_tokens: int
    cost_usd: str | None = None


class CreateEmbeddingResponse(TokarooModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage | None = None


# --- models, balance, usage, keys -------------------------------------------------------------


class ModelPricing(TokarooModel):
    input_per_1m: float
    output_per_1m: float


class Model(TokarooModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str
    description: str | None = None
    pricing: ModelPricing | None = None


class Balance(TokarooModel):
    #: USD as a float
    balance_usd: float
    #: the exact balance, decimal string
    balance_usd_exact: str | None = None
    currency: str | None = None

    @property
    def exact(self) -> Decimal:
        """The balance as an exact Decimal."""
        return Decimal(self.balance_usd_exact or str(self.balance_usd))


class UsageRecord(TokarooModel):
    id: str
    tier: str  # "instant" | "standard" | "complex"
    input_tokens: int
    output_tokens: int
    #: what you paid, USD
    charged_usd: float
    latency_ms: int
    created_at: str | None = None
    cache: str | None = None
    status: str | None = None
    key_id: str | None = None


class UsageDay(TokarooModel):
    date: str  # YYYY-MM-DD, UTC
    requests: int = 0
    spend_usd: float = 0.0
    spend_usd_exact: str | None = None
    #: what the same requests would have cost at the market baseline, and the difference
    baseline_usd: float = 0.0
    saved_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    by_tier: dict[str, int] = {}
    by_cache: dict[str, int] = {}  # miss | exact | semantic


class UsageSummary(TokarooModel):
    object: str | None = "usage.summary"
    data: list[UsageDay] = []
    requests: int = 0
    spend_usd: float = 0.0
    spend_usd_exact: str | None = None
    baseline_usd: float = 0.0
    saved_usd: float = 0.0
    saved_usd_exact: str | None = None


class UsagePage(TokarooModel):
    object: str | None = "list"
    data: list[UsageRecord]
    has_more: bool = False
    next_cursor: str | None = None


class ApiKey(TokarooModel):
    id: str
    name: str
    prefix: str
    created_at: str | None = None
    last_used_at: str | None = None
    revoked: bool | None = None
    expires_at: str | None = None
    expired: bool | None = None
    rpm: int | None = None  # None = no limit
    tpm: int | None = None
    allowed_models: list[str] | None = None  # None = every model value
    budget_usd: float | None = None  # None = no budget
    budget_usd_exact: str | None = None
    budget_period: str | None = None  # day | month | total
    #: settled spend of the current budget period, and when that period resets
    spend_usd: float | None = None
    spend_usd_exact: str | None = None
    budget_resets_at: str | None = None


class CreatedApiKey(ApiKey):
    #: the secret: shown only this once, save it
    key: str


class ApiKeyList(TokarooModel):
    object: str | None = "list"
    data: list[ApiKey]


class RevokedApiKey(TokarooModel):
    id: str
    deleted: bool = True
    revoked: bool = True


__all__ = [
    "ApiKey",
    "ApiKeyList",
    "Balance",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaToolCall",
    "ChunkChoice",
    "CompletionUsage",
    "CreateEmbeddingResponse",
    "CreatedApiKey",
    "Embedding",
    "EmbeddingUsage",
    "Model",
    "ModelPricing",
    "ResponseMeta",
    "RevokedApiKey",
    "TokarooModel",
    "ToolCall",
    "UsageDay",
    "UsagePage",
    "UsageRecord",
    "UsageSummary",
]
