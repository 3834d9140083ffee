"""Key controls, pure: validation of what a tenant
may set on a key (limits, budget, allowed model values, expiry). No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tokaroo_common.errors import InvalidRequest
from tokaroo_common.periods import PERIODS

DEFAULT_PERIOD = "month"
MAX_ALLOWED_MODELS = 64
MAX_MODEL_VALUE = 256
MAX_BUDGET_NANO = 10**9 * 10**9  # one billion USD
_MODEL_RE = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces


@dataclass(frozen=True)
class KeyControls:
    requests_per_minute: int = 0  # 0 = no limit
    tokens_per_minute: int = 0
    budget_nano: int | None = None  # None = no budget
    budget_period: str = DEFAULT_PERIOD
    allowed_models: tuple[str, ...] = field(default=())  # empty = every model value
    expires_at: datetime | None = None


def check_period(period: str) -> str:
    value = period or DEFAULT_PERIOD
    if value not in PERIODS:
        raise InvalidRequest(
            "budget_period must be one of day, month, total.", param="budget_period"
        )
    return value


def check_limit(value: int, param: str) -> int:
    if value < 0:
        raise InvalidRequest(f"{param} must be zero (no limit) or positive.", param=param)
    return value


def check_budget(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_BUDGET_NANO:
        raise InvalidRequest("budget_usd must be between 0 and 1000000000.", param="budget_usd")
    return value


def check_models(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Allowed model values (`auto`, `fast`, `max` or model ids), deduplicated in order."""
    if len(values) > MAX_ALLOWED_MODELS:
        raise InvalidRequest(
            f"allowed_models holds at most {MAX_ALLOWED_MODELS} values.", param="allowed_models"
        )
    out: list[str] = []
    for value in values:
        if not 1 <= len(value) <= MAX_MODEL_VALUE or not _MODEL_RE.fullmatch(value):
            raise InvalidRequest(
                "allowed_models holds model values such as 'auto', 'fast' or a model id.",
                param="allowed_models",
            )
        if value not in out:
            out.append(value)
    return tuple(out)


def from_unix_ms(ms: int) -> datetime | None:
    if ms < 0:
        raise InvalidRequest("expires_at must be a time after 1970.", param="expires_at")
    if ms == 0:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidRequest("The time is out of range.", param="expires_at") from exc
