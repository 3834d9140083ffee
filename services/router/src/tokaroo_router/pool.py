"""The model pool: what the router chooses from. Pure data and parsing, no I/O but `load_pool`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from tokaroo_common.money import per_million_to_nano_per_token

TIERS = ("instant", "standard", "complex")


@dataclass(frozen=True)
class Deployment:
    provider: str
    upstream_model: str


@dataclass(frozen=True)
class ModelEntry:
    id: str
    owned_by: str
    kind: str  # chat | embedding
    input_per_1m: Decimal
    output_per_1m: Decimal
    cached_input_per_1m: Decimal
    context_window: int
    max_output: int
    tools: bool
    vision: bool
    json_schema: bool
    quality: dict[str, float]
    ttft_ms: float
    tokens_per_s: float
    frontier: bool
    local: bool
    providers: tuple[Deployment, ...]
    created: int = 0
    cache_write_per_1m: Decimal | None = None  # prompt-cache write price, when catalogued

    @cached_property
    def cache_write_nano(self) -> int | None:
        p = self.cache_write_per_1m
        return None if p is None else per_million_to_nano_per_token(p)

    @cached_property
    def input_nano(self) -> int:
        return per_million_to_nano_per_token(self.input_per_1m)

    @cached_property
    def output_nano(self) -> int:
        return per_million_to_nano_per_token(self.output_per_1m)

    @cached_property
    def cached_input_nano(self) -> int:
        return per_million_to_nano_per_token(self.cached_input_per_1m)


@dataclass(frozen=True)
class Pool:
    version: str
    models: tuple[ModelEntry, ...]
    reference: dict[str, str]
    quality_bar: dict[str, float]
    by_id: dict[str, ModelEntry] = field(default_factory=dict)

    @staticmethod
    def build(
        version: str,
        models: list[ModelEntry],
        reference: dict[str, str],
        quality_bar: dict[str, float],
    ) -> Pool:
        return Pool(
            version=version,
            models=tuple(models),
            reference=dict(reference),
            quality_bar=dict(quality_bar),
            by_id={m.id: m for m in models},
        )


def parse_model(raw: dict[str, Any]) -> ModelEntry:
    return ModelEntry(
        id=str(raw["id"]),
        owned_by=str(raw.get("owned_by", "tokaroo")),
        kind=str(raw.get("kind", "chat")),
        input_per_1m=Decimal(str(raw["input_per_1m"])),
        output_per_1m=Decimal(str(raw.get("output_per_1m", "0"))),
        cached_input_per_1m=Decimal(str(raw.get("cached_input_per_1m", raw["input_per_1m"]))),
        context_window=int(raw.get("context_window", 8192)),
        max_output=int(raw.get("max_output", 4096)),
        tools=bool(raw.get("tools", False)),
        vision=bool(raw.get("vision", False)),
        json_schema=bool(raw.get("json_schema", False)),
        quality={str(k): float(v) for k, v in dict(raw.get("quality", {})).items()},
        ttft_ms=float(raw.get("ttft_ms", 500)),
        tokens_per_s=float(raw.get("tokens_per_s", 50)),
        frontier=bool(raw.get("frontier", False)),
        local=bool(raw.get("local", False)),
        providers=tuple(
            Deployment(str(p["provider"]), str(p["upstream_model"]))
            for p in raw.get("providers", [])
        ),
        created=int(raw.get("created", 0)),
        cache_write_per_1m=Decimal(str(raw["cache_write_per_1m"]))
        if raw.get("cache_write_per_1m") is not None
        else None,
    )


def parse_pool(raw: dict[str, Any]) -> Pool:
    models = [parse_model(m) for m in raw["models"]]
    return Pool.build(
        str(raw.get("version", "unversioned")),
        models,
        {str(k): str(v) for k, v in raw.get("reference", {}).items()},
        {str(k): float(v) for k, v in raw.get("quality_bar", {}).items()},
    )


def load_pool(path: Path) -> Pool:
    return parse_pool(json.loads(path.read_text()))


def default_pool_path() -> Path:
    return Path(__file__).with_name("data") / "pool.json"


def with_local_model(pool: Pool, model_id: str | None) -> Pool:
    """Add the configured local model (LOCAL_DEFAULT_MODEL): near-zero cost, so `auto` routes
    instant and standard requests to it first; complex ones (and images) go to cloud models."""
    if not model_id or model_id in pool.by_id:
        return pool
    local = ModelEntry(
        id=model_id,
        owned_by="local",
        kind="chat",
        input_per_1m=Decimal("0.001"),
        output_per_1m=Decimal("0.001"),
        cached_input_per_1m=Decimal("0.001"),
        context_window=32768,
        max_output=4096,
        tools=True,
        vision=False,
        json_schema=True,
        quality={"instant": 0.80, "standard": 0.78, "complex": 0.50},
        ttft_ms=150,
        tokens_per_s=60,
        frontier=False,
        local=True,
        providers=(Deployment("local", model_id),),
    )
    return Pool.build(
        pool.version + "+local", [*pool.models, local], pool.reference, pool.quality_bar
    )


def only_providers(pool: Pool, live: frozenset[str] | None) -> Pool:
    """Keep only the deployments on live providers (`live` None: keep them all). Every model
    stays in the pool, since its prices set the market baseline, but one left without a
    deployment is never a candidate: nothing is routed, or falls back, to a provider that is
    not configured."""
    if live is None:
        return pool
    models = [
        replace(m, providers=tuple(d for d in m.providers if d.provider in live))
        for m in pool.models
    ]
    return Pool.build(pool.version, models, pool.reference, pool.quality_bar)
