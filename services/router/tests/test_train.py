import numpy as np
from tokaroo_router.dataset import Row
from tokaroo_router.train import Params, fit, fit_word_scores, logistic_newton, mean_vectors
from tokaroo_router.word_vectors import WordVectors


def rows_and_vectors() -> tuple[list[Row], WordVectors]:
    rng = np.random.default_rng(3)
    hard, easy = ["lemma", "torsion", "eigen"], ["apple", "bread", "river"]
    words = hard + easy + ["about"]
    m = rng.normal(0.0, 0.2, (len(words), 4)).astype(np.float32)
    m[:3, 0] += 1.0  # the hard words share a direction
    rows = []
    for i in range(300):
        h = i % 3 == 0
        text = " ".join(rng.choice(hard if h else easy, 2)) + " about"
        rows.append(Row("x", "x", text, 0.0 if h else 1.0, 1.0))
    return rows, WordVectors(tuple(words), m)


def test_logistic_newton_separates_a_direction() -> None:
    x = np.r_[np.full((50, 1), -1.0), np.full((50, 1), 1.0)]
    y = np.r_[np.zeros(50), np.ones(50)]
    w = logistic_newton(x, y, l2=0.01)
    assert w[0] > 1.0 and abs(w[1]) < 1e-6


def test_word_scores_are_the_vector_model_folded_per_word() -> None:
    rows, vectors = rows_and_vectors()
    scores = fit_word_scores(rows, Params(), vectors)
    assert set(scores) == set(vectors.words)
    assert min(scores[w] for w in ("lemma", "torsion", "eigen")) > max(
        scores[w] for w in ("apple", "bread", "river")
    )
    # centred: the training prompts' mean word score is 0
    means = [np.mean([scores[t] for t in r.prompt.split()]) for r in rows]
    assert abs(float(np.mean(means))) < 1e-9
    x = mean_vectors([r.prompt.split() for r in rows], vectors)
    assert x.shape == (len(rows), 4) and fit_word_scores(rows, Params(), None) == {}


def test_fit_adds_the_word_part_only_with_vectors() -> None:
    rows, vectors = rows_and_vectors()
    plain, with_words = fit(rows), fit(rows, vectors=vectors)
    assert plain.embedding_weight == 0.0 and not plain.word_scores
    assert with_words.embedding_weight == Params().embedding_weight and with_words.word_scores
    assert with_words.logit_text("lemma eigen about") > with_words.logit_text("apple bread about")
