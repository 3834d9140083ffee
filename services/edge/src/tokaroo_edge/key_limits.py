"""What an API key's controls refuse, pure: a model value the key may not use (403), and a
hold the ledger refused (402 for the tenant's balance, 429 for the key's budget, 401 for a
key revoked or expired since it was authenticated). Messages name the limit and when it
resets, never a model or provider the request did not name itself."""

from __future__ import annotations

from datetime import UTC, datetime

from tokaroo_common.errors import (
    AuthenticationFailed,
    InsufficientBalance,
    KeyBudgetExceeded,
    PermissionDenied,
    TokarooError,
)
from tokaroo_common.money import format_usd
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_edge.auth import Principal

_PERIOD_WORDS = {"day": "daily", "month": "monthly", "total": "total"}


def check_model(principal: Principal, model: str) -> None:
    """403 when the key is scoped to some model values and `model` is not one of them."""
    allowed = principal.allowed_models
    if allowed and model not in allowed:
        raise PermissionDenied(
            f"This API key may not use model '{model}'. Allowed model values: "
            f"{', '.join(allowed)}.",
            param="model",
        )


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def hold_refusal(resp: ledger_pb2.HoldResponse, amount: int) -> TokarooError:
    """The error for a refused hold of `amount` nano-USD."""
    if resp.reason == "key_budget":
        period = _PERIOD_WORDS.get(resp.key_period, resp.key_period)
        left = max(resp.key_budget_nano - resp.key_spent_nano - resp.key_held_nano, 0)
        reset = (
            f"It resets at {_iso(resp.key_resets_at_unix_ms)}."
            if resp.key_resets_at_unix_ms
            else "A total budget does not reset."
        )
        return KeyBudgetExceeded(
            f"This API key's {period} budget of ${format_usd(resp.key_budget_nano)} would be "
            f"exceeded: ${format_usd(resp.key_spent_nano)} spent and "
            f"${format_usd(resp.key_held_nano)} reserved by requests in flight, "
            f"${format_usd(left)} left, and this request may cost up to "
            f"${format_usd(amount)}. {reset} Raise the budget with PATCH /v1/keys/{{id}}, or "
            "lower max_tokens."
        )
    if resp.reason == "key_inactive":
        return AuthenticationFailed("This API key is revoked or expired.")
    return InsufficientBalance(
        f"Insufficient balance: this request may cost up to ${format_usd(amount)} and "
        f"${format_usd(max(resp.available_nano, 0))} is available. Add credits at "
        "/v1/billing/checkout, or lower max_tokens."
    )
