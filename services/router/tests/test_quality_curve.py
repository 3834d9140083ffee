import random

import numpy as np
import pytest
from tokaroo_router.quality_curve import apgr, cpt, curve, routed_cost, share_for_quality


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    weak = (rng.random(n) < 0.6).astype(float)
    strong = np.maximum(weak, (rng.random(n) < 0.7).astype(float))
    return weak, strong


def test_random_routing_apgr_is_about_half() -> None:
    weak, strong = synthetic(2000, 1)
    rng = random.Random(3)
    values = [apgr(curve(np.array([rng.random() for _ in weak]), weak, strong)) for _ in range(20)]
    assert all(v is not None for v in values)
    assert abs(float(np.mean(values)) - 0.5) < 0.02  # type: ignore[arg-type]


def test_constant_scores_give_exactly_half() -> None:
    weak, strong = synthetic(500, 2)
    assert apgr(curve(np.zeros(500), weak, strong)) == pytest.approx(0.5)


def test_oracle_beats_random_and_reaches_full_quality_early() -> None:
    weak, strong = synthetic(1000, 4)
    c = curve(strong - weak, weak, strong)
    gain_share = float((strong > weak).mean())
    assert apgr(c) == pytest.approx(1.0 - gain_share / 2, abs=2e-3)  # PGR 1 after gain_share
    assert cpt(c, 1.0) == pytest.approx(gain_share, abs=1e-3)
    assert share_for_quality(c, float(strong.mean())) == pytest.approx(gain_share, abs=1e-3)


def test_pgr_undefined_when_strong_is_no_better() -> None:
    weak = np.ones(10)
    c = curve(np.arange(10.0), weak, weak)
    assert apgr(c) is None and cpt(c, 0.5) is None


def test_routed_cost_interpolates_between_all_weak_and_all_strong() -> None:
    weak, strong = synthetic(100, 5)
    c = curve(np.arange(100.0), weak, strong)
    wc, sc = np.full(100, 1.0), np.full(100, 10.0)
    assert routed_cost(c, 0.0, wc, sc) == 100.0
    assert routed_cost(c, 1.0, wc, sc) == 1000.0
    assert routed_cost(c, 0.5, wc, sc) == 550.0
