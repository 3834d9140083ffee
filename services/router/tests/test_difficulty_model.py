from tokaroo_router.categories import OPEN_REFERENCE_CHARS
from tokaroo_router.difficulty import tier_of
from tokaroo_router.difficulty_model import DifficultyModel, load_model
from tokaroo_router.features import HEAD_CHARS, TAIL_CHARS, clip, extract


def test_features_fold_numbers_and_add_bigrams() -> None:
    f = extract("Add 1947 and 2024.\nA. 1\nB. 2")
    assert f["0000"] == 1.0 and f["add 0000"] == 1.0
    assert f["#options"] > 0 and f["#bias"] == 1.0
    assert len(clip("x" * 100_000)) == HEAD_CHARS + TAIL_CHARS + 1


def test_shipped_artifact_loads_and_scores() -> None:
    """Its speed is measured by bench/router_latency.py, not here."""
    model = load_model()
    assert model.version == "difficulty-v5" and model.meta["trained_on"]["rows"]["mmlu"] > 0
    assert model.category_gain["math"] > model.category_gain["writing"] > 0
    assert 0 < model.instant_below < model.complex_from < 1
    text = "Explain the trade-offs of B-trees versus LSM trees for write-heavy workloads. " * 20
    assert 0.0 <= model.score_text(text) <= 1.0


def test_percentile_is_monotone_and_round_trips() -> None:
    m = DifficultyModel("v", {"#bias": 0.1, "hard": 1.0}, knots=(-1.0, 0.0, 1.0))
    assert m.percentile(-5) == 0.0 and m.percentile(5) == 1.0 and m.percentile(0.0) == 0.5
    assert m.score_text("a hard one") > m.score_text("an easy one")
    again = DifficultyModel.from_json(m.to_json())
    assert again.knots == m.knots and again.weights == m.weights


def test_category_prior_orders_task_kinds() -> None:
    """Code, math and reasoning gain more from a strong model than chit-chat or writing."""
    model = load_model()
    hard = model.score_text(
        "Prove there are infinitely many twin primes or explain why it is "
        "open; then write a Rust segmented sieve with SIMD and analyse it."
    )
    easy = model.score_text("Write a two-line birthday message for my coworker.")
    assert hard > easy
    _, prior, cats = model.explain_text("Solve the equation and implement it in Python")
    assert {"code", "math"} <= set(cats) and prior > 0
    _, exam_prior, exam_cats = model.explain_text("What is 2+2?\nA. 3\nB. 4\nC. 5\nD. 6")
    assert exam_cats == () and exam_prior == 0.0  # exam questions: the learned model alone


def test_open_ended_requests_are_tiered_by_what_they_ask_not_by_length() -> None:
    model = load_model()
    twin = (
        "Prove there are infinitely many twin primes or explain why it is open; then write "
        "a Rust segmented sieve with SIMD and analyse it"
    )
    assert tier_of(model.score_text(twin), model) == "complex"
    assert tier_of(model.score_text("hi"), model) == "instant"
    haiku = model.score_text("Write a haiku about autumn rain.")
    assert tier_of(haiku, model) == "instant"
    chatty = model.score_text(
        "My grandmother turns ninety this weekend. She loves gardening, old jazz records and "
        "her three cats. Write a warm toast of four or five sentences I can read at her party."
    )
    terse = model.score_text("Implement a lock-free MPMC queue in C++ with hazard pointers.")
    assert terse > chatty and tier_of(terse, model) == "complex"
    assert model.score_text("Find the last two digits of 7^2026.") > haiku


def test_open_ended_logits_are_centred_on_the_training_median() -> None:
    model = load_model()
    k = model.knots
    assert k[0] < model.median_logit < k[-1]
    assert DifficultyModel("v", {}).median_logit == 0.0
    learned, _, cats = model.explain_text("x" * OPEN_REFERENCE_CHARS)
    assert cats == () and abs(learned - model.median_logit) < 0.5


def test_word_part_is_the_mean_word_score_and_round_trips() -> None:
    m = DifficultyModel(
        "v",
        {"#bias": 0.0},
        word_scores={"lemma": 1.0, "bread": -1.0},
        exam_word_scores={"lemma": 3.0},
        embedding_weight=0.5,
    )
    assert m.word_part(["lemma", "lemma", "bread", "zzz"]) == 0.5 * (1.0 + 1.0 - 1.0) / 3
    assert m.word_part(["lemma"], exam=True) == 1.5 and m.word_part(["zzz"]) == 0.0
    again = DifficultyModel.from_json(m.to_json())
    assert again.word_scores == m.word_scores and again.exam_word_scores == m.exam_word_scores
    assert again.embedding_weight == 0.5 and "word_scores" not in again.meta
    shipped = load_model()
    assert shipped.embedding_weight > 0 and len(shipped.exam_word_scores) > 1000
