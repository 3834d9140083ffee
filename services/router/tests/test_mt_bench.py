import pytest
from tokaroo_router import mt_bench
from tokaroo_router.mt_bench import Judgment, Question, judgment, kind, model_key, quality, score


def j(qid: str, model: str, turn: int, value: float | None) -> Judgment:
    return Judgment(qid, model, turn, value)


def test_kind_tells_the_three_shapes_apart() -> None:
    assert kind({"prompt": "p", "weak": 1, "strong": 2}) == mt_bench.ROWS
    assert kind({"question_id": 1, "category": "math", "turns": ["a", "b"]}) == mt_bench.QUESTIONS
    assert kind({"question_id": 1, "model": "m", "score": 7, "turn": 1}) == mt_bench.JUDGMENTS
    # FastChat's pairwise judgments and model answers are neither
    assert kind({"question_id": 1, "model_1": "a", "model_2": "b", "g1_winner": "tie"}) is None
    assert kind({"question_id": 1, "model_id": "m", "choices": []}) is None
    assert kind(["not", "an", "object"]) is None


def test_unparsed_missing_and_non_numeric_scores_are_not_scores() -> None:
    assert judgment({"question_id": 3, "model": "m", "score": -1, "turn": 2}).score is None
    assert judgment({"question_id": 3, "model": "m", "score": None}).score is None
    assert judgment({"question_id": 3, "model": "m", "score": True}).score is None
    assert judgment({"question_id": 3, "model": "m", "score": "9"}).score is None
    got = judgment({"question_id": 3, "model": "m", "score": 8.5, "judge": ["gpt-4", "single"]})
    assert got == Judgment("3", "m", 0, 8.5)  # no "turn": one turn, id as text


def test_model_names_match_without_case_or_org_prefix() -> None:
    assert model_key("mistralai/Mixtral-8x7B-Instruct-v0.1") == "mixtral-8x7b-instruct-v0.1"
    assert model_key(" GPT-4-1106-preview") == model_key("openai/gpt-4-1106-preview")


def test_quality_is_the_mean_over_turns_of_each_turns_mean() -> None:
    js = [j("1", "A", 1, 6), j("1", "A", 1, 8), j("1", "A", 2, 4), j("1", "A", 2, None)]
    assert quality(js, "a") == {"1": pytest.approx(5.5)}  # (7 + 4) / 2, the -1 ignored


def test_score_pairs_the_named_models_and_drops_questions_without_both() -> None:
    qs = [
        Question("1", ("t1", "t2"), "math"),
        Question("2", ("u1",), ""),
        Question("3", ("v",), ""),
    ]
    js = [
        j("1", "mistralai/Mixtral-8x7B-Instruct-v0.1", 1, 3),
        j("1", "mistralai/Mixtral-8x7B-Instruct-v0.1", 2, 5),
        j("1", "gpt-4-1106-preview", 1, 9),
        j("1", "gpt-4-1106-preview", 2, 10),
        j("2", "mistralai/Mixtral-8x7B-Instruct-v0.1", 1, 7),
        j("2", "gpt-4-1106-preview", 1, None),  # unparsed: question 2 has no strong score
        j("1", "vicuna-13b", 1, 1),  # a third judged model, not asked for
    ]
    rows, judged = score(qs, js, "Mixtral-8x7B-Instruct-v0.1", "GPT-4-1106-preview")
    assert [(r.question.qid, r.weak, r.strong) for r in rows] == [("1", 4.0, 9.5)]
    assert judged.weak == "mistralai/Mixtral-8x7B-Instruct-v0.1"
    assert judged.strong == "gpt-4-1106-preview"
    assert judged.chosen.startswith("named")
    assert (judged.questions, judged.unscored, judged.ignored_scores) == (3, 2, 1)


def test_two_unnamed_models_the_higher_mean_is_strong() -> None:
    qs = [Question("1", ("a",), ""), Question("2", ("b",), "")]
    js = [j("1", "small", 1, 4), j("2", "small", 1, 6), j("1", "big", 1, 9), j("2", "big", 1, 8)]
    rows, judged = score(qs, js, mt_bench.ROUTELLM_WEAK, mt_bench.ROUTELLM_STRONG)
    assert (judged.weak, judged.strong) == ("small", "big")
    assert "higher mean" in judged.chosen and mt_bench.ROUTELLM_STRONG in judged.chosen
    assert [(r.weak, r.strong) for r in rows] == [(4.0, 9.0), (6.0, 8.0)]


def test_more_than_two_unnamed_models_is_an_error_naming_them() -> None:
    js = [j("1", m, 1, 5) for m in ("x", "y", "z")]
    with pytest.raises(ValueError, match=r"judged models \(x, y, z\).*--judged-weak"):
        score([Question("1", ("a",), "")], js, "weak-one", "strong-one")
