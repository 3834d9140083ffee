from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuthenticateRequest(_message.Message):
    __slots__ = ("key_hash",)
    KEY_HASH_FIELD_NUMBER: _ClassVar[int]
    key_hash: str
    def __init__(self, key_hash: _Optional[str] = ...) -> None: ...

class AuthenticateResponse(_message.Message):
    __slots__ = ("ok", "tenant_id", "key_id", "requests_per_minute", "tokens_per_minute", "expires_at_unix_ms", "allowed_models", "budget_nano", "budget_period")
    OK_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_MODELS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_NANO_FIELD_NUMBER: _ClassVar[int]
    BUDGET_PERIOD_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    tenant_id: str
    key_id: str
    requests_per_minute: int
    tokens_per_minute: int
    expires_at_unix_ms: int
    allowed_models: _containers.RepeatedScalarFieldContainer[str]
    budget_nano: int
    budget_period: str
    def __init__(self, ok: _Optional[bool] = ..., tenant_id: _Optional[str] = ..., key_id: _Optional[str] = ..., requests_per_minute: _Optional[int] = ..., tokens_per_minute: _Optional[int] = ..., expires_at_unix_ms: _Optional[int] = ..., allowed_models: _Optional[_Iterable[str]] = ..., budget_nano: _Optional[int] = ..., budget_period: _Optional[str] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("tenant_id", "balance_nano")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_NANO_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    balance_nano: int
    def __init__(self, tenant_id: _Optional[str] = ..., balance_nano: _Optional[int] = ...) -> None: ...

class CreateKeyRequest(_message.Message):
    __slots__ = ("tenant_id", "name", "requests_per_minute", "tokens_per_minute", "budget_nano", "budget_period", "allowed_models", "expires_at_unix_ms")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_NANO_FIELD_NUMBER: _ClassVar[int]
    BUDGET_PERIOD_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_MODELS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    name: str
    requests_per_minute: int
    tokens_per_minute: int
    budget_nano: int
    budget_period: str
    allowed_models: _containers.RepeatedScalarFieldContainer[str]
    expires_at_unix_ms: int
    def __init__(self, tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., requests_per_minute: _Optional[int] = ..., tokens_per_minute: _Optional[int] = ..., budget_nano: _Optional[int] = ..., budget_period: _Optional[str] = ..., allowed_models: _Optional[_Iterable[str]] = ..., expires_at_unix_ms: _Optional[int] = ...) -> None: ...

class UpdateKeyRequest(_message.Message):
    __slots__ = ("tenant_id", "key_id", "name", "requests_per_minute", "tokens_per_minute", "budget_nano", "clear_budget", "budget_period", "set_allowed_models", "allowed_models", "expires_at_unix_ms")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_NANO_FIELD_NUMBER: _ClassVar[int]
    CLEAR_BUDGET_FIELD_NUMBER: _ClassVar[int]
    BUDGET_PERIOD_FIELD_NUMBER: _ClassVar[int]
    SET_ALLOWED_MODELS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_MODELS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    key_id: str
    name: str
    requests_per_minute: int
    tokens_per_minute: int
    budget_nano: int
    clear_budget: bool
    budget_period: str
    set_allowed_models: bool
    allowed_models: _containers.RepeatedScalarFieldContainer[str]
    expires_at_unix_ms: int
    def __init__(self, tenant_id: _Optional[str] = ..., key_id: _Optional[str] = ..., name: _Optional[str] = ..., requests_per_minute: _Optional[int] = ..., tokens_per_minute: _Optional[int] = ..., budget_nano: _Optional[int] = ..., clear_budget: _Optional[bool] = ..., budget_period: _Optional[str] = ..., set_allowed_models: _Optional[bool] = ..., allowed_models: _Optional[_Iterable[str]] = ..., expires_at_unix_ms: _Optional[int] = ...) -> None: ...

class KeyInfo(_message.Message):
    __slots__ = ("id", "name", "prefix", "created_at_unix_ms", "last_used_at_unix_ms", "revoked", "requests_per_minute", "tokens_per_minute", "budget_nano", "budget_period", "period_spent_nano", "period_resets_at_unix_ms", "allowed_models", "expires_at_unix_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    TOKENS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_NANO_FIELD_NUMBER: _ClassVar[int]
    BUDGET_PERIOD_FIELD_NUMBER: _ClassVar[int]
    PERIOD_SPENT_NANO_FIELD_NUMBER: _ClassVar[int]
    PERIOD_RESETS_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_MODELS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    prefix: str
    created_at_unix_ms: int
    last_used_at_unix_ms: int
    revoked: bool
    requests_per_minute: int
    tokens_per_minute: int
    budget_nano: int
    budget_period: str
    period_spent_nano: int
    period_resets_at_unix_ms: int
    allowed_models: _containers.RepeatedScalarFieldContainer[str]
    expires_at_unix_ms: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., prefix: _Optional[str] = ..., created_at_unix_ms: _Optional[int] = ..., last_used_at_unix_ms: _Optional[int] = ..., revoked: _Optional[bool] = ..., requests_per_minute: _Optional[int] = ..., tokens_per_minute: _Optional[int] = ..., budget_nano: _Optional[int] = ..., budget_period: _Optional[str] = ..., period_spent_nano: _Optional[int] = ..., period_resets_at_unix_ms: _Optional[int] = ..., allowed_models: _Optional[_Iterable[str]] = ..., expires_at_unix_ms: _Optional[int] = ...) -> None: ...

class CreatedKey(_message.Message):
    __slots__ = ("key", "secret")
    KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    key: KeyInfo
    secret: str
    def __init__(self, key: _Optional[_Union[KeyInfo, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListKeysRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class ListKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[KeyInfo]
    def __init__(self, keys: _Optional[_Iterable[_Union[KeyInfo, _Mapping]]] = ...) -> None: ...

class RevokeKeyRequest(_message.Message):
    __slots__ = ("tenant_id", "key_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    key_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class RevokeKeyResponse(_message.Message):
    __slots__ = ("revoked",)
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    revoked: bool
    def __init__(self, revoked: _Optional[bool] = ...) -> None: ...

class ListUsageRequest(_message.Message):
    __slots__ = ("tenant_id", "limit", "cursor", "key_id", "tier", "cache_outcome", "since_unix_ms", "until_unix_ms")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CACHE_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SINCE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    limit: int
    cursor: str
    key_id: str
    tier: str
    cache_outcome: str
    since_unix_ms: int
    until_unix_ms: int
    def __init__(self, tenant_id: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ..., key_id: _Optional[str] = ..., tier: _Optional[str] = ..., cache_outcome: _Optional[str] = ..., since_unix_ms: _Optional[int] = ..., until_unix_ms: _Optional[int] = ...) -> None: ...

class UsageRecord(_message.Message):
    __slots__ = ("id", "tier", "input_tokens", "output_tokens", "charged_nano", "latency_ms", "created_at_unix_ms", "cache_outcome", "status", "key_id", "error_code", "cached_tokens")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CHARGED_NANO_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    CACHE_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    CACHED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    id: str
    tier: str
    input_tokens: int
    output_tokens: int
    charged_nano: int
    latency_ms: int
    created_at_unix_ms: int
    cache_outcome: str
    status: str
    key_id: str
    error_code: str
    cached_tokens: int
    def __init__(self, id: _Optional[str] = ..., tier: _Optional[str] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., charged_nano: _Optional[int] = ..., latency_ms: _Optional[int] = ..., created_at_unix_ms: _Optional[int] = ..., cache_outcome: _Optional[str] = ..., status: _Optional[str] = ..., key_id: _Optional[str] = ..., error_code: _Optional[str] = ..., cached_tokens: _Optional[int] = ...) -> None: ...

class ListUsageResponse(_message.Message):
    __slots__ = ("records", "next_cursor")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[UsageRecord]
    next_cursor: str
    def __init__(self, records: _Optional[_Iterable[_Union[UsageRecord, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class UsageSummaryRequest(_message.Message):
    __slots__ = ("tenant_id", "since_unix_ms", "until_unix_ms", "key_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    since_unix_ms: int
    until_unix_ms: int
    key_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., since_unix_ms: _Optional[int] = ..., until_unix_ms: _Optional[int] = ..., key_id: _Optional[str] = ...) -> None: ...

class UsageBucket(_message.Message):
    __slots__ = ("day", "tier", "cache_outcome", "requests", "charged_nano", "baseline_nano", "input_tokens", "output_tokens")
    DAY_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CACHE_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    CHARGED_NANO_FIELD_NUMBER: _ClassVar[int]
    BASELINE_NANO_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    day: str
    tier: str
    cache_outcome: str
    requests: int
    charged_nano: int
    baseline_nano: int
    input_tokens: int
    output_tokens: int
    def __init__(self, day: _Optional[str] = ..., tier: _Optional[str] = ..., cache_outcome: _Optional[str] = ..., requests: _Optional[int] = ..., charged_nano: _Optional[int] = ..., baseline_nano: _Optional[int] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ...) -> None: ...

class UsageSummaryResponse(_message.Message):
    __slots__ = ("buckets",)
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[UsageBucket]
    def __init__(self, buckets: _Optional[_Iterable[_Union[UsageBucket, _Mapping]]] = ...) -> None: ...

class CreateTenantRequest(_message.Message):
    __slots__ = ("name", "initial_credit_nano", "key_name", "pinned_secret")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INITIAL_CREDIT_NANO_FIELD_NUMBER: _ClassVar[int]
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    PINNED_SECRET_FIELD_NUMBER: _ClassVar[int]
    name: str
    initial_credit_nano: int
    key_name: str
    pinned_secret: str
    def __init__(self, name: _Optional[str] = ..., initial_credit_nano: _Optional[int] = ..., key_name: _Optional[str] = ..., pinned_secret: _Optional[str] = ...) -> None: ...

class CreatedTenant(_message.Message):
    __slots__ = ("tenant_id", "key")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    key: CreatedKey
    def __init__(self, tenant_id: _Optional[str] = ..., key: _Optional[_Union[CreatedKey, _Mapping]] = ...) -> None: ...

class ListTenantsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TenantInfo(_message.Message):
    __slots__ = ("id", "name", "balance_nano", "created_at_unix_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BALANCE_NANO_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    balance_nano: int
    created_at_unix_ms: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., balance_nano: _Optional[int] = ..., created_at_unix_ms: _Optional[int] = ...) -> None: ...

class ListTenantsResponse(_message.Message):
    __slots__ = ("tenants",)
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    tenants: _containers.RepeatedCompositeFieldContainer[TenantInfo]
    def __init__(self, tenants: _Optional[_Iterable[_Union[TenantInfo, _Mapping]]] = ...) -> None: ...

class AdjustRequest(_message.Message):
    __slots__ = ("tenant_id", "amount_nano", "reason", "cause_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_NANO_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CAUSE_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    amount_nano: int
    reason: str
    cause_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., amount_nano: _Optional[int] = ..., reason: _Optional[str] = ..., cause_id: _Optional[str] = ...) -> None: ...

class HoldRequest(_message.Message):
    __slots__ = ("tenant_id", "request_id", "amount_nano", "ttl_ms", "key_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_NANO_FIELD_NUMBER: _ClassVar[int]
    TTL_MS_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    request_id: str
    amount_nano: int
    ttl_ms: int
    key_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., request_id: _Optional[str] = ..., amount_nano: _Optional[int] = ..., ttl_ms: _Optional[int] = ..., key_id: _Optional[str] = ...) -> None: ...

class HoldResponse(_message.Message):
    __slots__ = ("ok", "available_nano", "reason", "key_budget_nano", "key_spent_nano", "key_held_nano", "key_period", "key_resets_at_unix_ms")
    OK_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_NANO_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    KEY_BUDGET_NANO_FIELD_NUMBER: _ClassVar[int]
    KEY_SPENT_NANO_FIELD_NUMBER: _ClassVar[int]
    KEY_HELD_NANO_FIELD_NUMBER: _ClassVar[int]
    KEY_PERIOD_FIELD_NUMBER: _ClassVar[int]
    KEY_RESETS_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    available_nano: int
    reason: str
    key_budget_nano: int
    key_spent_nano: int
    key_held_nano: int
    key_period: str
    key_resets_at_unix_ms: int
    def __init__(self, ok: _Optional[bool] = ..., available_nano: _Optional[int] = ..., reason: _Optional[str] = ..., key_budget_nano: _Optional[int] = ..., key_spent_nano: _Optional[int] = ..., key_held_nano: _Optional[int] = ..., key_period: _Optional[str] = ..., key_resets_at_unix_ms: _Optional[int] = ...) -> None: ...

class CreateCheckoutRequest(_message.Message):
    __slots__ = ("tenant_id", "amount_nano", "success_url", "cancel_url", "idempotency_key")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_NANO_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_URL_FIELD_NUMBER: _ClassVar[int]
    CANCEL_URL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    amount_nano: int
    success_url: str
    cancel_url: str
    idempotency_key: str
    def __init__(self, tenant_id: _Optional[str] = ..., amount_nano: _Optional[int] = ..., success_url: _Optional[str] = ..., cancel_url: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetBillingConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BillingConfig(_message.Message):
    __slots__ = ("configured", "min_nano", "max_nano")
    CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    MIN_NANO_FIELD_NUMBER: _ClassVar[int]
    MAX_NANO_FIELD_NUMBER: _ClassVar[int]
    configured: bool
    min_nano: int
    max_nano: int
    def __init__(self, configured: _Optional[bool] = ..., min_nano: _Optional[int] = ..., max_nano: _Optional[int] = ...) -> None: ...

class CheckoutSession(_message.Message):
    __slots__ = ("id", "url")
    ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    url: str
    def __init__(self, id: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class StripeWebhookRequest(_message.Message):
    __slots__ = ("payload", "signature")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    signature: str
    def __init__(self, payload: _Optional[bytes] = ..., signature: _Optional[str] = ...) -> None: ...

class StripeWebhookResponse(_message.Message):
    __slots__ = ("credited", "tenant_id", "amount_nano", "event_type")
    CREDITED_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_NANO_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    credited: bool
    tenant_id: str
    amount_nano: int
    event_type: str
    def __init__(self, credited: _Optional[bool] = ..., tenant_id: _Optional[str] = ..., amount_nano: _Optional[int] = ..., event_type: _Optional[str] = ...) -> None: ...
