"""Models lists and canary probes: fake providers through httpx.MockTransport, then the
upstream simulator as a real server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from tokaroo_cli.infra import free_port
from tokaroo_research.config import ResearchSettings
from tokaroo_research.job import RunOptions, run
from tokaroo_research.providers import ProviderSpec, list_models, probe_chat, probe_embedding

BASE = "http://fake"
NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _sse(events: list[dict[str, object]]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


class FakeProviders:
    """OpenAI at /oa/v1, Anthropic at /an, Gemini at /ge/v1beta; `hide` drops ids from the
    lists, `fail` makes a model's calls answer 500."""

    def __init__(self, hide: frozenset[str] = frozenset(),
                 fail: frozenset[str] = frozenset()) -> None:
        self.hide, self.fail = set(hide), set(fail)
        self.openai = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
                       "text-embedding-3-small"]
        self.anthropic = ["claude-haiku-4-5", "claude-sonnet-4-6"]
        self.gemini = ["gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro",
                       "text-embedding-004"]

    def _ids(self, ids: list[str]) -> list[str]:
        return [i for i in ids if i not in self.hide]

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET":
            return self._list(request, path)
        body = json.loads(request.content)
        model = body.get("model") or path.rsplit("/", 1)[-1].split(":")[0]
        if model in self.fail:
            return httpx.Response(500, json={"error": {"message": "boom"}})
        if path.endswith("/embeddings"):
            return httpx.Response(200, json={"data": [{"embedding": [0.1, 0.2]}]})
        if path.endswith(":embedContent"):
            return httpx.Response(200, json={"embedding": {"values": [0.1, 0.2]}})
        if path == "/an/v1/messages":
            events = [{"type": "content_block_delta", "delta": {"type": "text_delta",
                                                                "text": "pong"}},
                      {"type": "content_block_delta", "delta": {"type": "text_delta",
                                                                "text": "!"}},
                      {"type": "message_delta", "usage": {"output_tokens": 2}}]
        elif path.startswith("/ge/"):
            events = [{"candidates": [{"content": {"parts": [{"text": "pong"}]}}]},
                      {"candidates": [{"content": {"parts": [{"text": "!"}]}}],
                       "usageMetadata": {"candidatesTokenCount": 2}}]
        else:
            events = [{"choices": [{"delta": {"content": "pong"}}]},
                      {"choices": [{"delta": {"content": "!"}}]},
                      {"choices": [], "usage": {"completion_tokens": 2}}]
        return httpx.Response(200, content=_sse(events),
                              headers={"content-type": "text/event-stream"})

    def _list(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == "/oa/v1/models":
            return httpx.Response(200, json={"data": [{"id": i} for i in self._ids(self.openai)]})
        if path == "/an/v1/models":  # two pages
            ids = self._ids(self.anthropic)
            if request.url.params.get("after_id"):
                return httpx.Response(200, json={"data": [{"id": i} for i in ids[1:]],
                                                  "has_more": False})
            return httpx.Response(200, json={"data": [{"id": ids[0]}], "has_more": True,
                                              "last_id": ids[0]})
        if path == "/ge/v1beta/models":
            ids = self._ids(self.gemini)
            if request.url.params.get("pageToken"):
                return httpx.Response(200, json={"models": [{"name": f"models/{i}"}
                                                            for i in ids[2:]]})
            return httpx.Response(200, json={"models": [{"name": f"models/{i}"} for i in ids[:2]],
                                              "nextPageToken": "p2"})
        return httpx.Response(404)


def fake_settings(base: str = BASE) -> ResearchSettings:
    return ResearchSettings(
        _env_file=None, openai_base_url=f"{base}/oa/v1", openai_api_key="k",
        anthropic_base_url=f"{base}/an", anthropic_api_key="k",
        gemini_base_url=f"{base}/ge/v1beta", gemini_api_key="k")


async def test_lists_follow_pagination_and_probes_parse_each_dialect() -> None:
    fake = FakeProviders()
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as client:
        an = ProviderSpec("anthropic", f"{BASE}/an", "k")
        ge = ProviderSpec("gemini", f"{BASE}/ge/v1beta", "k")
        oa = ProviderSpec("openai", f"{BASE}/oa/v1", "k")
        assert await list_models(client, an) == frozenset(fake.anthropic)
        assert await list_models(client, ge) == frozenset(fake.gemini)
        for spec, model in ((oa, "gpt-4o"), (an, "claude-sonnet-4-6"),
                            (ge, "gemini-2.5-flash")):
            probe = await probe_chat(client, spec, model)
            assert probe.ok and probe.correct and probe.ttft_ms is not None, spec.name
        assert (await probe_embedding(client, ge, "text-embedding-004")).ok
        fake.fail.add("gpt-4o")
        assert (await probe_chat(client, oa, "gpt-4o")).error == "HTTP 500"


async def test_probed_run_keeps_every_served_model() -> None:
    fake = FakeProviders()
    report = await run(RunOptions(probe=True), fake_settings(), now=NOW,
                       transport=httpx.MockTransport(fake.handler))
    assert report.ok, report.problems
    assert len(report.probes) == 12 and all(p["ok"] for p in report.probes.values())
    assert report.served["anthropic"] == ["claude-haiku-4-5", "claude-sonnet-4-6"]


async def test_unlisted_or_failing_model_is_dropped_and_the_snapshot_rejected() -> None:
    fake = FakeProviders(hide={"claude-sonnet-4-6"}, fail={"gpt-4o-mini"})
    transport = httpx.MockTransport(fake.handler)
    report = await run(RunOptions(), fake_settings(), now=NOW, transport=transport)
    assert not report.ok
    assert "required model claude-sonnet-4-6 is missing" in report.problems
    assert "claude-sonnet-4-6: anthropic does not list claude-sonnet-4-6; dropped there" \
        in report.notes
    report = await run(RunOptions(probe=True), fake_settings(), now=NOW, transport=transport)
    assert "gpt-4o-mini: removed without an override" in report.problems
    assert any("canary on openai failed (HTTP 500)" in n for n in report.notes)
    assert "required model claude-sonnet-4-6 is missing" not in report.problems  # it answered


@pytest.fixture
def simulator() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tokaroo_simulator", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    settings = fake_settings(simulator).model_copy(update={
        "openai_base_url": f"{simulator}/v1", "anthropic_base_url": simulator,
        "gemini_base_url": f"{simulator}/v1beta"})
    report = await run(RunOptions(probe=True), settings, now=NOW)
    assert set(report.served) == {"openai", "anthropic", "gemini"}
    assert report.probes and all(p["ok"] and p["correct"] for p in report.probes.values()), \
        report.probes
    assert report.ok, report.problems
