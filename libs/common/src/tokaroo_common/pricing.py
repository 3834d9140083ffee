"""The pricing function: what a tenant pays for one request. Pure, exact (integer nano-USD).

Inputs: the mode the client asked (`auto`, `fast`, `max` or a concrete model id), the actual
upstream cost, the market baseline (what the request would cost on the tier's reference model)
and the cache outcome.

- `auto` (value-first): upstream cost plus a share of what routing saved against the baseline;
  never more than the baseline, never less than the upstream cost (unless the baseline is lower).
- `fast` (speed-first): like auto with a larger share, because latency is bought, capped at the
  larger of baseline and a fixed markup over upstream.
- `max` (premium): upstream cost plus a premium markup; no cap, no cache.
- a concrete model id: upstream cost plus a small markup.
- a cache hit (exact or semantic): a small fraction of the baseline; no upstream was paid.
Every result is an integer ≥ 0; fractions round up to the next nano-USD.

Prompt caching: the upstream cost bills cached input tokens at the cached-read price and
tokens written to a provider's prompt cache at its cache-write price (`cache_prices` fills
what a catalog leaves out with each provider's documented rule). The baseline stays the
reference model's list price, so what caching saves shows as the tenant's saving.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokaroo_common.money import Nano

VIRTUAL_MODES = ("auto", "fast", "max")


@dataclass(frozen=True)
class PricingPolicy:
    auto_savings_share_pct: int = 40
    fast_savings_share_pct: int = 60
    fast_min_markup_pct: int = 15
    max_markup_pct: int = 25
    direct_markup_pct: int = 10
    cache_hit_baseline_pct: int = 5


DEFAULT_POLICY = PricingPolicy()


def _pct(amount: Nano, pct: int) -> Nano:
    return -((-amount * pct) // 100)  # ceiling division for non-negative amounts


def price(
    *,
    mode: str,
    upstream_cost: Nano,
    baseline_cost: Nano,
    cache_outcome: str,
    policy: PricingPolicy = DEFAULT_POLICY,
) -> Nano:
    upstream = max(upstream_cost, 0)
    baseline = max(baseline_cost, 0)
    if cache_outcome in ("exact", "semantic"):
        return _pct(baseline, policy.cache_hit_baseline_pct)
    if mode == "auto":
        savings = max(baseline - upstream, 0)
        return (
            min(upstream + _pct(savings, policy.auto_savings_share_pct), max(baseline, 0))
            if baseline > 0
            else upstream
        )
    if mode == "fast":
        savings = max(baseline - upstream, 0)
        charged = upstream + _pct(savings, policy.fast_savings_share_pct)
        return min(charged, max(baseline, upstream + _pct(upstream, policy.fast_min_markup_pct)))
    if mode == "max":
        return upstream + _pct(upstream, policy.max_markup_pct)
    return upstream + _pct(upstream, policy.direct_markup_pct)


def cost(
    input_tokens: int,
    output_tokens: int,
    input_nano_per_token: Nano,
    output_nano_per_token: Nano,
    cached_tokens: int = 0,
    cached_input_nano_per_token: Nano | None = None,
    cache_write_tokens: int = 0,
    cache_write_nano_per_token: Nano | None = None,
) -> Nano:
    """Cost of a request at per-token prices. `cached_tokens` and `cache_write_tokens` are
    parts of `input_tokens`, each at its own price (unset: the input price)."""
    total = max(input_tokens, 0)
    cached = min(max(cached_tokens, 0), total)
    written = min(max(cache_write_tokens, 0), total - cached)
    cached_price = (
        input_nano_per_token if cached_input_nano_per_token is None else cached_input_nano_per_token
    )
    write_price = (
        input_nano_per_token if not cache_write_nano_per_token else cache_write_nano_per_token
    )
    return (
        (total - cached - written) * input_nano_per_token
        + cached * cached_price
        + written * write_price
        + max(output_tokens, 0) * output_nano_per_token
    )


# Documented prompt-cache prices as a share of the input price (percent), for a catalog that
# leaves them out: OpenAI reads at 10-50% (50% for the oldest models: the safe default) and
# writes at the input price; Anthropic reads at 10% and writes (5-minute life) at 125%;
# Gemini's implicit cache reads at 25%, with no write charge.
CACHE_READ_PCT = {"openai": 50, "anthropic": 10, "gemini": 25}
CACHE_WRITE_PCT = {"anthropic": 125}


@dataclass(frozen=True)
class CachePrices:
    read_nano_per_token: Nano
    write_nano_per_token: Nano  # 0: writes cost the input price (nothing extra)


def cache_prices(
    provider: str,
    input_nano_per_token: Nano,
    catalog_read: Nano | None = None,
    catalog_write: Nano | None = None,
) -> CachePrices:
    """A deployment's cache prices: the catalog's where it has them (a read price below the
    input price, a write price above 0), else the provider's documented share."""
    read = (
        catalog_read
        if catalog_read is not None and 0 <= catalog_read < input_nano_per_token
        else None
    )
    if read is None:
        read = _pct(input_nano_per_token, CACHE_READ_PCT.get(provider, 100))
    write = (
        catalog_write
        if catalog_write
        else _pct(input_nano_per_token, CACHE_WRITE_PCT[provider])
        if provider in CACHE_WRITE_PCT
        else 0
    )
    return CachePrices(read, write)
