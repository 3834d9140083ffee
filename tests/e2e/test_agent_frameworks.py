"""Real agent frameworks against the stack with `model: "auto"` and the cache on: each runs a
two-step tool loop (the model calls `get_weather`, the framework runs it and sends the result,
the model answers in text) and a structured-output call parsed into a schema. Each run is then
repeated once every request of the first run is in the cache, and must come out the same.

Python: pydantic-ai, openai-agents (chat completions, and its default Responses API model),
LangChain and the openai SDK (in this process); Node: the Vercel AI SDK (chat completions, and
its default provider model on the Responses API) and the openai SDK's runner helpers
(tests/e2e/node/frameworks)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import agents
import httpx2
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import StructuredTool
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI, OpenAI
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
from pydantic import BaseModel, SecretStr
from pydantic_ai import Agent, NativeOutput, Tool, UsageLimits
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from tests.e2e.nodetools import install_node_clients, run, stack_env
from tests.e2e.recorded import Exchange, Recorder, wait_until_cached
from tests.harness import Stack

# The same prompts as tests/e2e/node/frameworks/report.mjs.
LOOP_PROMPT = "What is the weather in Lyon right now? Use the get_weather tool."
OBJECT_PROMPT = "Give today's weather report for Lyon."
# Low caps, so that a gateway answering a tool result with another tool call fails in a few
# requests instead of a framework's default 10 to 50.
MAX_STEPS = 5
REQUEST_LIMIT = 6
MAX_TURNS = 4
TOOL_RESULT_MARK = "based on the tool result"
WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


class CityReport(BaseModel):
    city: str
    temperature_c: int
    conditions: str


@dataclass
class Weather:
    """The tool every framework runs; `calls` says how often it ran."""

    calls: list[str] = field(default_factory=list)

    def get_weather(self, city: str) -> str:
        """Current weather of a city."""
        self.calls.append(city)
        return json.dumps({"city": city, "temperature_c": 21, "conditions": "sunny"})


@dataclass(frozen=True)
class LoopRun:
    text: str | None  # the final answer
    final_tool_calls: int  # tool calls in the final answer: none when the loop ended in text
    steps: int  # model requests, as the framework counts them
    tool_runs: int
    exchanges: list[Exchange]

    @classmethod
    def of_report(cls, report: dict[str, Any]) -> LoopRun:
        return cls(
            report["text"],
            report["final_tool_calls"],
            report["steps"],
            report["tool_runs"],
            [Exchange.of(e) for e in report["exchanges"]],
        )


@dataclass(frozen=True)
class ObjectRun:
    parsed: Any  # what the framework parsed the answer into
    exchanges: list[Exchange]


# ---- pydantic-ai ---------------------------------------------------------------------------
def _pydantic_ai_model(stack: Stack, key: str, http: httpx2.AsyncClient) -> OpenAIChatModel:
    return OpenAIChatModel(
        "auto", provider=OpenAIProvider(base_url=stack.base_url, api_key=key, http_client=http)
    )


async def _pydantic_ai_loop(stack: Stack, key: str) -> LoopRun:
    recorder, weather = Recorder(), Weather()
    async with recorder.async_client() as http:
        agent = Agent(_pydantic_ai_model(stack, key, http), tools=[Tool(weather.get_weather)])
        result = await agent.run(LOOP_PROMPT, usage_limits=UsageLimits(request_limit=REQUEST_LIMIT))
    return LoopRun(
        result.output,
        len(result.response.tool_calls),
        result.usage.requests,
        len(weather.calls),
        recorder.exchanges,
    )


async def _pydantic_ai_object(stack: Stack, key: str, native: bool) -> ObjectRun:
    recorder = Recorder()
    async with recorder.async_client() as http:
        agent = Agent(
            _pydantic_ai_model(stack, key, http),
            output_type=NativeOutput(CityReport) if native else CityReport,
        )
        result = await agent.run(
            OBJECT_PROMPT, usage_limits=UsageLimits(request_limit=REQUEST_LIMIT)
        )
    return ObjectRun(result.output, recorder.exchanges)


# ---- openai-agents ------------------------------------------------------------------------
async def _openai_agents_run(
    stack: Stack, key: str, recorder: Recorder, agent_kwargs: dict[str, Any], prompt: str
) -> agents.RunResult:
    agents.set_tracing_disabled(True)  # nothing is exported anywhere
    async with AsyncOpenAI(
        base_url=stack.base_url, api_key=key, http_client=recorder.async_client()
    ) as client:
        agent = agents.Agent(
            name="weather",
            instructions="Answer the user's question.",
            model=agents.OpenAIChatCompletionsModel("auto", client),
            **agent_kwargs,
        )
        return await agents.Runner.run(agent, prompt, max_turns=MAX_TURNS)


async def _openai_agents_default_run(
    stack: Stack, key: str, recorder: Recorder, agent_kwargs: dict[str, Any], prompt: str
) -> agents.RunResult:
    """The default model, `OpenAIResponsesModel`: the Responses API."""
    agents.set_tracing_disabled(True)
    async with AsyncOpenAI(
        base_url=stack.base_url, api_key=key, http_client=recorder.async_client()
    ) as client:
        agents.set_default_openai_client(client, use_for_tracing=False)
        agents.set_default_openai_api("responses")
        agent = agents.Agent(
            name="weather", instructions="Answer the user's question.", model="auto", **agent_kwargs
        )
        return await agents.Runner.run(agent, prompt, max_turns=MAX_TURNS)


async def _openai_agents_loop(stack: Stack, key: str, responses: bool = False) -> LoopRun:
    recorder, weather = Recorder(), Weather()
    runner = _openai_agents_default_run if responses else _openai_agents_run
    result = await runner(
        stack, key, recorder, {"tools": [agents.function_tool(weather.get_weather)]}, LOOP_PROMPT
    )
    final_calls = [item for item in result.raw_responses[-1].output if item.type == "function_call"]
    return LoopRun(
        result.final_output,
        len(final_calls),
        len(result.raw_responses),
        len(weather.calls),
        recorder.exchanges,
    )


async def _openai_agents_object(stack: Stack, key: str, responses: bool = False) -> ObjectRun:
    recorder = Recorder()
    runner = _openai_agents_default_run if responses else _openai_agents_run
    result = await runner(stack, key, recorder, {"output_type": CityReport}, OBJECT_PROMPT)
    return ObjectRun(result.final_output, recorder.exchanges)


# ---- LangChain ----------------------------------------------------------------------------
def _chat_openai(stack: Stack, key: str, http: httpx2.Client) -> ChatOpenAI:
    return ChatOpenAI(
        model="auto", base_url=stack.base_url, api_key=SecretStr(key), http_client=http
    )


def _langchain_loop(stack: Stack, key: str) -> LoopRun:
    recorder, weather = Recorder(), Weather()
    tool = StructuredTool.from_function(weather.get_weather)
    messages: list[BaseMessage] = [HumanMessage(LOOP_PROMPT)]
    with recorder.sync_client() as http:
        llm = _chat_openai(stack, key, http).bind_tools([tool])
        for _ in range(MAX_STEPS):  # invoke, run the tools asked for, append their results
            reply = llm.invoke(messages)
            assert isinstance(reply, AIMessage)
            messages.append(reply)
            if not reply.tool_calls:
                break
            messages += [tool.invoke(call) for call in reply.tool_calls]
    steps = sum(isinstance(m, AIMessage) for m in messages)
    return LoopRun(reply.text, len(reply.tool_calls), steps, len(weather.calls), recorder.exchanges)


def _langchain_object(stack: Stack, key: str) -> ObjectRun:
    recorder = Recorder()
    with recorder.sync_client() as http:
        parsed = (
            _chat_openai(stack, key, http).with_structured_output(CityReport).invoke(OBJECT_PROMPT)
        )
    return ObjectRun(parsed, recorder.exchanges)


# ---- the openai Python SDK ----------------------------------------------------------------
def _openai_loop(stack: Stack, key: str) -> LoopRun:
    recorder, weather = Recorder(), Weather()
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": LOOP_PROMPT}]
    steps = 0
    with OpenAI(base_url=stack.base_url, api_key=key, http_client=recorder.sync_client()) as client:
        for _ in range(MAX_STEPS):  # ask, run the tools asked for, append their results
            message = (
                client.chat.completions.create(
                    model="auto", messages=messages, tools=[WEATHER_TOOL]
                )
                .choices[0]
                .message
            )
            steps += 1
            calls = [c for c in message.tool_calls or [] if c.type == "function"]
            if not calls:
                break
            messages.append(
                {
                    "role": "assistant",
                    "content": message.content,
                    "tool_calls": [c.model_dump() for c in calls],
                }
            )  # type: ignore[misc]
            messages += [
                {
                    "role": "tool",
                    "tool_call_id": c.id,
                    "content": weather.get_weather(**json.loads(c.function.arguments)),
                }
                for c in calls
            ]
    return LoopRun(
        message.content,
        len(message.tool_calls or []),
        steps,
        len(weather.calls),
        recorder.exchanges,
    )


def _openai_object(stack: Stack, key: str) -> ObjectRun:
    recorder = Recorder()
    with OpenAI(base_url=stack.base_url, api_key=key, http_client=recorder.sync_client()) as client:
        res = client.chat.completions.parse(
            model="auto",
            messages=[{"role": "user", "content": OBJECT_PROMPT}],
            response_format=CityReport,
        )
    return ObjectRun(res.choices[0].message.parsed, recorder.exchanges)


# ---- Node: the Vercel AI SDK and the openai SDK's helpers ---------------------------------
def _node(script: str, scenario: str, stack: Stack, key: str, *args: str) -> dict[str, Any]:
    """Run tests/e2e/node/frameworks/`script` once; its report is its last line of stdout."""
    node_dir = install_node_clients()
    proc = run(
        ["node", f"frameworks/{script}", scenario, *args],
        node_dir,
        env=stack_env(stack, key),
        timeout=120,
    )
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def _node_loop(script: str, *args: str) -> Callable[[Stack, str], LoopRun]:
    return lambda stack, key: LoopRun.of_report(_node(script, "tools", stack, key, *args))


def _node_object(script: str, *args: str) -> Callable[[Stack, str], ObjectRun]:
    def go(stack: Stack, key: str) -> ObjectRun:
        report = _node(script, "object", stack, key, *args)
        return ObjectRun(
            CityReport.model_validate(report["parsed"]),
            [Exchange.of(e) for e in report["exchanges"]],
        )

    return go


LOOPS: dict[str, Callable[[Stack, str], LoopRun]] = {
    "pydantic-ai": lambda stack, key: asyncio.run(_pydantic_ai_loop(stack, key)),
    "openai-agents": lambda stack, key: asyncio.run(_openai_agents_loop(stack, key)),
    "openai-agents-responses": lambda stack, key: asyncio.run(
        _openai_agents_loop(stack, key, responses=True)
    ),
    "langchain": _langchain_loop,
    "openai-python": _openai_loop,
    "ai-sdk-node": _node_loop("ai_sdk.mjs"),
    "ai-sdk-node-responses": _node_loop("ai_sdk.mjs", "responses"),
    "openai-node-runtools": _node_loop("openai_runner.mjs"),
}
OBJECTS: dict[str, Callable[[Stack, str], ObjectRun]] = {
    "pydantic-ai-tool-output": lambda stack, key: asyncio.run(
        _pydantic_ai_object(stack, key, native=False)
    ),
    "pydantic-ai-native-output": lambda stack, key: asyncio.run(
        _pydantic_ai_object(stack, key, native=True)
    ),
    "openai-agents": lambda stack, key: asyncio.run(_openai_agents_object(stack, key)),
    "openai-agents-responses": lambda stack, key: asyncio.run(
        _openai_agents_object(stack, key, responses=True)
    ),
    "langchain": _langchain_object,
    "openai-python": _openai_object,
    "ai-sdk-node": _node_object("ai_sdk.mjs"),
    "ai-sdk-node-responses": _node_object("ai_sdk.mjs", "responses"),
    "openai-node-parse": _node_object("openai_runner.mjs"),
}


def _check_loop(loop: LoopRun, label: str) -> None:
    sent = ", ".join(map(str, loop.exchanges))  # what each request ended with, and its cache
    assert loop.tool_runs == 1, f"{label}: the tool ran {loop.tool_runs} times; requests: {sent}"
    assert loop.steps == len(loop.exchanges) == 2, (
        f"{label}: {loop.steps} model steps and {len(loop.exchanges)} requests instead of 2 "
        f"(a tool call, then the answer); requests: {sent}"
    )
    assert loop.final_tool_calls == 0, f"{label}: the final answer is another tool call"
    # the upstream simulator's answers to a tool result say so: not a cached earlier answer
    assert loop.text and TOOL_RESULT_MARK in loop.text, (
        f"{label}: the final answer does not answer the tool result: {loop.text!r}"
    )


def _all_hits(exchanges: list[Exchange]) -> bool:
    return bool(exchanges) and all(e.cache == "hit" for e in exchanges)


@pytest.mark.parametrize("framework", list(LOOPS))
def test_tool_loop_then_repeat_on_a_warm_cache(stack: Stack, framework: str) -> None:
    key = stack.new_tenant_key("2", name=f"loop-{framework}")
    cold = LOOPS[framework](stack, key)
    _check_loop(cold, "first run")
    wait_until_cached(stack, key, cold.exchanges)
    warm = LOOPS[framework](stack, key)
    _check_loop(warm, "repeated run")
    assert _all_hits(warm.exchanges), ", ".join(map(str, warm.exchanges))
    assert warm.text == cold.text


@pytest.mark.parametrize("framework", list(OBJECTS))
def test_structured_output_then_repeat_on_a_warm_cache(stack: Stack, framework: str) -> None:
    key = stack.new_tenant_key("2", name=f"object-{framework}")
    cold = OBJECTS[framework](stack, key)
    assert isinstance(cold.parsed, CityReport), cold.parsed
    assert len(cold.exchanges) == 1, [e.body for e in cold.exchanges]
    wait_until_cached(stack, key, cold.exchanges)
    warm = OBJECTS[framework](stack, key)
    assert isinstance(warm.parsed, CityReport), warm.parsed
    assert _all_hits(warm.exchanges), ", ".join(map(str, warm.exchanges))
    assert warm.parsed == cold.parsed
