"""Unit tests of the pure guards, the edit classifier and the hit decision."""

from __future__ import annotations

import pytest
from tokaroo_cache.decide import Request, Thresholds, judge
from tokaroo_cache.guards import (
    direction_guard,
    edit_kind,
    entity_guard,
    guard_reason,
    negation_guard,
    number_guard,
    numbers,
    same_word,
    scope_guard,
    turn_guard,
)
from tokaroo_cache.text import Message


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Cancel my subscription", "Don't cancel my subscription"),
        ("How do I turn on dark mode?", "How do I turn off dark mode?"),
        ("How do I lock my account?", "How do I unlock my account?"),
        ("Is it safe to run the dryer at night?", "Is it unsafe to run the dryer at night?"),
        ("I can refund it. Shall I do that?", "I can't refund it, but I can waive the fee."),
    ],
)
def test_negation_guard_blocks(a: str, b: str) -> None:
    assert negation_guard(a, b) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What's the price for non-members?", "How much does it cost if I'm not a member?"),
        ("How do I cancel my plan?", "I'd like to end my plan, how do I do that?"),
    ],
)
def test_negation_guard_allows_paraphrase(a: str, b: str) -> None:
    assert negation_guard(a, b) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Convert 100 USD to GBP", "Convert 1000 USD to GBP"),
        ("Are you open on Saturday?", "Are you open on Sunday?"),
        ("How many calories in two apples?", "How many calories in three apples?"),
        ("What was my bill in March?", "What was my bill in May?"),
        ("Fee for £2,000?", "Fee for £200?"),
    ],
)
def test_number_guard_blocks(a: str, b: str) -> None:
    assert number_guard(a, b) == "number"


def test_numbers_normalize_words_units_and_thousands() -> None:
    assert numbers("return it within two weeks") == numbers("return it within 14 days")
    assert numbers("what is fifteen percent of 200") == numbers("what's 15% of 200")
    assert numbers("earning £2,000") == {"2000"}


def test_entity_guard_blocks_different_and_swapped_names() -> None:
    assert (
        entity_guard("How do I export data from Salesforce?", "How do I export data from HubSpot?")
        == "entity"
    )
    assert (
        entity_guard(
            "How do I convert a Word file to PDF?", "How do I convert a PDF to a Word file?"
        )
        == "entity_order"
    )
    assert entity_guard("When will I receive my P60?", "When will I get my P60?") is None
    assert entity_guard("DO YOU ACCEPT APPLE PAY?", "Do you accept Apple Pay?") is None


def test_scope_guard_blocks_quantifier_change() -> None:
    assert scope_guard("Do all plans include calls?", "Do some plans include calls?")
    assert scope_guard("Do you always charge a fee?", "Do you never charge a fee?")
    assert scope_guard("Can I cancel before the trial ends?", "Can I cancel after the trial ends?")
    assert scope_guard("Can I change my address?", "Can I change the address?") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "How do I move money from savings to current?",
            "How do I move money from current to savings?",
        ),
        ("Convert pounds to euros", "convert euros to pounds"),
        ("Is tea healthier than coffee?", "Is coffee healthier than tea?"),
        ("Should the primer go on before the paint?", "Should the paint go on before the primer?"),
    ],
)
def test_direction_guard_blocks_words_trading_sides(a: str, b: str) -> None:
    assert direction_guard(a, b) == "swapped"
    assert guard_reason(a, b) == "swapped"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Can I add my partner to my car insurance policy?",
            "To my car insurance policy, can I add my partner?",
        ),  # a phrase moved to the front
        ("Move money to current from savings", "Move money from savings to current"),
        (
            "Transfer 50 from my savings to my current account",
            "Move fifty from savings into my current account",
        ),
        (
            "How far is it from the station to the hotel?",
            "How far is it from the station to the hotel",
        ),
        (
            "How do I get from A to B to C?",
            "How do I get from C to B to A?",
        ),  # twice: undecided here
    ],
)
def test_direction_guard_allows_same_direction(a: str, b: str) -> None:
    assert direction_guard(a, b) is None


def test_typos_are_the_same_word_but_numbers_are_not() -> None:
    assert same_word("address", "adress") and same_word("evenings", "evenigns")
    assert not same_word("15", "16") and not same_word("pool", "poll")


def test_edit_kind() -> None:
    assert (
        edit_kind(
            "How do I change the email on my account?", "um how do i chnage the email on my acount"
        )
        == "same"
    )
    assert edit_kind("Does the hotel have a pool?", "Does the hotel have a gym?") == "small"
    assert edit_kind("How much does delivery cost?", "What are your shipping fees?") == "reworded"


def test_guard_reason_first_match() -> None:
    assert guard_reason("How do I reset my password?", "How do I reset my password?") is None
    assert guard_reason("Open on Monday?", "Not open on Tuesday?") == "negation"


def test_turn_guard() -> None:
    offer = "Would you like me to 1) email your P60, or 2) post your P45?"
    assert turn_guard(offer, "Would you like me to 1) post your P45, or 2) email your P60?")
    assert turn_guard("Shall I cancel the Friday booking?", "Shall I move the Friday booking?")
    assert (
        turn_guard(
            "Standard with Ads, at £5.99 a month.",
            "Morning, sorry about the coffee! The cheapest is Standard with Ads, £5.99 a month.",
        )
        is None
    )


TH = Thresholds(same=0.9, small=0.98, reworded=0.95, context=0.9, max_context_messages=6)


def q(text: str) -> Request:
    """A conversation written as alternating `role` lines and content lines."""
    lines = text.split("\n")
    return Request.from_messages([Message(lines[i], lines[i + 1]) for i in range(0, len(lines), 2)])


def test_judge_thresholds_by_edit_kind() -> None:
    assert judge(
        q("user\nDo you accept Apple Pay?"), q("user\ndo you acept apple pay"), 0.91, None, TH
    ).serve
    small = judge(
        q("user\nDoes the hotel have a pool?"),
        q("user\nDoes the hotel have a gym?"),
        0.97,
        None,
        TH,
    )
    assert not small.serve and small.reason == "similarity_small"
    assert judge(
        q("user\nHow much is delivery?"), q("user\nWhat are your shipping fees?"), 0.96, None, TH
    ).serve


def test_judge_whole_conversation_decides() -> None:
    a = q(
        "user\nI have a Flixora plan I never use.\nassistant\n"
        "Your Flixora plan renews on the 14th. Cancel or change it?\n"
        "user\ncancel it"
    )
    b = q(
        "user\nMy PulseFit membership costs too much.\nassistant\n"
        "Your PulseFit membership renews on the 3rd. Cancel or freeze it?\n"
        "user\nCancel it."
    )
    same_last = judge(a, b, 0.99, 0.95, TH)
    assert not same_last.serve and same_last.reason.startswith("context_")
    single = q("user\ncancel it")
    assert judge(single, b, 0.99, None, TH).reason == "context_presence"
    assert judge(a, a, 1.0, 1.0, TH).serve
    assert judge(a, a, 1.0, 0.5, TH).reason == "context_similarity"


def test_judge_long_conversations_are_exact_only() -> None:
    turns = "\n".join(
        f"user\nquestion {w}\nassistant\nanswer {w}" for w in ("alpha", "beta", "gamma", "delta")
    )
    long = q(turns + "\nuser\nthanks, and the price?")
    assert long.context_messages == 8
    assert judge(long, long, 1.0, 1.0, TH).reason == "context_length"


def test_empty_text_never_serves() -> None:
    assert not judge(Request("", ""), Request("", "hello"), 1.0, None, TH).serve
