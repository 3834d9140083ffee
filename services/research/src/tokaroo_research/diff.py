"""What changed between two pools, as JSON-ready data. Pure."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from tokaroo_router import ModelEntry, Pool


def _value(entry: ModelEntry, name: str) -> Any:
    value = getattr(entry, name)
    if name == "providers":
        return [f"{d.provider}:{d.upstream_model}" for d in value]
    if isinstance(value, int | float | bool | str | dict) or value is None:
        return value
    return str(value)


def diff_pools(previous: Pool | None, new: Pool) -> dict[str, Any]:
    """{from, to, added, removed, changed: {model: {field: [old, new]}}, reference, quality_bar}."""
    old_ids = set(previous.by_id) if previous else set()
    out: dict[str, Any] = {
        "from": previous.version if previous else None,
        "to": new.version,
        "added": sorted(set(new.by_id) - old_ids),
        "removed": sorted(old_ids - set(new.by_id)),
        "changed": {},
    }
    if previous is None:
        return out
    for model_id in sorted(old_ids & set(new.by_id)):
        a, b = previous.by_id[model_id], new.by_id[model_id]
        changes = {
            f.name: [_value(a, f.name), _value(b, f.name)]
            for f in fields(ModelEntry)
            if getattr(a, f.name) != getattr(b, f.name)
        }
        if changes:
            out["changed"][model_id] = changes
    if previous.reference != new.reference:
        out["reference"] = [previous.reference, new.reference]
    if previous.quality_bar != new.quality_bar:
        out["quality_bar"] = [previous.quality_bar, new.quality_bar]
    return out
