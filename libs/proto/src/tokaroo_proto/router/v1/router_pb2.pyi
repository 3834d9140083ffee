from tokaroo_proto.conversation.v1 import conversation_pb2 as _conversation_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RouteRequest(_message.Message):
    __slots__ = ("request_id", "tenant_id", "model", "input_tokens", "max_output_tokens", "needs_tools", "needs_vision", "needs_json_schema", "endpoint", "conversation", "session_hint", "tools_digest")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    NEEDS_TOOLS_FIELD_NUMBER: _ClassVar[int]
    NEEDS_VISION_FIELD_NUMBER: _ClassVar[int]
    NEEDS_JSON_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_HINT_FIELD_NUMBER: _ClassVar[int]
    TOOLS_DIGEST_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    tenant_id: str
    model: str
    input_tokens: int
    max_output_tokens: int
    needs_tools: bool
    needs_vision: bool
    needs_json_schema: bool
    endpoint: str
    conversation: _conversation_pb2.Conversation
    session_hint: str
    tools_digest: str
    def __init__(self, request_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., model: _Optional[str] = ..., input_tokens: _Optional[int] = ..., max_output_tokens: _Optional[int] = ..., needs_tools: _Optional[bool] = ..., needs_vision: _Optional[bool] = ..., needs_json_schema: _Optional[bool] = ..., endpoint: _Optional[str] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., session_hint: _Optional[str] = ..., tools_digest: _Optional[str] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ("model_id", "provider", "upstream_model", "input_nano_per_token", "output_nano_per_token", "cached_input_nano_per_token", "local", "cache_write_nano_per_token")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_MODEL_FIELD_NUMBER: _ClassVar[int]
    INPUT_NANO_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_NANO_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CACHED_INPUT_NANO_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FIELD_NUMBER: _ClassVar[int]
    CACHE_WRITE_NANO_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    provider: str
    upstream_model: str
    input_nano_per_token: int
    output_nano_per_token: int
    cached_input_nano_per_token: int
    local: bool
    cache_write_nano_per_token: int
    def __init__(self, model_id: _Optional[str] = ..., provider: _Optional[str] = ..., upstream_model: _Optional[str] = ..., input_nano_per_token: _Optional[int] = ..., output_nano_per_token: _Optional[int] = ..., cached_input_nano_per_token: _Optional[int] = ..., local: _Optional[bool] = ..., cache_write_nano_per_token: _Optional[int] = ...) -> None: ...

class RouteDecision(_message.Message):
    __slots__ = ("tier", "candidates", "baseline_input_nano_per_token", "baseline_output_nano_per_token", "cache_policy", "difficulty", "pool_version", "session_id", "session_warm", "expected_cached_tokens")
    TIER_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    BASELINE_INPUT_NANO_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BASELINE_OUTPUT_NANO_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CACHE_POLICY_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    POOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_WARM_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CACHED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    tier: str
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    baseline_input_nano_per_token: int
    baseline_output_nano_per_token: int
    cache_policy: str
    difficulty: float
    pool_version: str
    session_id: str
    session_warm: bool
    expected_cached_tokens: int
    def __init__(self, tier: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ..., baseline_input_nano_per_token: _Optional[int] = ..., baseline_output_nano_per_token: _Optional[int] = ..., cache_policy: _Optional[str] = ..., difficulty: _Optional[float] = ..., pool_version: _Optional[str] = ..., session_id: _Optional[str] = ..., session_warm: _Optional[bool] = ..., expected_cached_tokens: _Optional[int] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PublicModel(_message.Message):
    __slots__ = ("id", "owned_by", "created", "input_usd_per_1m", "output_usd_per_1m")
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    INPUT_USD_PER_1M_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_USD_PER_1M_FIELD_NUMBER: _ClassVar[int]
    id: str
    owned_by: str
    created: int
    input_usd_per_1m: str
    output_usd_per_1m: str
    def __init__(self, id: _Optional[str] = ..., owned_by: _Optional[str] = ..., created: _Optional[int] = ..., input_usd_per_1m: _Optional[str] = ..., output_usd_per_1m: _Optional[str] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[PublicModel]
    def __init__(self, models: _Optional[_Iterable[_Union[PublicModel, _Mapping]]] = ...) -> None: ...
