"""Build a pool snapshot (the router's pool.json format) from the previous pool and the
evidence gathered this run. Pure: the caller gathers, this module decides.

Per model of the previous pool (plus models the overrides add), in this order:
1. catalog: prices, context window, max output and capabilities of its first deployment that a
   catalog knows (a field the catalog does not state keeps its previous value);
2. quality per tier from the leaderboard, when it knows the model;
3. the overrides file, last; the fields it set are listed under `overridden`;
4. deployments: one whose provider listed its models without this one, or whose canary probe
   failed, is dropped (a probe that succeeded outweighs a missing list entry); a model with no
   deployment left is dropped, which the validator then reports unless overridden;
5. latency: a successful probe moves `ttft_ms` and `tokens_per_s` halfway towards what it
   measured (one tiny request is noisy; weekly runs converge).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tokaroo_research.catalogs import CatalogEntry, Key
from tokaroo_research.overrides import Overrides

PRICES = ("input_per_1m", "output_per_1m", "cached_input_per_1m")
LIMITS = ("context_window", "max_output")
CAPABILITIES = ("tools", "vision", "json_schema", "reasoning")
LATENCY_WEIGHT = 0.5


@dataclass(frozen=True)
class Probe:
    ok: bool
    ttft_ms: float | None = None
    tokens_per_s: float | None = None
    correct: bool = False
    error: str = ""


@dataclass(frozen=True)
class Evidence:
    catalog: Mapping[Key, CatalogEntry] = field(default_factory=dict)
    quality: Mapping[str, dict[str, float]] = field(default_factory=dict)
    served: Mapping[str, frozenset[str]] = field(default_factory=dict)  # fetched lists only
    probes: Mapping[Key, Probe] = field(default_factory=dict)


@dataclass(frozen=True)
class Built:
    snapshot: dict[str, Any]
    notes: tuple[str, ...]


def price_str(value: Decimal) -> str:
    return format(value.normalize(), "f")


def build_snapshot(
    previous: Mapping[str, Any], evidence: Evidence, overrides: Overrides, now: datetime
) -> Built:
    notes: list[str] = []
    overridden: dict[str, list[str]] = {}
    models: list[dict[str, Any]] = []
    known = [str(m["id"]) for m in previous.get("models", [])]
    base = {str(m["id"]): m for m in previous.get("models", [])}
    for model_id in known + [i for i in overrides.models if i not in base]:
        pinned = overrides.models.get(model_id, {})
        m = copy.deepcopy(dict(base.get(model_id) or {**pinned, "id": model_id}))
        _from_catalog(m, evidence, notes)
        if model_id in evidence.quality and m.get("kind", "chat") == "chat":
            m["quality"] = dict(evidence.quality[model_id])
        if pinned:
            overridden[model_id] = sorted("removed" if k == "remove" else k for k in pinned)
        if pinned.get("remove"):
            notes.append(f"{model_id}: removed by the overrides file")
            continue
        m.update({k: copy.deepcopy(v) for k, v in pinned.items()})
        if model_id not in base and not {"kind", "input_per_1m", "providers"} <= set(m):
            notes.append(f"{model_id}: new model lacks kind, prices or providers; skipped")
            continue
        if _deploy(m, evidence, notes):
            models.append(m)
    content = {
        "reference": dict(overrides.reference or previous.get("reference", {})),
        "quality_bar": {**dict(previous.get("quality_bar", {})), **overrides.quality_bar},
        "overridden": overridden,
        "models": models,
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]
    stamp = now.astimezone(UTC)
    snapshot = {
        "version": f"{stamp:%Y%m%dT%H%M%SZ}-{digest}",
        "generated_at": stamp.isoformat(timespec="seconds"),
        **content,
    }
    return Built(snapshot, tuple(notes))


def _from_catalog(m: dict[str, Any], evidence: Evidence, notes: list[str]) -> None:
    for d in m.get("providers", []):
        entry = evidence.catalog.get((str(d["provider"]), str(d["upstream_model"])))
        if entry is None:
            continue
        if entry.kind is not None and entry.kind != m.get("kind", "chat"):
            notes.append(f"{m['id']}: catalog says {entry.kind}, pool says {m.get('kind')}")
            return
        for name in PRICES:
            value = getattr(entry, name)
            if value is not None:
                m[name] = price_str(value)
        for name in LIMITS + CAPABILITIES:
            value = getattr(entry, name)
            if value is not None:
                m[name] = value
        return


def _deploy(m: dict[str, Any], evidence: Evidence, notes: list[str]) -> bool:
    kept: list[dict[str, Any]] = []
    measured: list[Probe] = []
    for d in m.get("providers", []):
        key = (str(d["provider"]), str(d["upstream_model"]))
        probe = evidence.probes.get(key)
        listed = key[0] not in evidence.served or key[1] in evidence.served[key[0]]
        if probe is not None and not probe.ok:
            notes.append(f"{m['id']}: canary on {key[0]} failed ({probe.error}); dropped there")
        elif not listed and probe is None:
            notes.append(f"{m['id']}: {key[0]} does not list {key[1]}; dropped there")
        else:
            kept.append(d)
            if probe is not None:
                measured.append(probe)
    m["providers"] = kept
    if not kept:
        notes.append(f"{m['id']}: no provider serves it; left out of the snapshot")
        return False
    ttfts = [p.ttft_ms for p in measured if p.ttft_ms is not None]
    rates = [p.tokens_per_s for p in measured if p.tokens_per_s]
    if ttfts:
        m["ttft_ms"] = _blend(m.get("ttft_ms"), sum(ttfts) / len(ttfts))
    if rates:
        m["tokens_per_s"] = _blend(m.get("tokens_per_s"), sum(rates) / len(rates))
    return True


def _blend(old: Any, measured: float) -> float:
    if not isinstance(old, int | float) or old <= 0:
        return round(measured, 1)
    return round((1 - LATENCY_WEIGHT) * float(old) + LATENCY_WEIGHT * measured, 1)
