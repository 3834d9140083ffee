"""Request text -> sparse named features for the difficulty model. Pure, no I/O.

Two kinds of feature, both plain strings mapped to a value so the trained weights are a dict:
- word unigrams and bigrams (lower-cased; numbers folded to their digit count, so `1947` and
  `2024` are the same feature, `0000`), present-or-absent;
- a few dense "shape" features (length, numbers, answer options, code blocks, multi-part
  questions, constraints, code, math and reasoning cues) that carry over to subjects the model
  never saw; their names start with `#` and training penalises them far less than n-grams.

Long texts are cut to a head and a tail, so feature extraction stays well under a millisecond.
"""

from __future__ import annotations

import math
import re

HEAD_CHARS = 1500
TAIL_CHARS = 500

# Python's regex engine costs ~50 ns a character here, so there is one tokenising regex with
# plain character classes and every cue below is a C-speed substring test on lower-cased text.
_TOKEN = re.compile(r"[a-z]+|[0-9]+|[^ \t\r\na-z0-9]")
_DIGITS = str.maketrans("123456789", "000000000")
_CODE = (
    "```",
    "def ",
    "class ",
    "function",
    "#include",
    "=>",
    "return ",
    ";\n",
    "{\n",
    "select ",
    "import ",
)
_MATH = (
    "=",
    "+",
    "*",
    "/",
    "^",
    "<",
    ">",
    "\\frac",
    "\\sqrt",
    "integral",
    "derivative",
    "prove",
    "equation",
    "polynomial",
    "probability",
    "matrix",
    "%",
)
_REASONING = (
    "step by step",
    "explain why",
    "analyze",
    "analyse",
    "compare",
    "design",
    "optimize",
    "optimise",
    "trade-off",
    "tradeoff",
    "architecture",
    "proof",
    "derive",
    "calculate",
    "compute",
    "estimate",
)
_OPTIONS = ("\na.", "\nb.", "\nc.", "\nd.", "(a)", "(b)", "(c)", "(d)")
_PARTS = (
    "\n1.",
    "\n2.",
    "\n3.",
    "\n- ",
    "\n* ",
    "1)",
    "2)",
    "then ",
    "also ",
    "finally",
    "; ",
    "first,",
    "second,",
)
_CONSTRAINTS = (
    "must",
    "at least",
    "at most",
    "exactly",
    "no more than",
    "without",
    "only ",
    "do not",
    "don't",
    "should",
    "limit",
    "under ",
    "words",
    "format",
    "include",
)


def clip(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def tokens(low: str) -> list[str]:
    """Tokens of lower-cased text: words, numbers with every digit as 0 (so `1947` and `2024`
    are the same feature, `0000`), other characters one by one."""
    return _TOKEN.findall(low.translate(_DIGITS))


def _bucket(name: str, value: float, edges: tuple[float, ...]) -> str:
    for i, edge in enumerate(edges):
        if value < edge:
            return f"{name}<{i}"
    return f"{name}<{len(edges)}"


def shape(low: str, toks: list[str]) -> dict[str, float]:
    """Dense features of lower-cased text, scaled to roughly [0, 1]."""
    words = len(toks)
    numbers = sum(1 for t in toks if t[0] == "0")
    lines = low.count("\n") + 1
    feats = {
        "#bias": 1.0,
        "#log_chars": math.log1p(len(low)) / 10.0,
        "#log_words": math.log1p(words) / 8.0,
        "#log_numbers": math.log1p(numbers) / 4.0,
        "#number_density": min(numbers / max(words, 1) * 5.0, 1.0),
        "#log_lines": math.log1p(lines) / 5.0,
        "#questions": min(low.count("?") / 3.0, 1.0),
        "#options": sum(1 for o in _OPTIONS if o in low) / 4.0,
        "#statements": 1.0 if "statement 1" in low else 0.0,
        "#code": 1.0 if any(c in low for c in _CODE) else 0.0,
        "#math": min(sum(1 for m in _MATH if m in low) / 3.0, 1.0),
        "#reasoning": 1.0 if any(r in low for r in _REASONING) else 0.0,
        "#code_block": 1.0 if "```" in low else 0.0,
        "#parts": min(sum(1 for c in _PARTS if c in low) / 3.0, 1.0),
        "#constraints": min(sum(1 for c in _CONSTRAINTS if c in low) / 3.0, 1.0),
    }
    feats[_bucket("#len", len(low), (80, 200, 400, 800, 1600))] = 1.0
    feats[_bucket("#num", numbers, (1, 3, 6, 10, 20))] = 1.0
    return feats


def extract(text: str) -> dict[str, float]:
    """All features of one text, as {name: value}. Structural request facts the training data
    cannot teach (tools, images, turns, very long inputs) are added in `difficulty`."""
    return extract_low(clip(text).lower())


def extract_low(low: str) -> dict[str, float]:
    """`extract` of text already clipped and lower-cased."""
    return extract_tokens(low, tokens(low))


def extract_tokens(low: str, toks: list[str]) -> dict[str, float]:
    """`extract_low` with the text's `tokens` already known."""
    feats = shape(low, toks)
    seen: set[str] = set(toks)
    seen.update(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    for name in seen:
        feats[name] = 1.0
    return feats
