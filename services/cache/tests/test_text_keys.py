"""Unit tests of the key layout and the conversation text handling."""

from __future__ import annotations

import pytest
from tokaroo_cache.keys import exact_key, index_key, tenant_pattern
from tokaroo_cache.service import normalize_text
from tokaroo_cache.text import (
    Message,
    format_conversation,
    normalize,
    parse_conversation,
    proper_nouns,
    split_last_user,
    tokens,
)


def test_keys_are_scoped_by_tenant() -> None:
    assert exact_key("t1", "abc") == "tokaroo:cache:v1:{t1}:exact:abc"
    assert index_key("t1") == "tokaroo:cache:v1:{t1}:index"
    assert tenant_pattern("t1") == "tokaroo:cache:v1:{t1}:*"
    assert exact_key("t1", "k") != exact_key("t2", "k")


@pytest.mark.parametrize("tenant", ["", "a*", "a{b}", "x?y", "a[1]"])
def test_keys_refuse_tenants_that_could_match_others(tenant: str) -> None:
    with pytest.raises(ValueError):
        exact_key(tenant, "k")
    with pytest.raises(ValueError):
        tenant_pattern(tenant)


def test_exact_key_requires_request_key() -> None:
    with pytest.raises(ValueError):
        exact_key("t1", "")


def test_parse_edge_format_round_trip() -> None:
    messages = [Message("system", "Be brief"), Message("user", "hi\nthere"),
                Message("assistant", "hello"), Message("user", "cancel it")]
    text = format_conversation(messages)
    assert parse_conversation(text) == messages
    context, last = split_last_user(parse_conversation(text))
    assert last == "cancel it" and "assistant: hello" in context and "system: Be brief" in context


def test_parse_role_colon_lines_and_plain_text() -> None:
    assert parse_conversation("user: hi\nassistant: yo") == [Message("user", "hi"),
                                                            Message("assistant", "yo")]
    assert parse_conversation("just a question") == [Message("user", "just a question")]
    assert parse_conversation("") == []


def test_normalize_and_tokens() -> None:
    assert normalize("What's  NOT  included? I can't") == "what is not included? i can not"
    assert tokens("Don't pay £2,000 at 9:15") == ["do", "not", "pay", "2000", "at", "9:15"]
    assert normalize_text("user\n  hello   there \n\nassistant\nhi") == \
        "user\nhello there\nassistant\nhi"


def test_proper_nouns() -> None:
    assert proper_nouns("How do I export data from HubSpot to Excel?") == ["hubspot", "excel"]
    assert proper_nouns("When will I get my P60?") == ["p60"]
    assert proper_nouns("WHAT ARE YOUR DELIVERY OPTIONS?") == []
