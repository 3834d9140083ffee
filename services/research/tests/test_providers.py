"""Models lists and canary probes: fake providers (models lists through httpx.MockTransport,
probes through a fake adapter), then the upstream simulator as a real server, probed through
the edge's real adapters."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from tokaroo_cli.infra import free_port
from tokaroo_common.settings import ProviderEndpoint
from tokaroo_edge.providers.base import Target, UpstreamFailure
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest
from tokaroo_research.config import ResearchSettings
from tokaroo_research.job import RunOptions, run
from tokaroo_research.providers import list_models, probe_chat, probe_embedding

BASE = "http://fake"
NOW = datetime(2026, 11, 30, tzinfo=UTC)


class FakeProviders:
    """OpenAI at /oa/v1, Anthropic at /an, Gemini at /ge/v1beta; `hide` drops ids from the
    lists, `fail` makes a model's probes fail with a 500 (see FakeAdapter)."""

    def __init__(
        self, hide: frozenset[str] = frozenset(), fail: frozenset[str] = frozenset()
    ) -> None:
        self.hide, self.fail = set(hide), set(fail)
        self.openai = [
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-4.1-mini",
            "gpt-4.1-nano",
            "text-embedding-3-small",
        ]
        self.anthropic = ["claude-haiku-4-5", "claude-sonnet-4-6"]
        self.gemini = [
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
            "gemini-2.5-pro",
            "text-embedding-004",
        ]

    def _ids(self, ids: list[str]) -> list[str]:
        return [i for i in ids if i not in self.hide]

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The models lists (the probes go through adapters, not this transport)."""
        assert request.method == "GET", request.url
        return self._list(request, request.url.path)

    def _list(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == "/oa/v1/models":
            return httpx.Response(200, json={"data": [{"id": i} for i in self._ids(self.openai)]})
        if path == "/an/v1/models":  # two pages
            ids = self._ids(self.anthropic)
            if request.url.params.get("after_id"):
                return httpx.Response(
                    200, json={"data": [{"id": i} for i in ids[1:]], "has_more": False}
                )
            return httpx.Response(
                200, json={"data": [{"id": ids[0]}], "has_more": True, "last_id": ids[0]}
            )
        if path == "/ge/v1beta/models":
            ids = self._ids(self.gemini)
            if request.url.params.get("pageToken"):
                return httpx.Response(
                    200, json={"models": [{"name": f"models/{i}"} for i in ids[2:]]}
                )
            return httpx.Response(
                200,
                json={"models": [{"name": f"models/{i}"} for i in ids[:2]], "nextPageToken": "p2"},
            )
        return httpx.Response(404)


class FakeAdapter:
    """What an edge adapter yields (OpenAI-shaped chunks, usage last), or a 500 for the
    models in `fake.fail`; the per-dialect translation is the adapters' own tests' job."""

    def __init__(self, fake: FakeProviders) -> None:
        self.fake, self.closed = fake, False

    def _check(self, target: Target) -> None:
        if target.upstream_model in self.fake.fail:
            raise UpstreamFailure("http", status=500, retryable=True, detail="boom")

    async def complete(self, req: ChatCompletionRequest, target: Target) -> dict[str, Any]:
        raise AssertionError("probes stream")

    async def stream(
        self, req: ChatCompletionRequest, target: Target
    ) -> AsyncIterator[dict[str, Any]]:
        self._check(target)
        for piece in ("pong", "!"):
            yield {"choices": [{"index": 0, "delta": {"content": piece}}]}
        yield {"choices": [], "usage": {"completion_tokens": 2}}

    async def embed(self, req: EmbeddingRequest, target: Target) -> dict[str, Any]:
        self._check(target)
        return {"data": [{"embedding": [0.1, 0.2]}]}

    async def aclose(self) -> None:
        self.closed = True


def endpoint(name: str, url: str) -> ProviderEndpoint:
    return ProviderEndpoint(name, url, SecretStr("k"))


def fake_settings(base: str = BASE) -> ResearchSettings:
    return ResearchSettings(
        _env_file=None,
        openai_base_url=f"{base}/oa/v1",
        openai_api_key="k",
        anthropic_base_url=f"{base}/an",
        anthropic_api_key="k",
        gemini_base_url=f"{base}/ge/v1beta",
        gemini_api_key="k",
    )


async def test_lists_follow_pagination_and_probes_read_the_adapter_stream() -> None:
    fake = FakeProviders()
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as client:
        assert await list_models(client, endpoint("anthropic", f"{BASE}/an")) == frozenset(
            fake.anthropic
        )
        assert await list_models(client, endpoint("gemini", f"{BASE}/ge/v1beta")) == frozenset(
            fake.gemini
        )
    adapter = FakeAdapter(fake)
    probe = await probe_chat(adapter, "openai", "gpt-4o")
    assert probe.ok and probe.correct and probe.ttft_ms is not None
    assert (await probe_embedding(adapter, "gemini", "text-embedding-004")).ok
    assert (
        await probe_embedding(adapter, "anthropic", "x")
    ).error == "anthropic serves no embeddings"
    fake.fail.add("gpt-4o")
    assert (await probe_chat(adapter, "openai", "gpt-4o")).error == "HTTP 500"


async def test_probed_run_keeps_every_served_model() -> None:
    fake = FakeProviders()
    made: list[FakeAdapter] = []

    def adapters(e: ProviderEndpoint) -> FakeAdapter:
        made.append(FakeAdapter(fake))
        return made[-1]

    report = await run(
        RunOptions(probe=True),
        fake_settings(),
        now=NOW,
        transport=httpx.MockTransport(fake.handler),
        adapters=adapters,
    )
    assert len(made) == 3 and all(a.closed for a in made)
    assert report.ok, report.problems
    assert len(report.probes) == 12 and all(p["ok"] for p in report.probes.values())
    assert report.served["anthropic"] == ["claude-haiku-4-5", "claude-sonnet-4-6"]


async def test_unlisted_or_failing_model_is_dropped_and_the_snapshot_rejected() -> None:
    fake = FakeProviders(hide={"claude-sonnet-4-6"}, fail={"gpt-4o-mini"})
    transport = httpx.MockTransport(fake.handler)
    report = await run(RunOptions(), fake_settings(), now=NOW, transport=transport)
    assert not report.ok
    assert "required model claude-sonnet-4-6 is missing" in report.problems
    assert (
        "claude-sonnet-4-6: anthropic does not list claude-sonnet-4-6; dropped there"
        in report.notes
    )
    report = await run(
        RunOptions(probe=True),
        fake_settings(),
        now=NOW,
        transport=transport,
        adapters=lambda _e: FakeAdapter(fake),
    )
    assert "gpt-4o-mini: removed without an override" in report.problems
    assert any("canary on openai failed (HTTP 500)" in n for n in report.notes)
    assert "required model claude-sonnet-4-6 is missing" not in report.problems  # it answered


@pytest.fixture
def simulator() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tokaroo_simulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("simulator did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_probes_through_the_upstream_simulator(simulator: str) -> None:
    settings = fake_settings(simulator).model_copy(
        update={
            "openai_base_url": f"{simulator}/v1",
            "anthropic_base_url": simulator,
            "gemini_base_url": f"{simulator}/v1beta",
        }
    )
    report = await run(RunOptions(probe=True), settings, now=NOW)
    assert set(report.served) == {"openai", "anthropic", "gemini"}
    assert report.probes and all(p["ok"] and p["correct"] for p in report.probes.values()), (
        report.probes
    )
    assert report.ok, report.problems
