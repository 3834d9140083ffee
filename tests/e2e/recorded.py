"""What a client sent to /v1/chat/completions (or /v1/responses), and waiting until the
gateway's cache holds it.

The cache store happens in the background after an answer, so a test that repeats a run to
see the warm cache first replays each request it recorded until the answer is a cache hit.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import httpx2
import pytest

from tests.harness import Stack

STORE_TIMEOUT_S = 15.0
ENDPOINTS = ("/chat/completions", "/responses")


@dataclass(frozen=True)
class Exchange:
    """One chat-completion (or Responses API) request as sent (its JSON body) and the
    answer's cache header."""

    body: dict[str, Any]
    cache: str
    path: str = "/chat/completions"  # under the base URL

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Exchange:
        return cls(body=raw["body"], cache=raw["cache"], path=raw.get("path", "/chat/completions"))

    def __str__(self) -> str:
        """`after <last message's role>: cache <outcome>`, to say what went wrong in a run."""
        turns = self.body.get("messages") or self.body.get("input") or [{}]
        last = turns[-1] if isinstance(turns, list) else {"role": "user"}
        return f"after {last.get('role') or last.get('type')}: cache {self.cache}"


@dataclass
class Recorder:
    """Clients for an SDK's `http_client` option that record each chat completion (httpx2:
    what the openai SDK, and so every framework built on it, runs on)."""

    exchanges: list[Exchange] = field(default_factory=list)

    def sync_client(self) -> httpx2.Client:
        return httpx2.Client(timeout=60, event_hooks={"response": [self._note]})

    def async_client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(timeout=60, event_hooks={"response": [self._note_async]})

    def _note(self, response: httpx2.Response) -> None:
        path = response.request.url.path
        for endpoint in ENDPOINTS:
            if path.endswith(endpoint):
                self.exchanges.append(
                    Exchange(
                        json.loads(response.request.content),
                        response.headers.get("x-tokaroo-cache", ""),
                        endpoint,
                    )
                )

    async def _note_async(self, response: httpx2.Response) -> None:
        self._note(response)


def ask(
    stack: Stack, key: str, body: dict[str, Any], path: str = "/chat/completions"
) -> httpx.Response:
    resp = httpx.post(
        f"{stack.base_url}{path}", json=body, timeout=60, headers={"Authorization": f"Bearer {key}"}
    )
    assert resp.status_code == 200, resp.text
    return resp


def wait_until_cached(
    stack: Stack, key: str, exchanges: list[Exchange], timeout: float = STORE_TIMEOUT_S
) -> None:
    """Replay each recorded request until the gateway answers it from its cache (an exact
    repeat of a completed request, `auto`, cache on): then a repeated run meets a warm cache."""
    for exchange in exchanges:
        deadline = time.monotonic() + timeout
        while (
            outcome := ask(stack, key, exchange.body, exchange.path).headers["x-tokaroo-cache"]
        ) != "hit":
            if time.monotonic() > deadline:
                pytest.fail(
                    f"an exact repeat was still a cache {outcome!r} after {timeout:.0f} s:"
                    f" {json.dumps(exchange.body)[:2000]}"
                )
            time.sleep(0.1)
