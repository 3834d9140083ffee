"""Agent sessions through the running stack with the official SDKs: the second turn of a
conversation with model "auto" reads its prompt from the provider's cache, the usage shows it,
the upstream cost bills it at the cached price, and a failing model moves the session."""

from __future__ import annotations

import time

import anthropic
import httpx
import openai
from tokaroo_common.pricing import cache_prices, cost
from tokaroo_router.pool import default_pool_path, load_pool

from tests.e2e.completion_events import events_for
from tests.harness import Stack

SYSTEM = "You are a careful coding agent. Follow the repository rules. " * 300  # ~4,500 tokens
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} a file in the workspace",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
            },
        },
    }
    for name in ("Read", "Write", "Grep")
]
ASK = "Read the file /src/parser.py and tell me what it does."


def agent_turns(session: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    first: list[dict[str, object]] = [
        {"role": "system", "content": SYSTEM + session},
        {"role": "user", "content": ASK},
    ]
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "Read", "arguments": '{"path": "/src/parser.py"}'},
    }
    second = [
        *first,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "def parse(): ..."},
    ]
    return first, second


def test_second_turn_reads_the_cache_and_is_billed_at_the_cached_price(stack: Stack) -> None:
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)
    first, second = agent_turns("openai-sdk")
    one = client.chat.completions.with_raw_response.create(
        model="auto", messages=first, tools=TOOLS
    )
    two = client.chat.completions.with_raw_response.create(
        model="auto", messages=second, tools=TOOLS
    )
    u1, u2 = one.parse().usage, two.parse().usage
    assert u1 is not None and u2 is not None
    assert not (u1.prompt_tokens_details and u1.prompt_tokens_details.cached_tokens)
    assert u2.prompt_tokens_details is not None
    cached = u2.prompt_tokens_details.cached_tokens or 0
    assert cached >= 1024
    events = events_for(
        stack.layout.nats_url, [one.headers["x-request-id"], two.headers["x-request-id"]]
    )
    e1, e2 = events[one.headers["x-request-id"]], events[two.headers["x-request-id"]]
    assert e2.resolved_model == e1.resolved_model  # the session stayed where it is warm
    assert e2.cached_tokens == cached and e2.input_tokens == u2.prompt_tokens
    model = load_pool(default_pool_path()).by_id[e2.resolved_model]
    prices = cache_prices(
        e2.provider, model.input_nano, model.cached_input_nano, model.cache_write_nano
    )
    assert e2.upstream_cost_nano == cost(
        u2.prompt_tokens,
        u2.completion_tokens,
        model.input_nano,
        model.output_nano,
        cached,
        prices.read_nano_per_token,
    )
    assert e2.charged_nano <= e2.baseline_cost_nano
    rows: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + 30
    while two.headers["x-request-id"] not in rows and time.monotonic() < deadline:
        rows = {
            r["id"]: r
            for r in httpx.get(
                f"{stack.base_url}/usage",
                headers={"Authorization": f"Bearer {stack.api_key}"},
                params={"limit": 100},
            ).json()["data"]
        }
        time.sleep(0.3)
    assert rows[two.headers["x-request-id"]]["cached_tokens"] == cached  # the usage row says so


def test_streamed_second_turn_shows_cached_tokens_in_the_final_chunk(stack: Stack) -> None:
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)
    first, second = agent_turns("openai-stream")
    for messages in (first, second):
        chunks = list(
            client.chat.completions.create(
                model="auto",
                messages=messages,
                tools=TOOLS,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    usage = chunks[-1].usage
    assert usage is not None and usage.prompt_tokens_details is not None
    assert (usage.prompt_tokens_details.cached_tokens or 0) >= 1024


def test_anthropic_sdk_second_turn_reads_the_cache(stack: Stack) -> None:
    client = anthropic.Anthropic(
        base_url=stack.base_url.removesuffix("/v1"), api_key=stack.api_key, max_retries=0
    )
    tools = [
        {
            "name": "Read",
            "description": "Read a file",
            "input_schema": {
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
            },
        }
    ]
    first = [{"role": "user", "content": ASK}]
    one = client.messages.create(
        model="auto", max_tokens=256, system=SYSTEM + "anthropic", tools=tools, messages=first
    )  # type: ignore[arg-type]
    use = next(b for b in one.content if b.type == "tool_use")
    second = [
        *first,
        {"role": "assistant", "content": [b.model_dump() for b in one.content]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": use.id, "content": "def parse(): ..."}
            ],
        },
    ]
    two = client.messages.create(
        model="auto", max_tokens=256, system=SYSTEM + "anthropic", tools=tools, messages=second
    )  # type: ignore[arg-type]
    assert two.usage.cache_read_input_tokens and two.usage.cache_read_input_tokens >= 1024
    assert (
        one.usage.input_tokens + (one.usage.cache_read_input_tokens or 0)
        < two.usage.input_tokens + two.usage.cache_read_input_tokens
    )


def test_a_failing_model_moves_the_session_and_the_next_turn_succeeds(stack: Stack) -> None:
    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.api_key, max_retries=0)
    first, second = agent_turns("failover")
    one = client.chat.completions.with_raw_response.create(
        model="auto", messages=first, tools=TOOLS
    )
    e1 = events_for(stack.layout.nats_url, [one.headers["x-request-id"]])[
        one.headers["x-request-id"]
    ]
    model = load_pool(default_pool_path()).by_id[e1.resolved_model]
    upstream = next(d.upstream_model for d in model.providers if d.provider == e1.provider)
    with httpx.Client(base_url=stack.layout.simulator_url) as sim:
        sim.post(
            "/_sim/faults", json={"kind": "error-500", "model": upstream, "provider": e1.provider}
        ).raise_for_status()
        try:
            ids = []
            for _ in range(2):  # the failing turn falls back; the next one is routed away
                raw = client.chat.completions.with_raw_response.create(
                    model="auto",
                    messages=second,
                    tools=TOOLS,
                    extra_headers={"x-tokaroo-cache-control": "no-cache"},
                )
                assert (
                    raw.parse().choices[0].message.tool_calls
                    or raw.parse().choices[0].message.content
                )
                ids.append(raw.headers["x-request-id"])
                events_for(stack.layout.nats_url, ids[-1:])  # published: the router sees it
                time.sleep(0.5)
        finally:
            sim.delete("/_sim/faults").raise_for_status()
    events = events_for(stack.layout.nats_url, ids)
    assert all(
        events[i].status == "ok" and events[i].resolved_model != e1.resolved_model for i in ids
    )
    # The first failing turn fell back at the edge; the router then moved the session to the
    # model that answered, so the next turn went there at once.
    assert events[ids[0]].attempts > 1 and events[ids[1]].attempts == 1
