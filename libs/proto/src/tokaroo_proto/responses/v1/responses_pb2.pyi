from tokaroo_proto.conversation.v1 import conversation_pb2 as _conversation_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StoredResponse(_message.Message):
    __slots__ = ("tenant_id", "response_id", "conversation", "messages_json", "response_json", "created_at_unix_ms", "expires_at_unix_ms")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_JSON_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    response_id: str
    conversation: _conversation_pb2.Conversation
    messages_json: bytes
    response_json: bytes
    created_at_unix_ms: int
    expires_at_unix_ms: int
    def __init__(self, tenant_id: _Optional[str] = ..., response_id: _Optional[str] = ..., conversation: _Optional[_Union[_conversation_pb2.Conversation, _Mapping]] = ..., messages_json: _Optional[bytes] = ..., response_json: _Optional[bytes] = ..., created_at_unix_ms: _Optional[int] = ..., expires_at_unix_ms: _Optional[int] = ...) -> None: ...

class PutRequest(_message.Message):
    __slots__ = ("response", "ttl_seconds")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    response: StoredResponse
    ttl_seconds: int
    def __init__(self, response: _Optional[_Union[StoredResponse, _Mapping]] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class PutResponse(_message.Message):
    __slots__ = ("expires_at_unix_ms",)
    EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    expires_at_unix_ms: int
    def __init__(self, expires_at_unix_ms: _Optional[int] = ...) -> None: ...

class GetRequest(_message.Message):
    __slots__ = ("tenant_id", "response_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    response_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., response_id: _Optional[str] = ...) -> None: ...

class GetResponse(_message.Message):
    __slots__ = ("response",)
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    response: StoredResponse
    def __init__(self, response: _Optional[_Union[StoredResponse, _Mapping]] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ("tenant_id", "response_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    response_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., response_id: _Optional[str] = ...) -> None: ...

class DeleteResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    def __init__(self, deleted: _Optional[bool] = ...) -> None: ...
