from tokaroo_proto.conversation.v1 import conversation_pb2 as _conversation_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LookupRequest(_message.Message):
    __slots__ = ("tenant_id", "exact_key", "policy", "model", "conversation", "shape", "semantic_only")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    EXACT_KEY_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_ONLY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    exact_key: str
    policy: str
    model: str
    conversation: _conversation_pb2.Conversation
    shape: _conversation_pb2.AnswerShape
    semantic_only: bool
    def __init__(self, tenant_id: _Optional[str] = ..., exact_key: _Optional[str] = ..., policy: _Optional[str] = ..., model: _Optional[str] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., shape: _Optional[_Union[_conversation_pb2.AnswerShape, _Mapping]] = ..., semantic_only: _Optional[bool] = ...) -> None: ...

class LookupResponse(_message.Message):
    __slots__ = ("hit", "outcome", "response_json", "similarity")
    HIT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_JSON_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    hit: bool
    outcome: str
    response_json: bytes
    similarity: float
    def __init__(self, hit: _Optional[bool] = ..., outcome: _Optional[str] = ..., response_json: _Optional[bytes] = ..., similarity: _Optional[float] = ...) -> None: ...

class StoreRequest(_message.Message):
    __slots__ = ("tenant_id", "exact_key", "policy", "model", "response_json", "ttl_seconds", "conversation", "shape", "answer", "semantic_only")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    EXACT_KEY_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_JSON_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_ONLY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    exact_key: str
    policy: str
    model: str
    response_json: bytes
    ttl_seconds: int
    conversation: _conversation_pb2.Conversation
    shape: _conversation_pb2.AnswerShape
    answer: Answer
    semantic_only: bool
    def __init__(self, tenant_id: _Optional[str] = ..., exact_key: _Optional[str] = ..., policy: _Optional[str] = ..., model: _Optional[str] = ..., response_json: _Optional[bytes] = ..., ttl_seconds: _Optional[int] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., shape: _Optional[_Union[_conversation_pb2.AnswerShape, _Mapping]] = ..., answer: _Optional[_Union[Answer, _Mapping]] = ..., semantic_only: _Optional[bool] = ...) -> None: ...

class Answer(_message.Message):
    __slots__ = ("completion_tokens", "finish_reason", "tool_calls")
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    completion_tokens: int
    finish_reason: str
    tool_calls: bool
    def __init__(self, completion_tokens: _Optional[int] = ..., finish_reason: _Optional[str] = ..., tool_calls: _Optional[bool] = ...) -> None: ...

class StoreResponse(_message.Message):
    __slots__ = ("stored",)
    STORED_FIELD_NUMBER: _ClassVar[int]
    stored: bool
    def __init__(self, stored: _Optional[bool] = ...) -> None: ...

class InvalidateTenantRequest(_message.Message):
    __slots__ = ("tenant_id", "older_than_unix_ms")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    OLDER_THAN_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    older_than_unix_ms: int
    def __init__(self, tenant_id: _Optional[str] = ..., older_than_unix_ms: _Optional[int] = ...) -> None: ...

class InvalidateTenantResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...
