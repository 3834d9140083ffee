"""The OpenAI Responses API through the whole stack with the official openai SDK:
`responses.create` and `responses.stream`, a function tool round trip, `text.format`
json_schema (and `responses.parse`), `previous_response_id` chains, GET and DELETE by id,
tenancy (another tenant's id is a 404), `model: "auto"` with the cache on and a warm-cache
repeat, and the refusals (built-in tools, unknown ids)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI
from pydantic import BaseModel

from tests.harness import Stack

TOOL_RESULT_MARK = "based on the tool result"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather of a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


class CityReport(BaseModel):
    city: str
    temperature_c: int
    conditions: str


@pytest.fixture(scope="module")
def key(stack: Stack) -> str:
    return stack.new_tenant_key("5", name="responses")


@pytest.fixture(scope="module")
def client(stack: Stack, key: str) -> OpenAI:
    return OpenAI(base_url=stack.base_url, api_key=key, max_retries=0)


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex}"


def test_create_text(client: OpenAI) -> None:
    raw = client.responses.with_raw_response.create(
        model="auto",
        input=unique("Hello!"),
        instructions="Be brief.",
        max_output_tokens=200,
        temperature=0.7,
        metadata={"team": "e2e"},
        user="u1",
        reasoning={"effort": "low"},
    )
    res = raw.parse()
    assert res.id.startswith("resp_") and res.object == "response" and res.status == "completed"
    assert res.model == "auto" and res.instructions == "Be brief."
    assert res.metadata == {"team": "e2e"} and res.max_output_tokens == 200
    assert res.output_text.startswith("Simulated answer")
    assert res.output[0].type == "message" and res.output[0].content[0].type == "output_text"
    assert res.usage is not None and res.usage.input_tokens > 0 and res.usage.output_tokens > 0
    assert res.usage.total_tokens == res.usage.input_tokens + res.usage.output_tokens
    assert res.usage.input_tokens_details.cached_tokens == 0
    cost = Decimal(raw.headers["x-tokaroo-cost"])
    assert cost > 0 and Decimal(str(res.usage.model_extra["cost_usd"])) == cost
    assert raw.headers["x-tokaroo-cache"] == "miss"
    pool = [m.id for m in client.models.list() if m.id not in ("auto", "fast", "max")]
    assert pool and not [m for m in pool if m in raw.text]  # the black box: no model named


def test_stream_event_sequence(client: OpenAI) -> None:
    with client.responses.stream(model="auto", input=unique("Tell me a story")) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[2:4] == ["response.output_item.added", "response.content_part.added"]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == final.output_text and text.startswith("Simulated answer")
    assert final.status == "completed" and final.model == "auto"
    assert final.usage is not None and final.usage.output_tokens > 0
    assert "cost_usd" in (final.usage.model_extra or {})


def _tool_round_trip(client: OpenAI, prompt: str, *, stream: bool) -> tuple[Any, Any]:
    def create(**kwargs: Any) -> Any:
        if not stream:
            return client.responses.create(model="auto", tools=[WEATHER], **kwargs)
        with client.responses.stream(model="auto", tools=[WEATHER], **kwargs) as s:
            return s.get_final_response()

    first = create(input=[{"role": "user", "content": prompt}])
    calls = [o for o in first.output if o.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather", first.output
    assert calls[0].call_id.startswith("call_") and json.loads(calls[0].arguments)
    second = create(
        input=[
            {"role": "user", "content": prompt},
            *[c.model_dump(exclude_none=True) for c in calls],
            {
                "type": "function_call_output",
                "call_id": calls[0].call_id,
                "output": json.dumps({"temperature_c": 21}),
            },
        ]
    )
    assert TOOL_RESULT_MARK in second.output_text
    return first, second


def test_function_tool_round_trip(client: OpenAI) -> None:
    _tool_round_trip(client, unique("Weather in Lyon?"), stream=False)


def test_function_tool_round_trip_streaming(client: OpenAI) -> None:
    prompt = unique("Weather in Paris?")
    with client.responses.stream(model="auto", tools=[WEATHER], input=prompt) as s:
        kinds = [e.type for e in s]
    assert "response.function_call_arguments.delta" in kinds
    assert kinds[-3:] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    _tool_round_trip(client, prompt, stream=True)


def test_json_schema_and_parse(client: OpenAI) -> None:
    res = client.responses.create(
        model="auto",
        input=unique("Weather report for Lyon"),
        text={
            "format": {
                "type": "json_schema",
                "name": "city_report",
                "schema": CityReport.model_json_schema(),
                "strict": True,
            }
        },
    )
    CityReport.model_validate_json(res.output_text)
    parsed = client.responses.parse(
        model="auto", input=unique("Weather report for Lyon"), text_format=CityReport
    )
    assert isinstance(parsed.output_parsed, CityReport)
    obj = client.responses.create(
        model="auto", input=unique("Weather as JSON"), text={"format": {"type": "json_object"}}
    )
    assert isinstance(json.loads(obj.output_text), dict)


def test_previous_response_id_chain_and_get(client: OpenAI, stack: Stack) -> None:
    first = client.responses.create(
        model="auto", input=unique("My name is Ada."), instructions="Answer in French."
    )
    second = client.responses.create(
        model="auto", input="What is my name?", previous_response_id=first.id
    )
    assert second.previous_response_id == first.id and second.instructions is None
    # The same question without the chain is another conversation: another answer.
    alone = client.responses.create(model="auto", input="What is my name?")
    assert alone.output_text != second.output_text
    # A tool loop carried by the chain alone (the function_call is in the stored output).
    prompt = unique("Weather in Nice?")
    call = client.responses.create(model="auto", tools=[WEATHER], input=prompt)
    fc = next(o for o in call.output if o.type == "function_call")
    done = client.responses.create(
        model="auto",
        tools=[WEATHER],
        previous_response_id=call.id,
        input=[{"type": "function_call_output", "call_id": fc.call_id, "output": "sunny"}],
    )
    assert TOOL_RESULT_MARK in done.output_text
    got = client.responses.retrieve(second.id)
    assert got.id == second.id and got.output_text == second.output_text
    assert got.usage is not None and got.usage.total_tokens == second.usage.total_tokens  # type: ignore[union-attr]


def test_store_false_is_not_kept(client: OpenAI) -> None:
    res = client.responses.create(model="auto", input=unique("Forget me"), store=False)
    assert res.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(res.id)
    with pytest.raises(openai.NotFoundError) as err:
        client.responses.create(model="auto", input="again", previous_response_id=res.id)
    assert err.value.body["param"] == "previous_response_id"  # type: ignore[index]


def test_delete(client: OpenAI) -> None:
    res = client.responses.create(model="auto", input=unique("Delete me"))
    client.responses.delete(res.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(res.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(res.id)


def test_another_tenants_response_is_not_found(stack: Stack, client: OpenAI) -> None:
    mine = client.responses.create(model="auto", input=unique("A secret"))
    other = OpenAI(
        base_url=stack.base_url, api_key=stack.new_tenant_key("1", name="other"), max_retries=0
    )
    with pytest.raises(openai.NotFoundError) as err:
        other.responses.retrieve(mine.id)
    assert err.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        other.responses.create(model="auto", input="continue", previous_response_id=mine.id)
    with pytest.raises(openai.NotFoundError):
        other.responses.delete(mine.id)
    assert client.responses.retrieve(mine.id).id == mine.id  # still there for its tenant
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_" + uuid.uuid4().hex)


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "web_search"},
        {"type": "file_search", "vector_store_ids": ["vs_1"]},
        {"type": "code_interpreter", "container": {"type": "auto"}},
        {
            "type": "computer_use_preview",
            "display_width": 800,
            "display_height": 600,
            "environment": "browser",
        },
    ],
)
def test_built_in_tools_are_refused(client: OpenAI, tool: dict[str, Any]) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="auto", input="Search the web", tools=[tool])  # type: ignore[list-item]
    body = err.value.body
    assert isinstance(body, dict) and body["param"] == "tools[0].type"
    assert "not supported" in body["message"]


def test_cache_on_auto_with_a_warm_repeat(stack: Stack, key: str) -> None:
    """The same two-turn tool conversation twice: the second time every turn is a hit and
    the answers are the same."""
    prompt = unique("Weather in Lille?")
    headers = {"Authorization": f"Bearer {key}"}

    def turns() -> list[httpx.Response]:
        first = httpx.post(
            f"{stack.base_url}/responses",
            headers=headers,
            timeout=60,
            json={"model": "auto", "input": prompt, "tools": [WEATHER]},
        )
        fc = next(o for o in first.json()["output"] if o["type"] == "function_call")
        second = httpx.post(
            f"{stack.base_url}/responses",
            headers=headers,
            timeout=60,
            json={
                "model": "auto",
                "tools": [WEATHER],
                "previous_response_id": first.json()["id"],
                "input": [
                    {"type": "function_call_output", "call_id": fc["call_id"], "output": "sunny"}
                ],
            },
        )
        return [first, second]

    cold = turns()
    assert [r.status_code for r in cold] == [200, 200]
    deadline = time.monotonic() + 15
    while True:  # the cache store runs after the answer: wait for it
        warm = turns()
        if all(r.headers["x-tokaroo-cache"] == "hit" for r in warm):
            break
        assert time.monotonic() < deadline, [r.headers["x-tokaroo-cache"] for r in warm]
        time.sleep(0.2)
    for c, w in zip(cold, warm, strict=True):
        assert _items(c) == _items(w)
        assert w.json()["id"] != c.json()["id"] and w.json()["model"] == "auto"


def _items(resp: httpx.Response) -> list[dict[str, Any]]:
    """The output items without their ids (each response has its own)."""
    return [{k: v for k, v in o.items() if k != "id"} for o in resp.json()["output"]]


def test_models_by_id(stack: Stack, client: OpenAI) -> None:
    assert client.models.retrieve("auto").id == "auto"
    listed = [m.id for m in client.models.list()]
    real = next(m for m in listed if m not in ("auto", "fast", "max"))
    assert client.models.retrieve(real).id == real
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("no-such-model")
    assert err.value.body["code"] == "model_not_found"  # type: ignore[index]


@pytest.fixture
def sim(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.layout.simulator_url) as c:
        yield c
        c.delete("/_sim/faults")


def test_upstream_broken_mid_stream_fails_the_response(
    stack: Stack, key: str, sim: httpx.Client
) -> None:
    sim.post(
        "/_sim/faults", json={"model": "*", "provider": "*", "kind": "break-midstream", "rate": 1.0}
    ).raise_for_status()
    events: list[tuple[str, dict[str, Any]]] = []
    with httpx.stream(
        "POST",
        f"{stack.base_url}/responses",
        timeout=30,
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "auto", "stream": True, "input": unique("break me please " * 5)},
    ) as resp:
        assert resp.status_code == 200
        name = ""
        for line in resp.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    names = [n for n, _ in events]
    assert names[:2] == ["response.created", "response.in_progress"]
    assert "response.output_text.delta" in names and "response.completed" not in names
    assert names[-2:] == ["error", "response.failed"]
    assert events[-2][1]["code"] == "stream_interrupted"
    failed = events[-1][1]["response"]
    assert failed["status"] == "failed" and failed["error"]["code"] == "stream_interrupted"
    assert [e["sequence_number"] for _, e in events] == list(range(len(events)))
