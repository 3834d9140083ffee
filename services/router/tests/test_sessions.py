"""Session recognition and warm prefixes (pure)."""

from __future__ import annotations

from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb
from tokaroo_router.sessions import MAX_WARM, Session, session_key


def conv(*turns: tuple[int, str]) -> cpb.Conversation:
    return cpb.Conversation(
        turns=[cpb.Turn(role=r, parts=[cpb.ContentPart(text=t)]) for r, t in turns]
    )


AGENT = conv((cpb.ROLE_SYSTEM, "You are an agent."), (cpb.ROLE_USER, "Fix the bug."))
LATER = conv(
    (cpb.ROLE_SYSTEM, "You are an agent."),
    (cpb.ROLE_USER, "Fix the bug."),
    (cpb.ROLE_ASSISTANT, "Looking."),
    (cpb.ROLE_USER, "Now the tests."),
)


def test_the_prefix_recognises_a_conversation_across_turns() -> None:
    assert session_key("t1", "", AGENT, "tools") == session_key("t1", "", LATER, "tools")
    assert session_key("t1", "", AGENT, "tools") != session_key("t1", "", AGENT, "other")
    other_task = conv((cpb.ROLE_SYSTEM, "You are an agent."), (cpb.ROLE_USER, "Write docs."))
    assert session_key("t1", "", AGENT) != session_key("t1", "", other_task)


def test_keys_never_cross_tenants() -> None:
    assert session_key("t1", "", AGENT) != session_key("t2", "", AGENT)
    assert session_key("t1", "sess-1", AGENT) != session_key("t2", "sess-1", AGENT)


def test_an_explicit_hint_wins_over_the_prefix() -> None:
    assert session_key("t1", "sess-1", AGENT) == session_key(
        "t1", "sess-1", conv((cpb.ROLE_USER, "anything"))
    )
    assert session_key("t1", "sess-1", AGENT) != session_key("t1", "sess-2", AGENT)


def test_a_user_id_only_sharpens_the_prefix() -> None:
    a, b = (
        session_key("t1", "user:u1", AGENT),
        session_key("t1", "user:u1", conv((cpb.ROLE_USER, "another conversation"))),
    )
    assert a != b and a != session_key("t1", "", AGENT)


def test_no_user_turn_no_session() -> None:
    assert session_key("t1", "", conv((cpb.ROLE_SYSTEM, "S"))) is None


def test_warm_tokens_expire_and_need_a_cacheable_length() -> None:
    s = Session("k").routed("a", 5000, now=100).routed("b", 800, now=110)
    assert s.warm_tokens(now=120) == {"a": 5000}  # b is below every minimum
    assert s.warm_tokens(now=100 + 301) == {}  # idle past the providers' life
    assert s.turns == 2 and s.warm[0].model_id == "b"


def test_routed_keeps_the_most_recent_models() -> None:
    s = Session("k")
    for i in range(MAX_WARM + 2):
        s = s.routed(f"m{i}", 2000 + i, now=float(i))
    assert [w.model_id for w in s.warm] == [f"m{i}" for i in range(MAX_WARM + 1, 1, -1)]
    again = s.routed("m3", 9000, now=10)
    assert again.warm[0].model_id == "m3" and len({w.model_id for w in again.warm}) == MAX_WARM


def test_bytes_round_trip_and_garbage_is_no_session() -> None:
    s = Session("k").routed("a", 5000, now=1.5)
    assert Session.from_bytes("k", s.to_bytes()) == s
    assert Session.from_bytes("k", b"not json") is None
    assert Session.from_bytes("k", b'{"warm": [[1]]}') is None
