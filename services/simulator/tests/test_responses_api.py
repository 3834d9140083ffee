"""The simulator's Responses API (`POST /v1/responses`) against the official openai SDK's
own parsers: object and event stream, a function tool round trip, json_schema, errors. The
same conversation gets the same answer as through chat completions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import openai
import pytest
from openai import AsyncOpenAI
from tokaroo_simulator import Settings, create_app

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}


@pytest.fixture
async def sdk() -> AsyncIterator[AsyncOpenAI]:
    transport = httpx.ASGITransport(app=create_app(Settings()))
    async with httpx.AsyncClient(transport=transport) as http:
        yield AsyncOpenAI(
            base_url="http://sim/v1", api_key="sk-test", http_client=http, max_retries=0
        )


async def test_text_object_matches_chat_completions(sdk: AsyncOpenAI) -> None:
    res = await sdk.responses.create(model="gpt-4o", input="What is 2+2?", instructions="Be brief")
    chat = await sdk.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "Be brief"},
            {"role": "user", "content": "What is 2+2?"},
        ],
    )
    assert res.id.startswith("resp_") and res.status == "completed" and res.model == "gpt-4o"
    assert res.output_text == chat.choices[0].message.content
    assert res.usage is not None and chat.usage is not None
    assert res.usage.input_tokens == chat.usage.prompt_tokens


async def test_stream_events(sdk: AsyncOpenAI) -> None:
    async with sdk.responses.stream(model="gpt-4o", input="Tell me a story") as stream:
        kinds = [e.type async for e in stream]
        final = await stream.get_final_response()
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert kinds[-1] == "response.completed" and "response.output_text.delta" in kinds
    assert final.output_text.startswith("Simulated answer")


async def test_function_tool_round_trip(sdk: AsyncOpenAI) -> None:
    first = await sdk.responses.create(model="gpt-4o", input="Weather?", tools=[WEATHER])  # type: ignore[list-item]
    call = first.output[0]
    assert call.type == "function_call" and call.name == "get_weather"
    assert call.call_id.startswith("call_") and "city" in json.loads(call.arguments)
    async with sdk.responses.stream(
        model="gpt-4o",
        tools=[WEATHER],
        input=[  # type: ignore[list-item]
            {"role": "user", "content": "Weather?"},
            call.model_dump(exclude_none=True),
            {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"},
        ],
    ) as s:
        final = await s.get_final_response()
    assert "based on the tool result" in final.output_text


async def test_json_schema_and_limits(sdk: AsyncOpenAI) -> None:
    res = await sdk.responses.create(
        model="gpt-4o",
        input="Report",
        text={
            "format": {
                "type": "json_schema",
                "name": "r",
                "schema": {
                    "type": "object",
                    "properties": {"n": {"type": "integer"}},
                    "required": ["n"],
                },
            }
        },
    )
    assert isinstance(json.loads(res.output_text)["n"], int)
    cut = await sdk.responses.create(model="gpt-4o", input="Story", max_output_tokens=2)
    assert cut.status == "incomplete" and cut.usage is not None and cut.usage.output_tokens == 2


async def test_errors_are_openai_shaped(sdk: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        await sdk.responses.create(model="gpt-4o", input=[])
    with pytest.raises(openai.InternalServerError):
        await sdk.responses.create(model="gpt-4o-error-500", input="hi")
