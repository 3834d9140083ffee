import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tokaroo_router.dataset import load

WEAK, STRONG = "mistralai/Mixtral-8x7B-Instruct-v0.1", "gpt-4-1106-preview"

# (category, first turn, follow-up, weak score, strong score): invented for these tests
TOPICS = [
    ("coding", "Write a Rust function that parses {i} CSV lines lock-free.", "Add tests.", 3, 9),
    (
        "math",
        "Prove that the sum of the first {i} odd numbers is a square.",
        "Now by induction.",
        4,
        9,
    ),
    ("writing", "Write a two-line thank-you note to neighbour {i}.", "Make it warmer.", 8, 8),
    ("roleplay", "Pretend to be a pirate greeting guest {i}.", "Say goodbye too.", 7, 8),
]


def write_jsonl(path: Path, objs: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(o) + "\n" for o in objs), encoding="utf-8")
    return path


def questions(n: int) -> list[dict[str, Any]]:
    return [
        {
            "question_id": 100 + i,
            "category": TOPICS[i % 4][0],
            "turns": [TOPICS[i % 4][1].format(i=i), TOPICS[i % 4][2]],
        }
        for i in range(n)
    ]


def judgments(n: int, weak: str = WEAK, strong: str = STRONG) -> list[dict[str, Any]]:
    """Both turns of both models, judged; RouteLLM's extra fields on every line."""
    out = []
    for i in range(n):
        _, _, _, w, s = TOPICS[i % 4]
        for model, value in ((weak, w), (strong, s)):
            for turn in (1, 2):
                out.append(
                    {
                        "question_id": 100 + i,
                        "model": model,
                        "judge": ["gpt-4", "single-v1-multi-turn" if turn == 2 else "single-v1"],
                        "user_prompt": "[Question] ...",
                        "judgment": f"Rating: [[{value}]]",
                        "score": value,
                        "turn": turn,
                        "tstamp": 1.0,
                    }
                )
    return out


def routellm_folder(root: Path, n: int = 24) -> Path:
    """RouteLLM's `routellm/evals/mt_bench/`: question.jsonl, judgements.jsonl, contaminated."""
    mt = root / "mt_bench"
    write_jsonl(mt / "question.jsonl", questions(n))
    write_jsonl(mt / "judgements.jsonl", judgments(n))
    write_jsonl(mt / "contaminated_prompts.jsonl", [{"eval_prompt": questions(n)[5]["turns"][0]}])
    return root


def test_fastchat_layout_one_row_per_question(tmp_path: Path) -> None:
    """FastChat's llm_judge/data: questions in the benchmark folder, judgments below it,
    answers and pairwise judgments skipped with a reason."""
    mt = tmp_path / "data" / "mt_bench"
    write_jsonl(mt / "question.jsonl", questions(8))
    js = judgments(8, weak="Mixtral-8x7B-Instruct-v0.1")  # FastChat names have no org prefix
    js[0]["score"] = -1  # question 100, weak, turn 1: the judge's verdict was unreadable
    js = [x for x in js if not (x["question_id"] == 107 and x["model"] == STRONG)]
    js.append({"question_id": 101, "model": "vicuna-13b-v1.3", "score": 2, "turn": 1})
    write_jsonl(mt / "model_judgment" / "gpt-4_single.jsonl", js)
    write_jsonl(
        mt / "model_judgment" / "gpt-4_pair.jsonl",
        [{"question_id": 100, "model_1": "a", "model_2": "b", "g1_winner": "model_1"}],
    )
    write_jsonl(
        mt / "model_answer" / "vicuna-13b-v1.3.jsonl",
        [{"question_id": 100, "answer_id": "x", "model_id": "vicuna-13b-v1.3", "choices": []}],
    )
    data = load(tmp_path)
    rows = data.rows["data/mt_bench"]
    assert len(rows) == 7  # question 107 has no strong judgment
    first = rows[0]
    assert first.prompt == questions(8)[0]["turns"][0]
    assert first.later_turns == ("Add tests.",) and first.turns[1] == "Add tests."
    assert (first.group, first.weak, first.strong) == ("coding", 3.0, 9.0)  # -1 ignored
    assert {r.group for r in rows} == {"coding", "math", "writing", "roleplay"}
    judged = data.judged["data/mt_bench"]
    assert (judged.weak, judged.strong) == ("Mixtral-8x7B-Instruct-v0.1", STRONG)
    assert judged.chosen.startswith("named") and judged.unscored == 1
    assert judged.ignored_scores == 1
    assert set(data.files) == {
        "data/mt_bench/question.jsonl",
        "data/mt_bench/model_judgment/gpt-4_single.jsonl",
    }
    pair = data.skipped["data/mt_bench/model_judgment/gpt-4_pair.jsonl"]
    assert "MT-Bench judgments" in pair and "g1_winner" in pair
    assert "model_id" in data.skipped["data/mt_bench/model_answer/vicuna-13b-v1.3.jsonl"]


def test_routellm_layout_drops_contaminated_questions(tmp_path: Path) -> None:
    data = load(routellm_folder(tmp_path))
    assert len(data.rows["mt_bench"]) == 23 and data.dropped["mt_bench"] == 1
    assert "mt_bench/judgements.jsonl" in data.files
    assert data.judged["mt_bench"].strong == STRONG


