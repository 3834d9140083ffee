from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UsageRequest(_message.Message):
    __slots__ = ("tenant_id", "start_unix_ms", "end_unix_ms", "tier")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    start_unix_ms: int
    end_unix_ms: int
    tier: str
    def __init__(self, tenant_id: _Optional[str] = ..., start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., tier: _Optional[str] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ("requests", "input_tokens", "output_tokens", "cached_tokens", "charged_nano", "baseline_cost_nano", "savings_nano", "cache_exact_hits", "cache_semantic_hits", "cache_hit_rate", "errors", "fallbacks", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "ttft_p50_ms")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CHARGED_NANO_FIELD_NUMBER: _ClassVar[int]
    BASELINE_COST_NANO_FIELD_NUMBER: _ClassVar[int]
    SAVINGS_NANO_FIELD_NUMBER: _ClassVar[int]
    CACHE_EXACT_HITS_FIELD_NUMBER: _ClassVar[int]
    CACHE_SEMANTIC_HITS_FIELD_NUMBER: _ClassVar[int]
    CACHE_HIT_RATE_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    FALLBACKS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_MS_FIELD_NUMBER: _ClassVar[int]
    TTFT_P50_MS_FIELD_NUMBER: _ClassVar[int]
    requests: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    charged_nano: int
    baseline_cost_nano: int
    savings_nano: int
    cache_exact_hits: int
    cache_semantic_hits: int
    cache_hit_rate: float
    errors: int
    fallbacks: int
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    ttft_p50_ms: float
    def __init__(self, requests: _Optional[int] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cached_tokens: _Optional[int] = ..., charged_nano: _Optional[int] = ..., baseline_cost_nano: _Optional[int] = ..., savings_nano: _Optional[int] = ..., cache_exact_hits: _Optional[int] = ..., cache_semantic_hits: _Optional[int] = ..., cache_hit_rate: _Optional[float] = ..., errors: _Optional[int] = ..., fallbacks: _Optional[int] = ..., latency_p50_ms: _Optional[float] = ..., latency_p95_ms: _Optional[float] = ..., latency_p99_ms: _Optional[float] = ..., ttft_p50_ms: _Optional[float] = ...) -> None: ...

class UsageSummary(_message.Message):
    __slots__ = ("tenant_id", "start_unix_ms", "end_unix_ms", "usage")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    start_unix_ms: int
    end_unix_ms: int
    usage: Usage
    def __init__(self, tenant_id: _Optional[str] = ..., start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class UsageBucket(_message.Message):
    __slots__ = ("hour_unix_ms", "usage")
    HOUR_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    hour_unix_ms: int
    usage: Usage
    def __init__(self, hour_unix_ms: _Optional[int] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class UsageSeries(_message.Message):
    __slots__ = ("tenant_id", "start_unix_ms", "end_unix_ms", "buckets")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    start_unix_ms: int
    end_unix_ms: int
    buckets: _containers.RepeatedCompositeFieldContainer[UsageBucket]
    def __init__(self, tenant_id: _Optional[str] = ..., start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., buckets: _Optional[_Iterable[_Union[UsageBucket, _Mapping]]] = ...) -> None: ...
