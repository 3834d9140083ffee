"""The trained difficulty model: a sparse logistic regression over `features.extract`, plus a
category prior that is not learned from the routing data (`categories`: Arena and MT-Bench).

The artifact is one small JSON file, versioned in its name and content, read once at startup:
{"version", "target", "weights": {feature: weight}, "exam_weights": {feature: weight},
 "word_scores": {word: score}, "exam_word_scores": {word: score}, "embedding_weight",
 "knots": [...], "tiers": {...}, "category_gain": {category: gain}, "prior_scale",
 "trained_on": {...}}. Scoring is a dict lookup per feature and per word: microseconds.
The word scores are a static word-vector model folded into one number per word
(`train.fit_word_scores`): a text's part is the mean score of its words that have one.

The score is a percentile: the raw logit is mapped through the training prompts' logit
quantiles (`knots`, piecewise linear), so 0.7 means "harder than 70% of the training prompts"
and the order (all that routing metrics look at) is the logit's.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokaroo_router.categories import (
    OPEN_LEARNED_WEIGHT,
    OPEN_REFERENCE_CHARS,
    categories,
    in_domain,
    is_exam,
    prior,
    structure_prior,
)
from tokaroo_router.features import clip, extract_tokens, tokens

ARTIFACT = "difficulty-v5.json"


@dataclass(frozen=True)
class DifficultyModel:
    version: str
    weights: Mapping[str, float]
    knots: tuple[float, ...] = ()  # logit quantiles at evenly spaced percentiles 0..1
    instant_below: float = 0.35
    complex_from: float = 0.65
    meta: Mapping[str, Any] = field(default_factory=dict)
    category_gain: Mapping[str, float] = field(default_factory=dict)
    # The learned model for exam questions with answer options, fitted on those alone (empty:
    # `weights` scores them too). `weights` is fitted on every other kind of prompt.
    exam_weights: Mapping[str, float] = field(default_factory=dict)
    prior_scale: float = 0.0  # logit units for the most-gaining category
    length_weight: float = 0.0  # times ln(characters), added to every request's logit
    # The static word-vector models (one per kind, as `weights` / `exam_weights`) folded into a
    # score per word, and their weight in the learned part (0: none).
    word_scores: Mapping[str, float] = field(default_factory=dict)
    exam_word_scores: Mapping[str, float] = field(default_factory=dict)
    embedding_weight: float = 0.0

    def logit(self, feats: Mapping[str, float], exam: bool = False) -> float:
        w = self.exam_weights if exam and self.exam_weights else self.weights
        return sum(w.get(name, 0.0) * value for name, value in feats.items())

    def word_part(self, toks: list[str], exam: bool = False) -> float:
        """The word-vector model's logit (centred on the training prompts): the mean score of
        the text's words that have one, times `embedding_weight` (0 for a text with none)."""
        if not self.embedding_weight:
            return 0.0
        ws = self.exam_word_scores if exam and self.exam_word_scores else self.word_scores
        total, n = 0.0, 0
        for t in toks:
            s = ws.get(t)
            if s is not None:
                total += s
                n += 1
        return self.embedding_weight * total / n if n else 0.0

    def explain_text(self, text: str, earlier: str = "") -> tuple[float, float, tuple[str, ...]]:
        """(learned logit, prior for open-ended requests (category + structure), categories).

        `earlier` is the user's previous request in the conversation: a follow-up that names
        no kind of task ("Now do it for n = 5", "Make it shorter") takes its categories.

        On the training data's kinds of text (exam questions, math word problems) the learned
        part is the model's logit plus `length_weight` * ln(characters): on held-out folds,
        length is the signal that carries across subjects and benchmarks. On open-ended
        requests the model's n-grams count `OPEN_LEARNED_WEIGHT` only, and the part is centred
        on the training median (`OPEN_REFERENCE_CHARS`), so the priors decide the tier."""
        low = clip(text).lower()
        cats = categories(low) or (categories(clip(earlier).lower()) if earlier else ())
        exam = is_exam(low)
        w = self.exam_weights if exam and self.exam_weights else self.weights
        toks = tokens(low)
        raw = (
            self.logit(extract_tokens(low, toks), exam)
            - w.get("#bias", 0.0)
            + self.word_part(toks, exam)
        )
        chars = max(len(text), 1)
        if in_domain(low, cats):
            learned = raw + self.length_weight * math.log(chars)
        else:
            learned = (
                OPEN_LEARNED_WEIGHT * raw
                + self.median_logit
                + self.length_weight * math.log(chars / OPEN_REFERENCE_CHARS)
            )
        return (
            learned,
            prior(cats, self.category_gain, self.prior_scale) + structure_prior(low),
            cats,
        )

    @property
    def median_logit(self) -> float:
        """The training prompts' median logit (0 for a model without knots)."""
        k = self.knots
        return k[len(k) // 2] if k else 0.0

    def logit_text(self, text: str, earlier: str = "") -> float:
        learned, cat_prior, _ = self.explain_text(text, earlier)
        return learned + cat_prior

    def percentile(self, logit: float) -> float:
        """Where a logit falls among the training prompts', in [0, 1]."""
        k = self.knots
        if len(k) < 2:
            return sigmoid(logit)
        if logit <= k[0]:
            return 0.0
        if logit >= k[-1]:
            return 1.0
        i = bisect.bisect_right(k, logit) - 1
        span = k[i + 1] - k[i]
        frac = (logit - k[i]) / span if span > 0 else 0.0
        return (i + frac) / (len(k) - 1)

    def score_text(self, text: str) -> float:
        """How much a frontier model helps on this text, as a training percentile in [0, 1]."""
        return self.percentile(self.logit_text(text))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            **dict(self.meta),
            "category_gain": dict(self.category_gain),
            "prior_scale": self.prior_scale,
            "length_weight": self.length_weight,
            "embedding_weight": self.embedding_weight,
            "knots": [round(x, 5) for x in self.knots],
            "tiers": {"instant_below": self.instant_below, "complex_from": self.complex_from},
            "weights": {k: round(v, 5) for k, v in sorted(self.weights.items())},
            "exam_weights": {k: round(v, 5) for k, v in sorted(self.exam_weights.items())},
            "word_scores": {k: round(v, 4) for k, v in sorted(self.word_scores.items())},
            "exam_word_scores": {k: round(v, 4) for k, v in sorted(self.exam_word_scores.items())},
        }

    @staticmethod
    def from_json(raw: Mapping[str, Any]) -> DifficultyModel:
        tiers = dict(raw.get("tiers", {}))
        meta = {
            k: v
            for k, v in raw.items()
            if k
            not in (
                "version",
                "weights",
                "exam_weights",
                "knots",
                "tiers",
                "category_gain",
                "prior_scale",
                "length_weight",
                "embedding_weight",
                "word_scores",
                "exam_word_scores",
            )
        }
        return DifficultyModel(
            version=str(raw["version"]),
            weights={str(k): float(v) for k, v in raw["weights"].items()},
            exam_weights={str(k): float(v) for k, v in dict(raw.get("exam_weights", {})).items()},
            knots=tuple(float(x) for x in raw.get("knots", ())),
            instant_below=float(tiers.get("instant_below", 0.35)),
            complex_from=float(tiers.get("complex_from", 0.65)),
            meta=meta,
            category_gain={str(k): float(v) for k, v in dict(raw.get("category_gain", {})).items()},
            prior_scale=float(raw.get("prior_scale", 0.0)),
            length_weight=float(raw.get("length_weight", 0.0)),
            word_scores=_floats(raw.get("word_scores", {})),
            exam_word_scores=_floats(raw.get("exam_word_scores", {})),
            embedding_weight=float(raw.get("embedding_weight", 0.0)),
        )


def _floats(raw: Mapping[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in dict(raw).items()}


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def default_model_path() -> Path:
    return Path(__file__).with_name("data") / ARTIFACT


def load_model(path: Path | None = None) -> DifficultyModel:
    return DifficultyModel.from_json(json.loads((path or default_model_path()).read_text()))


def save_model(model: DifficultyModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model.to_json(), indent=0, separators=(",", ":")) + "\n")
