"""Validate a pool snapshot before it goes live. Pure: no I/O.

Shared by the research job (before it publishes) and the router's pool watcher (before it
swaps), so both sides apply the same rules:

- the snapshot parses, has models, and names a reference model per tier that exists;
- every model has a positive price unless it is local (no free non-local model), a known kind,
  quality scores in [0, 1] and at least one deployment on a known provider;
- compared with the previous pool: no price moves by more than `max_price_ratio` either way,
  no model loses a capability (tools, vision, JSON schema) or disappears, unless the snapshot's
  `overridden` map names that change (`{"model-id": ["input_per_1m", "tools", "removed"]}`,
  `"price"` standing for all three prices);
  a snapshot whose `rollback_of` is the previous pool's version skips these relative checks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tokaroo_router.pool import ModelEntry, Pool, parse_pool

PROVIDERS = frozenset({"openai", "anthropic", "gemini", "local"})
KINDS = frozenset({"chat", "embedding"})
CAPABILITIES = ("tools", "vision", "json_schema")
PRICE_FIELDS = ("input_per_1m", "output_per_1m", "cached_input_per_1m")
DEFAULT_MAX_PRICE_RATIO = Decimal(2)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: tuple[str, ...]
    pool: Pool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


def validate(
    raw: Mapping[str, Any],
    previous: Pool | None = None,
    *,
    required: Collection[str] = (),
    max_price_ratio: Decimal = DEFAULT_MAX_PRICE_RATIO,
) -> Verdict:
    """Check a raw snapshot (the pool.json structure); `ok` only when `problems` is empty."""
    try:
        pool = parse_pool(dict(raw))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        return Verdict(False, (f"snapshot does not parse: {exc!r}",), None, raw)
    problems = _absolute(pool, required)
    rollback = previous is not None and raw.get("rollback_of") == previous.version
    if previous is not None and not rollback:
        problems += _relative(pool, previous, _overridden(raw), max_price_ratio)
    return Verdict(not problems, tuple(problems), pool, raw)


def _overridden(raw: Mapping[str, Any]) -> dict[str, set[str]]:
    out = raw.get("overridden") or {}
    if not isinstance(out, Mapping):
        return {}
    return {str(k): {str(f) for f in v} for k, v in out.items() if isinstance(v, list)}


def _absolute(pool: Pool, required: Collection[str]) -> list[str]:
    problems: list[str] = []
    if not pool.models:
        problems.append("snapshot has no models")
    if len(pool.by_id) != len(pool.models):
        problems.append("snapshot lists a model id twice")
    for tier, model_id in pool.reference.items():
        ref = pool.by_id.get(model_id)
        want = "embedding" if tier == "embedding" else "chat"
        if ref is None:
            problems.append(f"reference model for {tier} ({model_id}) is missing")
        elif ref.kind != want:
            problems.append(f"reference model for {tier} ({model_id}) is not a {want} model")
    for model_id in required:
        if model_id not in pool.by_id:
            problems.append(f"required model {model_id} is missing")
    for m in pool.models:
        problems += _model_problems(m)
    return problems


def _model_problems(m: ModelEntry) -> list[str]:
    problems: list[str] = []
    if m.kind not in KINDS:
        problems.append(f"{m.id}: unknown kind {m.kind!r}")
    prices = {
        "input": m.input_per_1m,
        "output": m.output_per_1m,
        "cached input": m.cached_input_per_1m,
    }
    if any(p < 0 for p in prices.values()):
        problems.append(f"{m.id}: negative price")
    if not m.local:
        if m.input_per_1m <= 0 or (m.kind == "chat" and m.output_per_1m <= 0):
            problems.append(f"{m.id}: free non-local model")
        if any(d.provider == "local" for d in m.providers):
            problems.append(f"{m.id}: non-local model deployed on the local provider")
    if not m.providers:
        problems.append(f"{m.id}: no deployment")
    for d in m.providers:
        if d.provider not in PROVIDERS:
            problems.append(f"{m.id}: unknown provider {d.provider!r}")
        if not d.upstream_model:
            problems.append(f"{m.id}: empty upstream model on {d.provider}")
    if any(not 0.0 <= q <= 1.0 for q in m.quality.values()):
        problems.append(f"{m.id}: quality outside [0, 1]")
    if m.context_window <= 0:
        problems.append(f"{m.id}: context window must be positive")
    return problems


def _relative(
    pool: Pool, previous: Pool, overridden: Mapping[str, set[str]], ratio: Decimal
) -> list[str]:
    problems: list[str] = []
    for old in previous.models:
        explained = overridden.get(old.id, set())
        new = pool.by_id.get(old.id)
        if new is None:
            if "removed" not in explained:
                problems.append(f"{old.id}: removed without an override")
            continue
        if new.kind != old.kind:
            problems.append(f"{old.id}: kind changed from {old.kind} to {new.kind}")
        for name in PRICE_FIELDS:
            before, after = getattr(old, name), getattr(new, name)
            if not explained & {name, "price"} and _jumped(before, after, ratio):
                problems.append(
                    f"{old.id}: {name} moved from {before} to {after} "
                    f"(beyond x{ratio}) without an override"
                )
        for cap in CAPABILITIES:
            if getattr(old, cap) and not getattr(new, cap) and cap not in explained:
                problems.append(f"{old.id}: lost capability {cap} without an override")
    return problems


def _jumped(before: Decimal, after: Decimal, ratio: Decimal) -> bool:
    if before <= 0 or after <= 0:
        return before != after
    return after > before * ratio or after * ratio < before
