"""A run from the shipped offline sources, and the command line around it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from tokaroo_research.cli import execute, parser
from tokaroo_research.config import ResearchSettings
from tokaroo_research.job import RunOptions, run
from tokaroo_research.overrides import load_overrides
from tokaroo_router.pool import parse_pool
from tokaroo_router.pool_validate import validate
from tokaroo_router.selection import Need, select

SEED_PRICES = {
    "gpt-4o": ("2.50", "10.00"),
    "gpt-4.1": ("2.00", "8.00"),
    "claude-sonnet-4-6": ("3.00", "15.00"),
    "gemini-2.5-flash": ("0.30", "2.50"),
    "text-embedding-3-small": ("0.02", "0"),
    "text-embedding-004": ("0.025", "0"),
}
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def offline() -> ResearchSettings:
    return ResearchSettings(
        _env_file=None, openai_base_url=None, anthropic_base_url=None, gemini_base_url=None
    )


async def test_offline_run_builds_a_valid_pool_with_the_seed_at_published_prices(
    seed_raw: dict[str, Any],
) -> None:
    report = await run(RunOptions(), offline(), now=NOW)
    assert report.ok, report.problems
    snap = report.snapshot
    assert snap["version"].startswith("20261130T060000Z-")
    pool = parse_pool(snap)
    for model_id, (inp, out) in SEED_PRICES.items():
        m = pool.by_id[model_id]
        assert (m.input_per_1m, m.output_per_1m) == (Decimal(inp), Decimal(out)), model_id
    assert {m["id"] for m in seed_raw["models"]} <= set(pool.by_id)
    assert validate(snap, parse_pool(seed_raw), required=load_overrides().required).ok
    # the catalog and the leaderboard were used, not just the previous pool
    assert pool.by_id["gpt-4.1-nano"].cached_input_per_1m == Decimal("0.03")  # models.dev
    assert pool.by_id["claude-sonnet-4-6"].context_window == 200_000  # overrides, not 1M
    assert pool.by_id["gpt-4.1"].quality != parse_pool(seed_raw).by_id["gpt-4.1"].quality
    assert all(0 <= q <= 1 for m in pool.models for q in m.quality.values())
    assert report.diff["from"] == seed_raw["version"] and report.diff["to"] == snap["version"]
    # the router can route on it, for every tier and mode
    for tier in ("instant", "standard", "complex"):
        for mode in ("auto", "fast", "max"):
            need = Need(
                mode=mode,
                kind="chat",
                input_tokens=50,
                max_output_tokens=0,
                tools=False,
                vision=False,
                json_schema=False,
                tier=tier,
            )
            assert select(pool, need).choices


async def test_same_inputs_same_content_hash() -> None:
    a = await run(RunOptions(), offline(), now=NOW)
    b = await run(RunOptions(), offline(), now=NOW)
    assert a.version == b.version


async def test_litellm_catalog_is_used_first(litellm_file: Path, tmp_path: Path) -> None:
    prices = json.loads(litellm_file.read_text())
    prices["claude-haiku-4-5"] = {
        "input_cost_per_token": 1.2e-06,
        "output_cost_per_token": 6e-06,
        "litellm_provider": "anthropic",
        "mode": "chat",
    }
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(prices))
    report = await run(RunOptions(litellm=[str(path)]), offline(), now=NOW)
    assert report.ok, report.problems
    haiku = parse_pool(report.snapshot).by_id["claude-haiku-4-5"]
    assert (haiku.input_per_1m, haiku.output_per_1m) == (Decimal("1.2"), Decimal("6"))


async def test_cli_prints_report_and_writes_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pool.json"
    code = await execute(parser().parse_args(["run", "--out", str(out)]), offline())
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["diff"]["to"] == report["version"]
    assert json.loads(out.read_text())["version"] == report["version"]


async def test_unexplained_price_jump_fails_the_run_and_publishes_nothing(
    seed_raw: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = dict(seed_raw)
    previous["models"] = [dict(m) for m in seed_raw["models"]]
    for m in previous["models"]:
        if m["id"] == "gpt-4o-mini":
            m["input_per_1m"] = "0.015"  # the catalog says 0.15: a x10 jump
    prev = tmp_path / "previous.json"
    prev.write_text(json.dumps(previous))
    out = tmp_path / "pool.json"
    argv = ["run", "--previous", str(prev), "--publish", "--out", str(out)]
    settings = ResearchSettings(_env_file=None, nats_url="nats://127.0.0.1:1")
    settings = settings.model_copy(update={"research_publish_timeout_s": 0.5})
    assert await execute(parser().parse_args(argv), settings) == 2  # no NATS here
    assert "not reachable" in capsys.readouterr().err
    code = await execute(parser().parse_args(argv[:3] + argv[4:]), offline())
    captured = capsys.readouterr()
    assert code == 1
    report = json.loads(captured.out[captured.out.index("{") :])
    assert not report["ok"] and report["published_revision"] is None
    assert any(
        "gpt-4o-mini: input_per_1m moved from 0.015 to 0.15" in p for p in report["problems"]
    )
    assert "the running pool stays" in captured.err and "gpt-4o-mini" in captured.err


async def test_overrides_file_can_remove_and_add_models(tmp_path: Path) -> None:
    text = resources.files("tokaroo_research").joinpath("data/overrides.toml").read_text()
    text += """
[models."gpt-4o-mini"]
remove = true

[models."o3-mini"]
kind = "chat"
owned_by = "openai"
input_per_1m = "1.10"
output_per_1m = "4.40"
providers = [{provider = "openai", upstream_model = "o3-mini"}]
"""
    path = tmp_path / "overrides.toml"
    path.write_text(text)
    report = await run(RunOptions(overrides=path), offline(), now=NOW)
    assert report.ok, report.problems
    assert report.diff["removed"] == ["gpt-4o-mini"] and report.diff["added"] == ["o3-mini"]
    o3 = parse_pool(report.snapshot).by_id["o3-mini"]
    assert o3.quality and o3.context_window == 200_000  # leaderboard and catalog filled it
