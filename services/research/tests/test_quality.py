from __future__ import annotations

from tokaroo_research.quality import match_name, parse_arena, tier_quality
from tokaroo_research.sources import arena_packaged, load_json

NAMES = [
    "gpt-4o-2024-05-13",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
    "claude-haiku-4-5-20251001",
    "claude-sonnet-4-6",
    "claude-sonnet-4-6-high",
    "gemini-2.5-flash-lite-preview-09-2025-no-thinking",
]


def test_names_exact_then_newest_dated_then_alias_never_a_variant() -> None:
    assert match_name("claude-sonnet-4-6", NAMES, {}) == "claude-sonnet-4-6"
    assert match_name("gpt-4o", NAMES, {}) == "gpt-4o-2024-08-06"
    assert match_name("claude-haiku-4-5", NAMES, {}) == "claude-haiku-4-5-20251001"
    assert match_name("gemini-2.5-flash-lite", NAMES, {}) is None
    alias = {"gemini-2.5-flash-lite": "gemini-2.5-flash-lite-preview-09-2025-no-thinking"}
    assert match_name("gemini-2.5-flash-lite", NAMES, alias) == alias["gemini-2.5-flash-lite"]
    assert match_name("claude-sonnet-4-6-high", ["claude-sonnet-4-6"], {}) is None


def test_packaged_arena_gives_per_tier_quality_in_unit_range() -> None:
    arena = parse_arena(load_json(arena_packaged()))
    assert {"text/overall", "text/coding", "text/hard_prompts"} <= set(arena)
    sonnet = tier_quality("claude-sonnet-4-6", arena, {})
    nano = tier_quality("gpt-4.1-nano", arena, {})
    assert sonnet is not None and nano is not None
    assert set(sonnet) == {"instant", "standard", "complex"}
    for tier in sonnet:
        assert 0.0 <= nano[tier] < sonnet[tier] <= 1.0
    assert tier_quality("no-such-model", arena, {}) is None


def test_category_scale_is_linear_between_lowest_and_highest() -> None:
    arena = parse_arena({"pages": {"text/overall": [["a", 1000.0], ["b", 1500.0], ["c", 1250.0]]}})
    assert tier_quality("c", arena, {}) == {"instant": 0.5, "standard": 0.5}
