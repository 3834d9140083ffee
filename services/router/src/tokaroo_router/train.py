"""Train the difficulty model offline from routing data. Deterministic (no randomness at all).

    python -m tokaroo_router.train --data /work/shared/data/routing \\
        --out services/router/src/tokaroo_router/data/difficulty-v1.json

Target: the strong model's gain over the weak one, (1 + strong - weak) / 2 clipped to [0, 1] (1
= only the strong model gets it right, 0.5 = both equal, 0 = only the weak one does), so the
score reads as "how much a frontier model helps here", which is what routing needs. (Predicting
just "the weak model fails" ranked worse on held-out subjects: APGR 0.55 against 0.60.)
L2-regularised logistic regression over `features.extract`, fitted by full-batch Adam on a numpy
sparse (COO) design matrix. Features seen in fewer than `min_df` prompts are dropped, which
keeps the artifact small and stops the model memorising single prompts. The score is the
training percentile of the logit, and the tiers cut it at 0.35 and 0.65 (the top 35% is
"complex", about CPT(50%) on held-out MMLU subjects).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tokaroo_router.dataset import Row, load
from tokaroo_router.features import extract
from tokaroo_router.model import ARTIFACT, DifficultyModel, save_model

VERSION = "difficulty-v1"


@dataclass(frozen=True)
class Params:
    l2: float = 1e-2
    min_df: int = 5
    epochs: int = 300
    lr: float = 0.05
    prune: float = 0.01  # weights smaller than this are dropped from the artifact
    knots: int = 41  # logit quantiles kept for the percentile mapping


@dataclass(frozen=True)
class Design:
    names: list[str]
    row: NDArray[np.intp]
    col: NDArray[np.intp]
    val: NDArray[np.float64]
    n_rows: int


def target(r: Row) -> float:
    return float(min(max((1.0 + r.strong - r.weak) / 2.0, 0.0), 1.0))


def design(feats: Sequence[dict[str, float]], min_df: int) -> Design:
    df = Counter(name for f in feats for name in f)
    names = sorted(n for n, c in df.items() if c >= min_df or n.startswith("#"))
    index = {n: i for i, n in enumerate(names)}
    rows, cols, vals = [], [], []
    for i, f in enumerate(feats):
        for name, value in f.items():
            j = index.get(name)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(value)
    return Design(names, np.asarray(rows, np.intp), np.asarray(cols, np.intp),
                  np.asarray(vals, np.float64), len(feats))


def fit_weights(d: Design, y: NDArray[np.float64], p: Params) -> NDArray[np.float64]:
    w = np.zeros(len(d.names))
    m, v = np.zeros_like(w), np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    penalised = np.array([not n.startswith("#bias") for n in d.names], dtype=np.float64)
    for t in range(1, p.epochs + 1):
        z = np.bincount(d.row, weights=w[d.col] * d.val, minlength=d.n_rows)
        err = 1.0 / (1.0 + np.exp(-z)) - y
        grad = np.bincount(d.col, weights=err[d.row] * d.val, minlength=len(w)) / d.n_rows
        grad += p.l2 * penalised * w
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= p.lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def fit(rows: Sequence[Row], p: Params = Params(), meta: dict[str, object] | None = None
        ) -> DifficultyModel:
    if not rows:
        raise ValueError("no training rows")
    feats = [extract(r.prompt) for r in rows]
    d = design(feats, p.min_df)
    w = fit_weights(d, np.array([target(r) for r in rows]), p)
    weights = {n: float(x) for n, x in zip(d.names, w, strict=True) if abs(x) >= p.prune}
    raw = DifficultyModel(VERSION, weights)
    logits = np.array([raw.logit(f) for f in feats])
    knots = tuple(float(x) for x in np.quantile(logits, np.linspace(0.0, 1.0, p.knots)))
    return DifficultyModel(VERSION, weights, knots=knots, instant_below=0.35,
                           complex_from=0.65, meta=meta or {})


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m tokaroo_router.train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="routing data folder")
    ap.add_argument("--out", type=Path, default=Path(ARTIFACT))
    ap.add_argument("--l2", type=float, default=Params.l2)
    ap.add_argument("--min-df", type=int, default=Params.min_df)
    ap.add_argument("--epochs", type=int, default=Params.epochs)
    args = ap.parse_args(argv)
    data = load(args.data)
    rows = [r for bench in sorted(data.rows) for r in data.rows[bench]]
    params = Params(l2=args.l2, min_df=args.min_df, epochs=args.epochs)
    meta: dict[str, object] = {
        "target": "(1 + strong - weak) / 2: the strong model's expected gain",
        "params": {"l2": params.l2, "min_df": params.min_df, "epochs": params.epochs,
                   "lr": params.lr},
        "trained_on": {"rows": {b: len(v) for b, v in sorted(data.rows.items())},
                       "contaminated_dropped": data.dropped, "files": data.files},
    }
    model = fit(rows, params, meta)
    save_model(model, args.out)
    print(f"wrote {args.out}: {len(model.weights)} weights from {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
