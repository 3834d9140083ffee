import pytest
from tokaroo_common.errors import AuthenticationFailed
from tokaroo_edge.auth import bearer_token, hash_key
from tokaroo_edge.conversation import exact_key
from tokaroo_edge.schemas import ChatCompletionRequest


def req(**kw: object) -> ChatCompletionRequest:
    body = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
    body.update(kw)
    return ChatCompletionRequest.model_validate(body)


def test_every_answer_changing_field_changes_the_key() -> None:
    base = exact_key(req())
    for change in [
        {"temperature": 0.5},
        {"model": "fast"},
        {"seed": 1},
        {"stop": ["x"]},
        {"max_tokens": 5},
        {"top_p": 0.5},
        {"messages": [{"role": "user", "content": "hi!"}]},
        {"tools": [{"type": "function", "function": {"name": "f"}}]},
        {"response_format": {"type": "json_object"}},
    ]:
        assert exact_key(req(**change)) != base, change


def test_stream_flag_and_user_do_not_change_the_key() -> None:
    assert exact_key(req(stream=True, user="u")) == exact_key(req())


def test_bearer_parsing() -> None:
    assert bearer_token("Bearer tok_abc") == "tok_abc"
    for bad in [None, "", "Basic x", "Bearer ", "tok_abc"]:
        with pytest.raises(AuthenticationFailed):
            bearer_token(bad)
    assert len(hash_key("tok_abc")) == 64
