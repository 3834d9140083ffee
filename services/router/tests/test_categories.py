import pytest
from tokaroo_router.categories import (
    EASY_PRIOR,
    EFFORT_MAX_CUES,
    WORK_PRIOR,
    arena_gain,
    categories,
    category_gain,
    effort_prior,
    in_domain,
    mt_bench_gap,
    prior,
    structure_prior,
)


def cats(text: str) -> tuple[str, ...]:
    return categories(text.lower())


def test_cues_match_word_starts_not_substrings() -> None:
    assert "code" in cats("Write a segmented sieve in Rust")
    assert "code" not in cats("Do you trust this product description?")
    assert "code" in cats("A bash script that renames files")
    assert cats("Explain Ohm's law with an example.")[0] == "stem"


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Write a villanelle about insomnia.", "writing"),
        ("Pretend you are a pirate and say good morning.", "roleplay"),
        ("Who painted the Mona Lisa during the Renaissance?", "humanities"),
        ("Extract the dates from this text as JSON.", "extraction"),
        ("Alice is older than Bob and Bob is older than Eve. Who is youngest?", "reasoning"),
        ("Find the last two digits of 7^2026.", "math"),
        ("Implement a persistent red-black tree in Haskell.", "code"),
        # short MT-Bench-style requests (cues that are not in the development data)
        ("Mia is shorter than Leo, and Leo is taller than Sam. Who is tallest?", "reasoning"),
        (
            "A liar and a truth-teller stand at a fork in the road. What one question works?",
            "reasoning",
        ),
        ("Which of the three boxes is mislabelled, if you may open only one?", "reasoning"),
        ("Find every real x such that sqrt(2x + 1) = x - 1.", "math"),
        ("Write a bash one-liner that prints the ten largest files.", "code"),
        ("Rate each review from 1 to 5: 'great', 'meh', 'awful'.", "extraction"),
        ("Pretend to be a ship's cook and tell me about tonight's dinner.", "roleplay"),
        ("Why does a satellite in orbit not fall to the ground?", "stem"),
        ("Who was the first emperor of Rome?", "humanities"),
        ("What were the causes of the Russian Revolution?", "humanities"),
    ],
)
def test_each_kind_of_chat_is_recognised(text: str, first: str) -> None:
    assert cats(text)[0] == first


def test_exam_questions_have_no_category_and_no_priors() -> None:
    low = "which gas do plants absorb?\na. oxygen\nb. carbon dioxide\nc. helium\nd. neon"
    assert categories(low) == ()
    assert structure_prior(low) == 0.0
    assert in_domain(low, ())


def test_effort_cues_move_a_request_whatever_its_length() -> None:
    assert effort_prior("prove it and derive the bound") == 2 * WORK_PRIOR
    assert effort_prior("keep it simple, i'm a beginner") == -2 * EASY_PRIOR
    many = "prove proof derive justify implement optimal"
    assert effort_prior(many) == EFFORT_MAX_CUES * WORK_PRIOR  # bounded
    assert effort_prior("what is the capital of france?") == 0.0


def test_word_problems_are_in_domain_but_proofs_are_not() -> None:
    word = "a shop sells 12 apples at 3 dollars each. how much does it make?"
    assert in_domain(word, categories(word))
    proof = "prove that 2^n > n^3 for all n >= 10."
    assert "math" in categories(proof) and not in_domain(proof, categories(proof))
    chat = "write a haiku about rain"
    assert not in_domain(chat, categories(chat))


def test_arena_gain_is_the_rating_slope_minus_one_averaged_over_pages() -> None:
    models = [f"m{i}" for i in range(12)]
    overall = [[m, 1000.0 + 10 * i] for i, m in enumerate(models)]
    steep = [[m, 1000.0 + 12 * i] for i, m in enumerate(models)]  # slope 1.2
    arena = {
        "pages": {
            "text/overall": overall,
            "text/math": steep,
            "text/expert": steep,
            "text/coding": overall,
        }
    }
    gain = arena_gain(arena)
    assert gain["math"] == pytest.approx(0.2)
    assert gain["code"] == pytest.approx(0.0)
    assert gain["stem"] == pytest.approx(0.1)  # half expert, half overall
    assert gain["writing"] == 0.0  # a page with too few models counts as no gain
    with pytest.raises(ValueError, match="text/overall"):
        arena_gain({"pages": {}})


def test_prior_takes_the_first_category_and_a_quarter_of_the_next() -> None:
    gain = {"code": 0.1, "math": 0.2, "writing": 0.0}
    assert prior(("math",), gain, 0.4) == pytest.approx(0.4)
    assert prior(("code", "math"), gain, 0.4) == pytest.approx(0.4 * (0.1 + 0.05) / 0.2)
    assert prior(("writing",), gain, 0.4) == 0.0
    assert prior((), gain, 0.4) == 0.0


def test_category_gain_averages_arena_and_mt_bench_each_scaled_to_its_top() -> None:
    models = [f"m{i}" for i in range(12)]
    overall = [[m, 1000.0 + 10 * i] for i, m in enumerate(models)]
    steep = [[m, 1000.0 + 12 * i] for i, m in enumerate(models)]
    arena = {"pages": {"text/overall": overall, "text/math": steep}}
    gain = category_gain(arena)
    mtb = mt_bench_gap()
    top = max(mtb.values())
    assert gain["math"] == pytest.approx((1.0 + mtb["math"] / top) / 2, abs=1e-4)
    assert gain["code"] == pytest.approx(mtb["code"] / top / 2, abs=1e-4)  # no Arena gain
    # MT-Bench orders the kinds of chat: code and reasoning gain most, writing and humanities least
    assert min(mtb["code"], mtb["reasoning"]) > mtb["stem"] > max(mtb["writing"], mtb["humanities"])
