from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb
from tokaroo_proto.router.v1 import router_pb2
from tokaroo_router.difficulty import explain, prior_logit, request_features
from tokaroo_router.difficulty_model import load_model


def turn(role: cpb.Role, text: str) -> cpb.Turn:
    return cpb.Turn(role=role, parts=[cpb.ContentPart(text=text)])


def test_features_come_from_the_typed_conversation() -> None:
    conv = cpb.Conversation(
        turns=[
            turn(cpb.ROLE_SYSTEM, "You are an agent. " * 500),
            turn(cpb.ROLE_USER, "Find the bug in my service"),
            cpb.Turn(role=cpb.ROLE_ASSISTANT, tool_calls=[cpb.ToolCall(id="c1", name="grep")]),
            cpb.Turn(role=cpb.ROLE_TOOL, tool_call_id="c1", parts=[cpb.ContentPart(text="x.py:3")]),
            cpb.Turn(
                role=cpb.ROLE_USER,
                parts=[
                    cpb.ContentPart(text="Now fix it"),
                    cpb.ContentPart(media=cpb.Media(type="image", digest="d")),
                ],
            ),
        ]
    )
    req = router_pb2.RouteRequest(
        model="auto", input_tokens=3000, needs_tools=True, conversation=conv
    )
    f = request_features(req)
    assert f.text == "Now fix it"  # the latest request, in the user's own words
    assert (f.turns, f.tool_results, f.vision, f.tools) == (2, 1, True, True)
    assert f.system_chars == len("You are an agent. " * 500)
    plain = request_features(
        router_pb2.RouteRequest(
            model="auto",
            input_tokens=3,
            conversation=cpb.Conversation(turns=[turn(cpb.ROLE_USER, "Now fix it")]),
        )
    )
    assert prior_logit(f) > prior_logit(plain) == 0.0
    model = load_model()
    assert explain(model, f).score > explain(model, plain).score
    assert explain(model, f).conversation_prior == prior_logit(f)


def test_a_follow_up_that_names_no_task_takes_the_earlier_requests_category() -> None:
    model = load_model()
    first = "Write a Python function that returns the n-th Fibonacci number in O(log n)."
    conv = cpb.Conversation(
        turns=[
            turn(cpb.ROLE_USER, first),
            turn(cpb.ROLE_ASSISTANT, "def fib(n): ..."),
            turn(cpb.ROLE_USER, "Now make it work for negative n as well."),
        ]
    )
    f = request_features(router_pb2.RouteRequest(model="auto", conversation=conv))
    assert f.text == "Now make it work for negative n as well." and f.earlier == first
    assert explain(model, f).categories[0] == "code"
    alone = request_features(
        router_pb2.RouteRequest(
            model="auto",
            conversation=cpb.Conversation(turns=[turn(cpb.ROLE_USER, f.text)]),
        )
    )
    assert alone.earlier == "" and explain(model, alone).categories == ()
    assert explain(model, f).score > explain(model, alone).score
    # a follow-up with a kind of its own keeps it
    other = cpb.Conversation(
        turns=[turn(cpb.ROLE_USER, first), turn(cpb.ROLE_USER, "Write a haiku about it.")]
    )
    g = request_features(router_pb2.RouteRequest(model="auto", conversation=other))
    assert explain(model, g).categories[0] == "writing"
