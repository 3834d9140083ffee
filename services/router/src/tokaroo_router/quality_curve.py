"""Routing metrics as RouteLLM defines them. Pure numpy.

A router gives each prompt a score; the k highest-scored prompts go to the strong model and the
rest to the weak one. For k = 0..n:
- quality(k) = mean over prompts of the chosen model's quality;
- PGR(k) = (quality(k) - quality(0)) / (quality(n) - quality(0));
- APGR = area under PGR against the share of strong calls k/n (trapezoids);
- CPT(x) = the smallest share of strong calls with PGR >= x.
Prompts with equal scores are ordered at random, so the curve takes the expected value over that
order: a router that scores everything the same gets APGR = 0.5 exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float64]


@dataclass(frozen=True)
class Curve:
    share: Vector  # k / n for k = 0..n
    quality: Vector  # mean quality with the top-k prompts on the strong model
    pgr: Vector | None  # None when the strong model is not better than the weak one
    order: NDArray[np.intp]  # prompt indices, highest score first


def curve(scores: Vector, weak: Vector, strong: Vector) -> Curve:
    n = len(scores)
    if n == 0 or not (len(weak) == len(strong) == n):
        raise ValueError("scores, weak and strong must be non-empty and the same length")
    order = np.argsort(-scores, kind="stable")
    gains = (strong - weak)[order]
    sorted_scores = scores[order]
    # Replace each run of tied scores by its mean gain (the expectation over tie orders).
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    sums = np.add.reduceat(gains, starts)
    sizes = np.diff(np.r_[starts, n])
    gains = np.repeat(sums / sizes, sizes)
    cum = np.r_[0.0, np.cumsum(gains)]
    quality = (weak.sum() + cum) / n
    total = float(strong.sum() - weak.sum())
    pgr = cum / total if total > 1e-12 else None
    return Curve(np.arange(n + 1) / n, quality, pgr, order)


def apgr(c: Curve) -> float | None:
    if c.pgr is None:
        return None
    return float(np.trapezoid(c.pgr, c.share))


def cpt(c: Curve, target: float) -> float | None:
    """Share of strong calls needed to reach PGR >= target."""
    if c.pgr is None:
        return None
    hit = np.flatnonzero(c.pgr >= target - 1e-12)
    return float(c.share[hit[0]]) if len(hit) else None


def share_for_quality(c: Curve, quality: float) -> float | None:
    hit = np.flatnonzero(c.quality >= quality - 1e-12)
    return float(c.share[hit[0]]) if len(hit) else None


def routed_cost(c: Curve, share: float, weak_cost: Vector, strong_cost: Vector) -> float:
    """Total cost with the top `share` of prompts (by score) on the strong model."""
    k = int(round(share * (len(c.share) - 1)))
    strong_part = c.order[:k]
    return float(weak_cost.sum() - weak_cost[strong_part].sum() + strong_cost[strong_part].sum())
