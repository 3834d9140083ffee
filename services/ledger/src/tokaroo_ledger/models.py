"""Plain records passed between the repository, settlement and the gRPC servicer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from tokaroo_common.ids import new_request_id
from tokaroo_common.reservations import Settled

from tokaroo_ledger.key_controls import KeyControls


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7."""
    return uuid.UUID(new_request_id())


def parse_id(value: str) -> uuid.UUID | None:
    """A UUID from a request field, or None when it is not one (callers answer NOT_FOUND)."""
    if not value or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Tenant:
    id: uuid.UUID
    name: str
    balance_nano: int
    created_at: datetime


@dataclass(frozen=True)
class ApiKey:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    controls: KeyControls = field(default_factory=KeyControls)
    period_spent_nano: int = 0  # settled spend of the key's current budget period

    @property
    def requests_per_minute(self) -> int:
        return self.controls.requests_per_minute

    @property
    def tokens_per_minute(self) -> int:
        return self.controls.tokens_per_minute


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    key_id: uuid.UUID
    requests_per_minute: int = 0
    tokens_per_minute: int = 0
    expires_at: datetime | None = None
    allowed_models: tuple[str, ...] = ()
    budget_nano: int | None = None  # None = no budget
    budget_period: str = "month"


@dataclass(frozen=True)
class UsageRecord:
    request_id: str
    tier: str
    input_tokens: int
    output_tokens: int
    charged_nano: int
    latency_ms: int
    created_at: datetime
    cache_outcome: str
    status: str
    key_id: uuid.UUID | None = None
    error_code: str = ""
    cached_tokens: int = 0  # of input_tokens, read from the provider's prompt cache


@dataclass(frozen=True)
class UsageFilter:
    key_id: uuid.UUID | None = None
    tier: str = ""
    cache_outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class UsageBucket:
    day: str
    tier: str
    cache_outcome: str
    requests: int
    charged_nano: int
    baseline_nano: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class UsageEvent:
    """A validated CompletionEvent, ready to settle."""

    request_id: str
    tenant_id: uuid.UUID
    key_id: uuid.UUID | None
    endpoint: str
    tier: str
    model_requested: str
    resolved_model: str
    provider: str
    streamed: bool
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
    created_at: datetime


@dataclass(frozen=True)
class SettleOutcome:
    inserted: int  # usage rows written (new request ids)
    charged: int  # charge entries written
    charged_nano: int  # their total
    unknown_tenants: frozenset[uuid.UUID]  # events for these were not applied
    # Each applied tenant's balance after the commit and the requests whose holds it ends.
    mirrored: tuple[Settled, ...] = ()