def test_a_follow_up_turn_that_is_contaminated_drops_its_question(tmp_path: Path) -> None:
    routellm_folder(tmp_path, n=8)
    bad = [{"eval_prompt": "Add tests."}]  # the follow-up of the two coding questions
    write_jsonl(tmp_path / "mt_bench" / "contaminated_prompts.jsonl", bad)
    data = load(tmp_path)
    assert len(data.rows["mt_bench"]) == 6 and data.dropped["mt_bench"] == 2


def test_the_folder_itself_is_the_benchmark(tmp_path: Path) -> None:
    mt = routellm_folder(tmp_path) / "mt_bench"
    assert set(load(mt).rows) == {"mt_bench"}


def test_unnamed_pair_and_unknown_models(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a" / "question.jsonl", questions(4))
    write_jsonl(tmp_path / "a" / "judgements.jsonl", judgments(4, weak="small-1", strong="big-2"))
    write_jsonl(tmp_path / "b" / "question.jsonl", questions(4))
    three = [{**x, "model": f"m{k % 3}"} for k, x in enumerate(judgments(4))]
    write_jsonl(tmp_path / "b" / "judgements.jsonl", three)
    data = load(tmp_path)
    assert (data.judged["a"].weak, data.judged["a"].strong) == ("small-1", "big-2")
    assert "higher mean" in data.judged["a"].chosen
    assert "b" not in data.rows
    why = data.skipped["b/judgements.jsonl"]
    assert why == data.skipped["b/question.jsonl"]
    assert "m0, m1, m2" in why and "--judged-weak" in why
    # names given explicitly, in another case and with an org prefix, pick that pair
    named = load(tmp_path, weak="ORG/M2", strong="m1")
    assert (named.judged["b"].weak, named.judged["b"].strong) == ("m2", "m1")


def test_judgments_without_questions_and_questions_without_judgments(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "x" / "judgements.jsonl", judgments(2))
    write_jsonl(tmp_path / "y" / "question.jsonl", questions(2))
    write_jsonl(tmp_path / "z" / "judgements.jsonl", judgments(2))  # a sibling, not below y
    data = load(tmp_path)
    assert not any(data.rows.values())
    assert "no question file" in data.skipped["x/judgements.jsonl"]
    assert "no question file" in data.skipped["z/judgements.jsonl"]
    assert "with no judgments file" in data.skipped["y/question.jsonl"]
    # judgments in a folder below their questions pair with them
    write_jsonl(tmp_path / "y" / "model_judgment" / "judgements.jsonl", judgments(2))
    assert len(load(tmp_path).rows["y"]) == 2


def test_unknown_and_mixed_jsonl_shapes_say_what_is_accepted(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"text": "hi"}])
    write_jsonl(tmp_path / "b.jsonl", [*questions(1), {"prompt": "p", "weak": 1, "strong": 2}])
    write_jsonl(tmp_path / "c.jsonl", [{"question_id": 1, "turns": []}])
    data = load(tmp_path)
    a = data.skipped["a.jsonl"]
    assert '"prompt", "weak" and "strong"' in a and '"question_id", "turns"' in a
    assert '"question_id", "model", "score"' in a and "(keys: text)" in a
    assert data.skipped["b.jsonl"].startswith("unknown format: line 2: expected MT-Bench questions")
    assert "non-empty list" in data.skipped["c.jsonl"]


def tokaroo(*argv: str) -> subprocess.CompletedProcess[str]:
    """The `tokaroo` command as installed (its subcommands found by entry point)."""
    return subprocess.run(
        [sys.executable, "-m", "tokaroo_cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_tokaroo_eval_router_on_a_judged_chat_folder(tmp_path: Path) -> None:
    routellm_folder(tmp_path, n=40)
    (tmp_path / "mt_bench" / "README.md").write_text("about this set")
    done = tokaroo("eval", "router", "--data", str(tmp_path), "--min-group-rows", "5")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["files_read"] == ["mt_bench/judgements.jsonl", "mt_bench/question.jsonl"]
    assert "not routing data" in out["files_skipped"]["mt_bench/README.md"]
    mt = out["benchmarks"]["mt_bench"]
    assert mt["rows"] == 39 and mt["contaminated_dropped"] == 1
    assert mt["weak_quality"] == pytest.approx(5.5, abs=0.1)
    assert mt["strong_quality"] == pytest.approx(8.5, abs=0.1)
    assert set(mt["by_group"]) == {"coding", "math", "writing", "roleplay"}
    assert mt["judged"]["strong"] == STRONG and mt["judged"]["dropped_without_both_scores"] == 0
    # the gain is in coding and math, which the router's category prior ranks first
    assert mt["apgr"] > 0.6 and mt["whole_conversation"]["apgr"] > 0.6
    assert "every user turn" in mt["whole_conversation"]["routed_on"]


def test_tokaroo_eval_router_help_names_the_layouts() -> None:
    done = tokaroo("eval", "router", "--help")
    assert done.returncode == 0
    assert "MT-Bench" in done.stdout and "--judged-weak" in done.stdout
