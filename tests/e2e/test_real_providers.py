"""`tokaroo up` (what `make run` runs) on a real upstream configured in `.env`.

A second, separately started OpenAI-compatible server (the simulator in OpenAI-only mode)
plays the real provider. With only `OPENAI_API_KEY` and `OPENAI_BASE_URL` in `.env`, OpenAI
traffic goes to it and the stack's own simulator serves the other providers only; with
`TOKAROO_SIMULATOR=off` as well, nothing but that server is live, and nothing falls back to a
provider that is not configured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from tokaroo_cli.infra.ports import free_port

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 240
HELLO = [{"role": "user", "content": "Say hello."}]


def fresh(text: str) -> list[dict[str, str]]:
    """A prompt no earlier request asked (so no cache answers it)."""
    return [{"role": "user", "content": f"{text} ({time.monotonic_ns()})"}]


def _machine_env() -> dict[str, str]:
    """This process's environment without any provider or Tokaroo variable of the machine."""
    drop = ("OPENAI_", "ANTHROPIC_", "GEMINI_", "LOCAL_AI_", "LOCAL_DEFAULT_MODEL", "TOKAROO_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@contextmanager
def openai_only_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tokaroo_simulator", "--port", str(port), "--providers", "openai"],
        env=_machine_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Up:
    proc: subprocess.Popen[str]
    simulator_url: str
    output: list[str] = field(default_factory=list)
    base_url: str = ""
    api_key: str = ""

    def text(self) -> str:
        return "".join(self.output)

    def live_providers(self) -> dict[str, str]:
        """`name -> where` from the `live providers:` block `tokaroo up` prints."""
        lines = self.text().splitlines()
        start = next(i for i, line in enumerate(lines) if "live providers:" in line)
        out = {}
        for line in lines[start + 1 :]:
            parts = line.removeprefix("[tokaroo]").split()
            if len(parts) != 3 or parts[1] != "->":
                break
            out[parts[0]] = parts[2]
        return out


@contextmanager
def tokaroo_up(workdir: Path, dotenv: str | None) -> Iterator[Up]:
    """`tokaroo up` in `workdir`, whose `.env` is `dotenv` (None: no `.env`); ports and home
    are given in the environment (free ports, a temporary home), so only `.env` configures
    the providers."""
    if dotenv is not None:
        (workdir / ".env").write_text(dotenv)
    ports = {
        name: str(free_port())
        for name in (
            "PORT",
            "NATS_PORT",
            "NATS_MONITOR_PORT",
            "VALKEY_PORT",
            "POSTGRES_PORT",
            "SIMULATOR_PORT",
            "ROUTER_GRPC_PORT",
            "CACHE_GRPC_PORT",
            "LEDGER_GRPC_PORT",
            "ANALYTICS_GRPC_PORT",
        )
    }
    env = {
        **_machine_env(),
        **{f"TOKAROO_{k}": v for k, v in ports.items()},
        "TOKAROO_HOME": str(workdir / "home"),
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tokaroo_cli", "up"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    up = Up(proc, f"http://127.0.0.1:{ports['SIMULATOR_PORT']}")
    assert proc.stdout is not None
    reader = threading.Thread(
        target=lambda: up.output.extend(iter(proc.stdout.readline, "")), daemon=True
    )
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ("API key  :" in up.text() and "(saved in" in up.text()):
            assert proc.poll() is None, f"tokaroo up exited:\n{up.text()[-4000:]}"
            assert time.monotonic() < deadline, f"not ready:\n{up.text()[-4000:]}"
            time.sleep(0.2)
        for line in up.text().splitlines():
            if "base URL :" in line:
                up.base_url = line.split("base URL :")[1].strip()
            if "API key  :" in line:
                up.api_key = line.split("API key  :")[1].strip()
        yield up
    finally:
        proc.send_signal(signal.SIGTERM)  # it stops every process it started
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            pass
        with_leftovers = proc.poll() is None
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of its process group
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
        reader.join(timeout=5)
        assert not with_leftovers, f"tokaroo up did not stop:\n{up.text()[-2000:]}"


def stats(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/_sim/stats", timeout=5).json()["requests"]
    return body


def reset(url: str) -> None:
    httpx.post(f"{url}/_sim/reset", timeout=5).raise_for_status()


def test_openai_key_in_dotenv_sends_openai_there_and_the_rest_to_the_simulator(
    tmp_path: Path,
) -> None:
    with (
        openai_only_server() as upstream,
        tokaroo_up(tmp_path, f"OPENAI_API_KEY=sk-test\nOPENAI_BASE_URL={upstream}/v1\n") as up,
    ):
        assert up.live_providers() == {
            "openai": f"{upstream}/v1",
            "anthropic": "simulator",
            "gemini": "simulator",
        }
        # The stack's simulator serves only the providers without a key.
        assert httpx.post(f"{up.simulator_url}/v1/chat/completions", json={}).status_code == 404
        reset(upstream)
        reset(up.simulator_url)
        client = openai.OpenAI(base_url=up.base_url, api_key=up.api_key, max_retries=0)
        for model in ("gpt-4.1", "claude-sonnet-4-6", "gemini-2.5-flash", "auto", "fast"):
            answer = client.chat.completions.create(model=model, messages=fresh(model))
            assert answer.model == model and answer.choices[0].message.content
        vectors = client.embeddings.create(model="text-embedding-3-small", input="hello")
        assert vectors.data[0].embedding
        real, simulated = stats(upstream), stats(up.simulator_url)
        assert set(real) == {"openai"}, real
        assert {"gpt-4.1", "text-embedding-3-small"} <= set(real["openai"])
        assert "openai" not in simulated, simulated
        assert set(simulated) == {"anthropic", "gemini"}, simulated


def test_simulator_off_serves_only_the_configured_provider_and_never_falls_back(
    tmp_path: Path,
) -> None:
    with (
        openai_only_server() as upstream,
        tokaroo_up(
            tmp_path,
            f"OPENAI_API_KEY=sk-test\nOPENAI_BASE_URL={upstream}/v1\nTOKAROO_SIMULATOR=off\n",
        ) as up,
    ):
        assert up.live_providers() == {"openai": f"{upstream}/v1"}
        with pytest.raises(httpx.ConnectError):  # no simulator was started
            httpx.get(f"{up.simulator_url}/healthz", timeout=2)
        client = openai.OpenAI(base_url=up.base_url, api_key=up.api_key, max_retries=0)
        listed = {m.id for m in client.models.list()}
        assert "gpt-4.1" in listed
        assert not {m for m in listed if m.startswith(("claude", "gemini"))}, listed
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="claude-sonnet-4-6", messages=HELLO)
        reset(upstream)
        for mode in ("auto", "fast", "max"):
            answer = client.chat.completions.create(model=mode, messages=fresh(mode))
            assert answer.model == mode
        assert set(stats(upstream)) == {"openai"}
        # The only live provider fails: the request fails, with nothing else to fall back to.
        httpx.post(
            f"{upstream}/_sim/faults", json={"kind": "error-503"}, timeout=5
        ).raise_for_status()
        with pytest.raises(openai.APIStatusError) as failed:
            client.chat.completions.create(model="auto", messages=fresh("Fails upstream."))
        assert failed.value.status_code >= 500
        message = str(failed.value.message).lower()
        assert "openai" not in message and "simulator" not in message


def test_no_dotenv_every_provider_on_the_simulator(tmp_path: Path) -> None:
    with tokaroo_up(tmp_path, None) as up:
        assert up.live_providers() == {
            "openai": "simulator",
            "anthropic": "simulator",
            "gemini": "simulator",
        }
        assert "research job published a new model pool" in up.text()
        reset(up.simulator_url)
        client = openai.OpenAI(base_url=up.base_url, api_key=up.api_key, max_retries=0)
        for model in ("gpt-4.1", "claude-sonnet-4-6", "gemini-2.5-flash"):
            assert client.chat.completions.create(model=model, messages=fresh(model)).model == model
        assert set(stats(up.simulator_url)) == {"openai", "anthropic", "gemini"}
