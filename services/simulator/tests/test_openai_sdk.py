"""The official OpenAI SDK against a real simulator process (uvicorn, uvloop, httptools)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

Q = [{"role": "user", "content": "What is 2+2?"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = Path(tmp_path_factory.mktemp("sim")) / "simulator.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tokaroo_simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--latency-ms",
                "0",
                "--timeout-s",
                "30",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"simulator did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture
def client(base_url: str) -> Iterator[OpenAI]:
    with OpenAI(base_url=f"{base_url}/v1", api_key="sk-sim", max_retries=0) as c:
        yield c


def test_completion(client: OpenAI) -> None:
    res = client.chat.completions.create(model="gpt-4o-mini", messages=Q)  # type: ignore[arg-type]
    assert res.choices[0].message.content is not None
    assert res.choices[0].message.content.startswith("Simulated answer ")
    assert res.choices[0].finish_reason == "stop" and res.model == "gpt-4o-mini"
    assert res.usage is not None and res.usage.prompt_tokens == 3


def test_stream_with_include_usage(client: OpenAI) -> None:
    full = client.chat.completions.create(model="gpt-4o-mini", messages=Q)  # type: ignore[arg-type]
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=Q,
        stream=True,  # type: ignore[arg-type]
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == full.choices[0].message.content
    assert chunks[-1].choices == [] and chunks[-1].usage == full.usage
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_tool_call_plain_and_with_the_stream_helper(client: OpenAI) -> None:
    res = client.chat.completions.create(
        model="gpt-4o",
        messages=Q,  # type: ignore[arg-type]
        tools=[WEATHER],
    )  # type: ignore[list-item]
    choice = res.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.function.name == "get_weather"
    args = json.loads(call.function.arguments)
    assert isinstance(args["city"], str) and args["unit"] in ("c", "f")
    with client.chat.completions.stream(
        model="gpt-4o",
        messages=Q,  # type: ignore[arg-type]
        tools=[WEATHER],
    ) as stream:  # type: ignore[list-item]
        final = stream.get_final_completion()
    streamed = final.choices[0].message.tool_calls
    assert streamed and streamed[0].function.arguments == call.function.arguments
    assert streamed[0].id == call.id


def test_embeddings_float_and_base64(client: OpenAI) -> None:
    as_float = client.embeddings.create(
        model="text-embedding-3-small", input=["hello", "bye"], encoding_format="float"
    )
    assert [d.index for d in as_float.data] == [0, 1]
    assert len(as_float.data[0].embedding) == 1536
    decoded = client.embeddings.create(model="text-embedding-3-small", input=["hello", "bye"])
    assert decoded.data[0].embedding == as_float.data[0].embedding  # the SDK asks for base64
    raw = client.embeddings.create(
        model="text-embedding-3-small", input="hello", encoding_format="base64"
    )
    assert isinstance(raw.data[0].embedding, str)


def test_models(client: OpenAI) -> None:
    assert "gpt-4o-mini" in {m.id for m in client.models.list()}


def test_errors_and_dropped_connections(client: OpenAI, base_url: str) -> None:
    with pytest.raises(openai.RateLimitError) as rate:
        client.chat.completions.create(model="x-error-429", messages=Q)  # type: ignore[arg-type]
    assert rate.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="x-error-503", messages=Q)  # type: ignore[arg-type]
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(
            model="x-connect-reset",  # type: ignore[arg-type]
            messages=Q,
        )
    received = []
    with pytest.raises((httpx.HTTPError, openai.APIError)):
        for chunk in client.chat.completions.create(
            model="x-break-midstream", messages=Q, stream=True
        ):  # type: ignore[arg-type]
            received.append(chunk)
    whole = list(client.chat.completions.create(model="gpt-4o-mini", messages=Q, stream=True))
    assert 0 < len(received) < len(whole)  # broken part-way: some text, not all of it
    assert any(c.choices and c.choices[0].delta.content for c in received)
    with pytest.raises(openai.APITimeoutError):
        client.with_options(timeout=0.3).chat.completions.create(model="x-timeout", messages=Q)  # type: ignore[arg-type]
    stats = httpx.get(f"{base_url}/_sim/stats").json()["requests"]["openai"]
    assert stats["x-break-midstream"] == {"break-midstream": 1}
    assert stats["x-timeout"] == {"timeout": 1}


def test_runtime_fault_through_the_admin_api(client: OpenAI, base_url: str) -> None:
    httpx.post(
        f"{base_url}/_sim/faults",
        json={"model": "gpt-4o-mini", "provider": "openai", "kind": "error-500", "count": 1},
    ).raise_for_status()
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o-mini", messages=Q)  # type: ignore[arg-type]
    assert (
        client.chat.completions.create(
            model="gpt-4o-mini",  # type: ignore[arg-type]
            messages=Q,
        )
        .choices[0]
        .message.content
    )
    httpx.post(f"{base_url}/_sim/reset").raise_for_status()
