"""The overrides file (data/overrides.toml, documented there): what the catalogs lack, the
seed's published prices, policy (required models, quality bars) and leaderboard aliases."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tokaroo_router import TIERS

MODEL_FIELDS = frozenset(
    {
        "owned_by",
        "kind",
        "input_per_1m",
        "output_per_1m",
        "cached_input_per_1m",
        "context_window",
        "max_output",
        "tools",
        "vision",
        "json_schema",
        "reasoning",
        "quality",
        "ttft_ms",
        "tokens_per_s",
        "frontier",
        "local",
        "providers",
        "dimensions",
        "created",
        "remove",
    }
)


@dataclass(frozen=True)
class Overrides:
    required: tuple[str, ...] = ()
    quality_bar: dict[str, float] = field(default_factory=dict)
    reference: dict[str, str] = field(default_factory=dict)
    arena_names: dict[str, str] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)


def parse_overrides(raw: Mapping[str, Any]) -> Overrides:
    models = {str(k): dict(v) for k, v in dict(raw.get("models", {})).items()}
    for model_id, fields_ in models.items():
        unknown = set(fields_) - MODEL_FIELDS
        if unknown:
            raise ValueError(f"overrides for {model_id}: unknown fields {sorted(unknown)}")
    bar = {str(k): float(v) for k, v in dict(raw.get("quality_bar", {})).items()}
    if set(bar) - set(TIERS):
        raise ValueError(f"quality_bar tiers must be among {TIERS}")
    return Overrides(
        required=tuple(str(m) for m in raw.get("required", [])),
        quality_bar=bar,
        reference={str(k): str(v) for k, v in dict(raw.get("reference", {})).items()},
        arena_names={str(k): str(v) for k, v in dict(raw.get("arena_names", {})).items()},
        models=models,
    )


def load_overrides(path: Path | None = None) -> Overrides:
    """The given file, else the packaged data/overrides.toml."""
    if path is not None:
        return parse_overrides(tomllib.loads(path.read_text()))
    text = resources.files("tokaroo_research").joinpath("data/overrides.toml").read_text()
    return parse_overrides(tomllib.loads(text))
