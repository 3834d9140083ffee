"""Exact money: integer nano-USD (1e-9 USD). Never float.

`Nano` is a plain int alias; helpers convert to and from Decimal USD and render strings.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

Nano = int

NANO_PER_USD = 1_000_000_000
_NANO = Decimal(NANO_PER_USD)


def usd_to_nano(usd: Decimal | int | str) -> Nano:
    """Convert a USD amount to nano-USD exactly; fractions of a nano round half-even."""
    value = Decimal(usd) if not isinstance(usd, Decimal) else usd
    if not value.is_finite():
        raise ValueError("amount must be finite")
    return int((value * _NANO).to_integral_value(rounding=ROUND_HALF_EVEN))


def nano_to_usd(nano: Nano) -> Decimal:
    """Exact Decimal USD for a nano-USD integer."""
    return Decimal(nano) / _NANO


def format_usd(nano: Nano) -> str:
    """Render nano-USD as a plain decimal string with 9 fractional digits, e.g. '0.000012500'."""
    sign = "-" if nano < 0 else ""
    whole, frac = divmod(abs(nano), NANO_PER_USD)
    return f"{sign}{whole}.{frac:09d}"


def per_million_to_nano_per_token(usd_per_1m: Decimal | str | int) -> Nano:
    """Price per 1M tokens in USD -> nano-USD per token (exact: 1 USD/1M = 1000 nano/token)."""
    value = Decimal(usd_per_1m) * 1000
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def nano_per_token_to_per_million(nano_per_token: Nano) -> Decimal:
    return Decimal(nano_per_token) / 1000


def tokens_cost(tokens: int, nano_per_token: Nano) -> Nano:
    return max(tokens, 0) * nano_per_token
