"""bench/router_eval.py: a judged chat set (MT-Bench layout) is recorded next to the others,
with its judged pair passed to every run."""

from __future__ import annotations

import json
from pathlib import Path

from tokaroo_router import evaluate

from bench import router_eval


def test_judged_runs_read_an_mt_bench_folder(tmp_path: Path) -> None:
    mt = tmp_path / "judged" / "mt_bench"
    mt.mkdir(parents=True)
    cats = ("coding", "writing")
    (mt / "question.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "question_id": i,
                    "category": cats[i % 2],
                    "turns": [
                        f"Implement a lock-free queue in C++ number {i}."
                        if i % 2 == 0
                        else f"Write a friendly birthday card for Sam number {i}.",
                        "Shorter, please.",
                    ],
                }
            )
            + "\n"
            for i in range(20)
        )
    )
    (mt / "judgements.jsonl").write_text(
        "".join(
            json.dumps({"question_id": i, "model": m, "score": s, "turn": t}) + "\n"
            for i in range(20)
            for m, s in (("Small-7B", 3 if i % 2 == 0 else 8), ("org/Big-1", 9))
            for t in (1, 2)
        )
    )
    runs = router_eval.runs(tmp_path / "dev", tmp_path / "chat", tmp_path / "all", None, mt.parent)
    assert {"heldout_judged", "random_judged", "length_judged"} <= set(runs)
    pair = ["--judged-weak", "small-7b", "--judged-strong", "big-1"]
    out = evaluate.run(evaluate.parser().parse_args([*runs["heldout_judged"], *pair]))
    entry = out["benchmarks"]["mt_bench"]
    assert entry["judged"]["chosen"].startswith("named") and entry["rows"] == 20
    assert set(entry["by_group"]) == set(cats) and entry["apgr"] > 0.5
    assert "heldout_judged" not in router_eval.runs(tmp_path, tmp_path, tmp_path, None)
