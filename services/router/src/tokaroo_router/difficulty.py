"""A first difficulty model: a score in [0, 1] from cheap request features, and its tier.

Pure and fast (a few microseconds). The router issue replaces the weights with a trained model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"```|\bdef |\bclass |\bfunction\b|#include|\bSELECT\b|=>|\{\s*$", re.MULTILINE)
_MATH = re.compile(r"\d+\s*[-+*/^=]\s*\d+|\bintegral\b|\bderivative\b|\bprove\b|\bequation\b",
                   re.IGNORECASE)
_REASONING = re.compile(r"\b(step by step|explain why|analy[sz]e|compare|design|optimi[sz]e|"
                        r"trade-?offs?|architecture|proof|derive)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Features:
    text: str
    input_tokens: int
    turns: int
    tools: bool
    vision: bool


def score(f: Features) -> float:
    s = 0.1
    s += min(f.input_tokens / 4000.0, 0.3)
    if _CODE.search(f.text):
        s += 0.25
    if _MATH.search(f.text):
        s += 0.2
    if _REASONING.search(f.text):
        s += 0.2
    if f.tools:
        s += 0.1
    if f.vision:
        s += 0.1
    s += min(max(f.turns - 1, 0) * 0.02, 0.1)
    return max(0.0, min(1.0, s))


def tier_of(difficulty: float) -> str:
    if difficulty < 0.35:
        return "instant"
    if difficulty < 0.65:
        return "standard"
    return "complex"
