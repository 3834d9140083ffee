from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class CompletionEvent(_message.Message):
    __slots__ = ("request_id", "tenant_id", "key_id", "model_requested", "tier", "resolved_model", "provider", "input_tokens", "output_tokens", "cached_tokens", "upstream_cost_nano", "baseline_cost_nano", "charged_nano", "cache_outcome", "latency_ms", "ttft_ms", "status", "error_code", "attempts", "created_at_unix_ms", "endpoint", "streamed")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_COST_NANO_FIELD_NUMBER: _ClassVar[int]
    BASELINE_COST_NANO_FIELD_NUMBER: _ClassVar[int]
    CHARGED_NANO_FIELD_NUMBER: _ClassVar[int]
    CACHE_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    STREAMED_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    tenant_id: str
    key_id: str
    model_requested: str
    tier: str
    resolved_model: str
    provider: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    upstream_cost_nano: int
    baseline_cost_nano: int
    charged_nano: int
    cache_outcome: str
    latency_ms: int
    ttft_ms: int
    status: str
    error_code: str
    attempts: int
    created_at_unix_ms: int
    endpoint: str
    streamed: bool
    def __init__(self, request_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., key_id: _Optional[str] = ..., model_requested: _Optional[str] = ..., tier: _Optional[str] = ..., resolved_model: _Optional[str] = ..., provider: _Optional[str] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cached_tokens: _Optional[int] = ..., upstream_cost_nano: _Optional[int] = ..., baseline_cost_nano: _Optional[int] = ..., charged_nano: _Optional[int] = ..., cache_outcome: _Optional[str] = ..., latency_ms: _Optional[int] = ..., ttft_ms: _Optional[int] = ..., status: _Optional[str] = ..., error_code: _Optional[str] = ..., attempts: _Optional[int] = ..., created_at_unix_ms: _Optional[int] = ..., endpoint: _Optional[str] = ..., streamed: _Optional[bool] = ...) -> None: ...
