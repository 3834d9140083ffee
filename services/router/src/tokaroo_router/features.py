"""Request text -> sparse named features for the difficulty model. Pure, no I/O.

Two kinds of feature, both plain strings mapped to a value so the trained weights are a dict:
- word unigrams and bigrams (lower-cased; numbers folded to their digit count, so `1947` and
  `2024` are the same feature), present-or-absent;
- a few dense "shape" features (length, numbers, answer options, code, math and reasoning
  cues) that carry over to subjects the model never saw.

Long texts are cut to a head and a tail, so feature extraction stays well under a millisecond.
"""

from __future__ import annotations

import math
import re

HEAD_CHARS = 3000
TAIL_CHARS = 1000

_TOKEN = re.compile(r"[a-z]+|\d+|[^\sa-z\d]")
_CODE = re.compile(r"```|\bdef |\bclass |\bfunction\b|#include|\bselect\b.*\bfrom\b|=>|"
                   r"\breturn\b|;\s*$|\{\s*$", re.MULTILINE | re.IGNORECASE)
_MATH = re.compile(r"\d\s*[-+*/^=<>]\s*\d|\\frac|\\sqrt|\$[^$]+\$|\bintegral\b|\bderivative\b|"
                   r"\bprove\b|\bequation\b|\bpolynomial\b|\bprobability\b|\bmatrix\b",
                   re.IGNORECASE)
_REASONING = re.compile(r"\b(step by step|explain why|analy[sz]e|compare|design|optimi[sz]e|"
                        r"trade-?offs?|architecture|proof|derive|calculate|compute|estimate)\b",
                        re.IGNORECASE)
_OPTION = re.compile(r"^\s*\(?[A-D][.)]\s", re.MULTILINE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_STATEMENT = re.compile(r"statement\s*[12]\s*\|", re.IGNORECASE)


def clip(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def tokens(text: str) -> list[str]:
    out = []
    for t in _TOKEN.findall(text.lower()):
        out.append(f"<{min(len(t), 6)}d>" if t.isdigit() else t)
    return out


def _bucket(name: str, value: float, edges: tuple[float, ...]) -> str:
    for i, edge in enumerate(edges):
        if value < edge:
            return f"{name}<{i}"
    return f"{name}<{len(edges)}"


def shape(text: str, words: int) -> dict[str, float]:
    """Dense features, scaled to roughly [0, 1]."""
    numbers = len(_NUMBER.findall(text))
    lines = text.count("\n") + 1
    feats = {
        "#bias": 1.0,
        "#log_chars": math.log1p(len(text)) / 10.0,
        "#log_words": math.log1p(words) / 8.0,
        "#log_numbers": math.log1p(numbers) / 4.0,
        "#number_density": min(numbers / max(words, 1) * 5.0, 1.0),
        "#log_lines": math.log1p(lines) / 5.0,
        "#questions": min(text.count("?") / 3.0, 1.0),
        "#options": min(len(_OPTION.findall(text)) / 4.0, 1.0),
        "#statements": 1.0 if _STATEMENT.search(text) else 0.0,
        "#code": 1.0 if _CODE.search(text) else 0.0,
        "#math": min(len(_MATH.findall(text)) / 3.0, 1.0),
        "#reasoning": 1.0 if _REASONING.search(text) else 0.0,
    }
    feats[_bucket("#len", len(text), (80, 200, 400, 800, 1600, 3200))] = 1.0
    feats[_bucket("#num", numbers, (1, 3, 6, 10, 20))] = 1.0
    return feats


def extract(text: str) -> dict[str, float]:
    """All features of one text, as {name: value}. Structural request facts the training data
    cannot teach (tools, images, turns, very long inputs) are added in `difficulty`."""
    text = clip(text)
    toks = tokens(text)
    feats = shape(text, len(toks))
    seen: set[str] = set(toks)
    seen.update(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    for name in seen:
        feats[name] = 1.0
    return feats
