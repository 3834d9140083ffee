from __future__ import annotations

import json

from tokaroo_simulator.content import Prompt, Tool, count_tokens, plan_reply, split_pieces
from tokaroo_simulator.schema_values import value_for_schema

WEATHER = Tool(
    "get_weather",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        },
        "required": ["city"],
    },
)


def test_same_conversation_same_answer_and_different_conversation_differs() -> None:
    a = plan_reply(Prompt(texts=("What is 2+2?",)))
    b = plan_reply(Prompt(texts=("What is 2+2?",)))
    c = plan_reply(Prompt(texts=("What is 3+3?",)))
    assert a == b
    assert a.text != c.text
    assert a.text.startswith(f"Simulated answer {a.digest[:8]}:")
    assert a.finish == "stop" and a.completion_tokens == len(a.pieces) > 8
    assert "".join(a.pieces) == a.text


def test_prompt_tokens_are_about_one_per_four_characters_plus_images() -> None:
    assert count_tokens(0) == 1 and count_tokens(4) == 1 and count_tokens(5) == 2
    assert plan_reply(Prompt(texts=("x" * 40,))).prompt_tokens == 10
    assert plan_reply(Prompt(texts=("x" * 40,), images=1)).prompt_tokens == 10 + 85


def test_max_tokens_truncates_with_length() -> None:
    reply = plan_reply(Prompt(texts=("hello",), max_tokens=3))
    assert reply.finish == "length" and len(reply.pieces) == 3 == reply.completion_tokens


def test_stop_sequence_cuts_before_the_match() -> None:
    reply = plan_reply(Prompt(texts=("hello",), stop=("zzz", "answer")))
    assert reply.text == "Simulated "
    assert reply.finish == "stop_sequence" and reply.stop_sequence == "answer"


def test_images_are_mentioned() -> None:
    assert "image" in plan_reply(Prompt(texts=("what is this",), images=1)).text


def test_tool_call_on_user_turn_with_deterministic_arguments() -> None:
    prompt = Prompt(
        texts=("weather in Paris?",),
        tools=(Tool("noop", {}), WEATHER),
        forced_tool="get_weather",
        tool_choice="required",
    )
    reply = plan_reply(prompt)
    assert reply.tool_call is not None and reply.finish == "tool_calls"
    assert reply.tool_call.name == "get_weather"
    args = json.loads(reply.tool_call.arguments)
    assert list(args) == ["city"] and isinstance(args["city"], str)  # optional ones left out
    assert "".join(reply.tool_call.fragments) == reply.tool_call.arguments
    assert plan_reply(prompt) == reply
    every = plan_reply(
        Prompt(
            texts=("weather?",),
            tools=(Tool("w", {"type": "object", "properties": WEATHER.parameters["properties"]}),),
        )
    )
    assert every.tool_call is not None  # no `required`: every property is given
    args = json.loads(every.tool_call.arguments)
    assert args["unit"] in ("celsius", "fahrenheit") and 1 <= args["days"] <= 7


READ = Tool(
    "Read",
    {
        "type": "object",
        "required": ["file_path"],
        "properties": {"file_path": {"type": "string"}, "offset": {"type": "integer"}},
    },
)


def test_the_tool_the_user_names_is_called_with_the_path_the_user_gives() -> None:
    prompt = Prompt(
        texts=("You are an agent.", "Read the file /tmp/w/notes.txt, please."),
        tools=(WEATHER, READ),
    )
    reply = plan_reply(prompt)
    assert reply.tool_call is not None and reply.tool_call.name == "Read"
    assert json.loads(reply.tool_call.arguments) == {"file_path": "/tmp/w/notes.txt"}
    unnamed = plan_reply(Prompt(texts=("weather in /tmp/x/y?",), tools=(WEATHER, READ)))
    assert unnamed.tool_call is not None and unnamed.tool_call.name == "get_weather"


def test_no_tool_call_after_tool_result_or_with_choice_none() -> None:
    after = plan_reply(
        Prompt(texts=("q", "sunny"), tools=(WEATHER,), user_turn=False, after_tool_result=True)
    )
    assert after.tool_call is None and "tool result" in after.text
    none = plan_reply(Prompt(texts=("q",), tools=(WEATHER,), tool_choice="none"))
    assert none.tool_call is None


def test_json_modes_give_valid_json() -> None:
    obj = json.loads(plan_reply(Prompt(texts=("q",), response_kind="json_object")).text)
    assert obj["answer"].startswith("Simulated answer")
    schema = {
        "type": "object",
        "required": ["name", "tags", "score", "ok", "nested"],
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "score": {"type": "number"},
            "ok": {"type": "boolean"},
            "nested": {"$ref": "#/$defs/N"},
        },
        "$defs": {
            "N": {
                "type": "object",
                "properties": {"v": {"type": ["null", "integer"]}},
                "required": ["v"],
            }
        },
    }
    reply = plan_reply(Prompt(texts=("q",), response_kind="json_schema", response_schema=schema))
    value = json.loads(reply.text)
    assert isinstance(value["name"], str) and len(value["tags"]) == 2
    assert isinstance(value["score"], float) and isinstance(value["ok"], bool)
    assert isinstance(value["nested"]["v"], int)


def test_schema_values_handle_gemini_upper_case_types_and_formats() -> None:
    value = value_for_schema(
        {
            "type": "OBJECT",
            "properties": {
                "when": {"type": "STRING", "format": "date-time"},
                "n": {"type": "INTEGER"},
                "any": {"anyOf": [{"type": "null"}, {"type": "boolean"}]},
                "k": {"const": "fixed"},
                "s": {"type": "string", "minLength": 40},
            },
        },
        seed=3,
    )
    assert value["when"] == "2024-01-01T00:00:00Z" and isinstance(value["n"], int)
    assert isinstance(value["any"], bool) and value["k"] == "fixed" and len(value["s"]) >= 40


def test_split_pieces_keeps_every_character() -> None:
    assert split_pieces("a  b\nc ") == ("a", "  b", "\nc", " ")
