"""Judged chat data in the MT-Bench layout (FastChat's llm_judge, RouteLLM's evals/mt_bench). Pure.

Two kinds of JSONL file, paired by folder in `dataset.load`:
- questions (FastChat's `question.jsonl`): {"question_id", "turns": [user turn, ...]} and an
  optional "category";
- single-answer judgments (FastChat's `model_judgment/gpt-4_single.jsonl`, RouteLLM's
  `judgements.jsonl`): {"question_id", "model", "score"} and an optional "turn"; other fields
  (judge, user_prompt, judgment, tstamp) are ignored. A score of -1 (the judge's verdict could
  not be parsed) or a missing one is not a score.

A question's quality for a model is the mean over its turns of that model's valid scores (each
turn's judgments averaged first). Questions that lack a score of either model are dropped and
counted. The weak and strong models are named (RouteLLM's pair by default), matched
case-insensitively and without an organisation prefix ("mistralai/"); when they are not both
judged and exactly two models are, the one with the higher mean score is the strong one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ROUTELLM_WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
ROUTELLM_STRONG = "gpt-4-1106-preview"
UNPARSED = -1.0  # FastChat's score when the judge's "[[rating]]" could not be read

ROWS, QUESTIONS, JUDGMENTS = "rows", "questions", "judgments"
SHAPE_OF = {
    ROWS: 'an object with "prompt", "weak" and "strong"',
    QUESTIONS: 'MT-Bench questions ("question_id", "turns")',
    JUDGMENTS: 'MT-Bench judgments ("question_id", "model", "score")',
}
SHAPES = f"{SHAPE_OF[ROWS]}, {SHAPE_OF[QUESTIONS]} or {SHAPE_OF[JUDGMENTS]}"


@dataclass(frozen=True)
class Question:
    qid: str
    turns: tuple[str, ...]  # the user's turns, first to last
    category: str  # empty when the file has none


@dataclass(frozen=True)
class Judgment:
    qid: str
    model: str
    turn: int  # 0 when the file does not say
    score: float | None  # None: unparsed (-1), missing or not a number


@dataclass(frozen=True)
class Scored:
    question: Question
    weak: float
    strong: float


@dataclass(frozen=True)
class Judged:
    """How a benchmark's judgments became rows (reported by the evaluator)."""

    weak: str  # the model names as the judgments spell them
    strong: str
    chosen: str  # how the pair was picked
    questions: int  # questions read
    unscored: int  # questions dropped: no valid score of the weak or the strong model
    ignored_scores: int  # judgments with a score of -1, a missing or a non-numeric one


def kind(obj: Any) -> str | None:
    """Which accepted shape a JSONL object has, or None."""
    if not isinstance(obj, dict):
        return None
    if all(k in obj for k in ("prompt", "weak", "strong")):
        return ROWS
    if "question_id" in obj and "turns" in obj:
        return QUESTIONS
    if all(k in obj for k in ("question_id", "model", "score")):
        return JUDGMENTS
    return None


def question(obj: Mapping[str, Any]) -> Question:
    turns = obj["turns"]
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
        raise ValueError('"turns" must be a non-empty list of strings')
    return Question(str(obj["question_id"]), tuple(turns), str(obj.get("category") or ""))


def _score(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if float(value) == UNPARSED else float(value)


def judgment(obj: Mapping[str, Any]) -> Judgment:
    turn = obj.get("turn")
    return Judgment(
        str(obj["question_id"]),
        str(obj["model"]),
        turn if isinstance(turn, int) and not isinstance(turn, bool) else 0,
        _score(obj.get("score")),
    )


def model_key(name: str) -> str:
    """`mistralai/Mixtral-8x7B-Instruct-v0.1` and `mixtral-8x7b-instruct-v0.1` are one model."""
    return name.rsplit("/", 1)[-1].strip().lower()


def _means(judgments: Iterable[Judgment]) -> dict[str, float]:
    """Model key -> mean of its valid scores."""
    sums: dict[str, list[float]] = {}
    for j in judgments:
        if j.score is not None:
            sums.setdefault(model_key(j.model), []).append(j.score)
    return {m: sum(v) / len(v) for m, v in sums.items()}


def pick_pair(judgments: Sequence[Judgment], weak: str, strong: str) -> tuple[str, str, str]:
    """(weak key, strong key, how they were chosen); ValueError when neither rule applies."""
    means = _means(judgments)
    w, s = model_key(weak), model_key(strong)
    if w in means and s in means and w != s:
        return w, s, f"named: weak {weak}, strong {strong}"
    if len(means) == 2:
        lo, hi = sorted(means, key=lambda m: (means[m], m))
        return (
            lo,
            hi,
            (
                f"{weak} and {strong} are not both judged; the only two judged models, the one "
                "with the higher mean score as strong"
            ),
        )
    judged = ", ".join(sorted({j.model for j in judgments if j.score is not None})) or "none"
    raise ValueError(
        f"judged models ({judged}) do not include weak {weak} and strong {strong} "
        "(--judged-weak / --judged-strong)"
    )


def quality(judgments: Iterable[Judgment], key: str) -> dict[str, float]:
    """Question id -> the model's mean over turns of its mean valid score on each turn."""
    per_turn: dict[str, dict[int, list[float]]] = {}
    for j in judgments:
        if j.score is not None and model_key(j.model) == key:
            per_turn.setdefault(j.qid, {}).setdefault(j.turn, []).append(j.score)
    return {
        q: sum(sum(v) / len(v) for v in turns.values()) / len(turns)
        for q, turns in per_turn.items()
    }


def score(
    questions: Sequence[Question], judgments: Sequence[Judgment], weak: str, strong: str
) -> tuple[list[Scored], Judged]:
    """Each question with both models' quality; ValueError when the pair cannot be chosen."""
    w, s, chosen = pick_pair(judgments, weak, strong)
    qw, qs = quality(judgments, w), quality(judgments, s)
    out = [Scored(q, qw[q.qid], qs[q.qid]) for q in questions if q.qid in qw and q.qid in qs]
    names = {model_key(j.model): j.model for j in judgments}
    return out, Judged(
        names[w],
        names[s],
        chosen,
        len(questions),
        len(questions) - len(out),
        sum(1 for j in judgments if j.score is None),
    )
