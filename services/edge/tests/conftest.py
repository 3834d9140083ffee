"""Fakes of what the edge's request path talks to, and an `edge` fixture that wires them.

- the internal gRPC clients (router, cache, ledger): simple classes whose async methods take
  and return the tokaroo_proto messages, and remember the requests;
- a provider whose behaviour is chosen by the upstream model name (as TensorZero's dummy
  provider does): `ok`, `flaky` (503), `bad` (400), `late` (times out), `slow` (no first
  chunk within the first-token timeout), `empty` (a stream with no chunk), `hang` (two
  chunks, then nothing), `break` (one chunk, then the upstream fails);
- an outbox that keeps what is put in it, decoded back into CompletionEvents;
- a word-counting encoder, so token counts are easy to see in the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from tokaroo_common.errors import RateLimited
from tokaroo_common.outbox import OutboxFull, OutboxItem
from tokaroo_edge import errors
from tokaroo_edge.answer_cache import AnswerCache
from tokaroo_edge.auth import Authenticator, Principal
from tokaroo_edge.completion import Completer
from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.embeddings import EmbeddingPipeline
from tokaroo_edge.holds import Holds
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.providers.base import Json, Target, UpstreamFailure
from tokaroo_edge.ratelimit import Limits
from tokaroo_edge.record import RequestRecord
from tokaroo_edge.request_id import RequestIdMiddleware
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.routes import chat, embeddings
from tokaroo_edge.routing import RemoteRouting
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest
from tokaroo_edge.state import EdgeState
from tokaroo_proto.cache.v1 import cache_pb2
from tokaroo_proto.events.v1 import events_pb2
from tokaroo_proto.ledger.v1 import ledger_pb2
from tokaroo_proto.router.v1 import router_pb2

TENANT = "0190f1e2-0000-7000-8000-000000000001"
KEY_ID = "0190f1e2-0000-7000-8000-0000000000a1"
API_KEY = "tok_test"  # the fake ledger authenticates any key as the tenant's KEY_ID
PROVIDER = "fake"
IN_NANO, OUT_NANO = 100, 300
BASE_IN_NANO, BASE_OUT_NANO = 400, 1200
FIRST_TOKEN_TIMEOUT_S = 0.2


class Clock:
    """A clock a test moves by hand (`now`, seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class WordEncoder:
    def encode(self, text: str) -> list[int]:
        return list(range(len(text.split())))


class FakeOutbox:
    def __init__(self, capacity: int = 100) -> None:
        self.capacity = capacity
        self.pending = 0
        self.items: list[OutboxItem] = []

    def put(self, item: OutboxItem) -> None:
        if self.pending >= self.capacity:
            raise OutboxFull("full")
        self.items.append(item)

    @property
    def events(self) -> list[events_pb2.CompletionEvent]:
        return [events_pb2.CompletionEvent.FromString(i.data) for i in self.items]


class FakeRouter:
    def __init__(self) -> None:
        self.decision = router_pb2.RouteDecision()
        self.requests: list[router_pb2.RouteRequest] = []

    async def Route(self, request: router_pb2.RouteRequest, **_: Any) -> router_pb2.RouteDecision:
        self.requests.append(request)
        return self.decision


class FakeCache:
    def __init__(self) -> None:
        self.lookups: list[cache_pb2.LookupRequest] = []

    async def Lookup(self, request: cache_pb2.LookupRequest, **_: Any) -> cache_pb2.LookupResponse:
        self.lookups.append(request)
        return cache_pb2.LookupResponse(hit=False, outcome="miss")

    async def Store(self, request: cache_pb2.StoreRequest, **_: Any) -> cache_pb2.StoreResponse:
        return cache_pb2.StoreResponse()


class FakeLedger:
    def __init__(self, available_nano: int = 10**12) -> None:
        self.available_nano = available_nano
        self.holds: list[ledger_pb2.HoldRequest] = []

    async def Hold(self, request: ledger_pb2.HoldRequest, **_: Any) -> ledger_pb2.HoldResponse:
        ok = request.amount_nano <= self.available_nano
        if ok:
            self.holds.append(request)
        return ledger_pb2.HoldResponse(ok=ok, available_nano=self.available_nano)

    async def Authenticate(
        self, request: ledger_pb2.AuthenticateRequest, **_: Any
    ) -> ledger_pb2.AuthenticateResponse:
        """Every key is the test key (see `API_KEY`)."""
        return ledger_pb2.AuthenticateResponse(
            ok=True,
            tenant_id=TENANT,
            key_id=KEY_ID,
            requests_per_minute=60,
            tokens_per_minute=10_000,
        )


class FakeLimiter:
    def __init__(self) -> None:
        self.exhausted = False
        self.checks: list[tuple[str, Limits, int]] = []

    async def check(self, key_id: str, limits: Limits, tokens: int) -> None:
        self.checks.append((key_id, limits, tokens))
        if self.exhausted:
            raise RateLimited("Rate limit reached.", retry_after=7)


class FakeExact:
    """The exact layer (tokaroo_common.exact_cache.ExactCache) as a dict."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], bytes] = {}

    async def get(self, tenant_id: str, request_key: str) -> bytes | None:
        return self.entries.get((tenant_id, request_key))

    async def put(self, tenant_id: str, request_key: str, body: bytes, ttl_s: int) -> bool:
        self.entries[(tenant_id, request_key)] = body
        return True


def with_exact(edge: Edge) -> FakeExact:
    """Give the edge an exact layer of its own, as one with Valkey has."""
    exact = FakeExact()
    edge.state.completer.answers = AnswerCache(edge.cache, exact, ttl_s=60)  # type: ignore[arg-type]
    return exact


def _fail_for(model: str) -> UpstreamFailure | None:
    if model.startswith("flaky"):
        return UpstreamFailure("http", status=503, retryable=True)
    if model.startswith("bad"):
        return UpstreamFailure("http", status=400, retryable=False)
    if model.startswith("late"):
        return UpstreamFailure("timeout", retryable=True)
    return None


def _chunk(content: str | None = None, finish: str | None = None) -> Json:
    delta: Json = {} if content is None else {"content": content}
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


@dataclass
class FakeProvider:
    calls: list[str] = field(default_factory=list)  # upstream models, in order
    streams_started: list[str] = field(default_factory=list)
    streams_closed: list[str] = field(default_factory=list)

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        self.calls.append(target.upstream_model)
        failure = _fail_for(target.upstream_model)
        if failure is not None:
            raise failure
        return {
            "id": "up-1",
            "object": "chat.completion",
            "model": target.upstream_model,
            "system_fingerprint": "fp_upstream",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "Hello world"},
                }
            ],
            "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
        }

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        model = target.upstream_model
        self.calls.append(model)
        self.streams_started.append(model)
        try:
            failure = _fail_for(model)
            if failure is not None:
                raise failure
            if model.startswith("slow"):
                await asyncio.Event().wait()
            if model.startswith("empty"):
                return
            yield {
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": ""},
                        "finish_reason": None,
                    }
                ]
            }
            if model.startswith("mute"):  # a role, then silence
                await asyncio.Event().wait()
            if model.startswith("drop"):  # a role, then the connection breaks
                raise UpstreamFailure("connect", retryable=True)
            yield _chunk("Hello")
            if model.startswith("break"):
                raise UpstreamFailure("connect", retryable=True)
            yield _chunk(" world")
            if model.startswith("hang"):
                await asyncio.Event().wait()
            yield _chunk(finish="stop")
            yield {
                "choices": [],
                "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
            }
        finally:
            self.streams_closed.append(model)

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        self.calls.append(target.upstream_model)
        failure = _fail_for(target.upstream_model)
        if failure is not None:
            raise failure
        texts = [str(t) for t in req.input] if isinstance(req.input, list) else [req.input]
        words = sum(len(t.split()) for t in texts)
        return {
            "object": "list",
            "usage": {"prompt_tokens": words, "total_tokens": words},
            "data": [
                {"object": "embedding", "index": i, "embedding": [0.5, -0.25]}
                for i, _ in enumerate(texts)
            ],
        }

    async def aclose(self) -> None:
        return None


def candidate(model: str, provider: str = PROVIDER) -> router_pb2.Candidate:
    return router_pb2.Candidate(
        model_id=f"id-{model}",
        provider=provider,
        upstream_model=model,
        input_nano_per_token=IN_NANO,
        output_nano_per_token=OUT_NANO,
    )


def decision(*models: str) -> router_pb2.RouteDecision:
    return router_pb2.RouteDecision(
        tier="standard",
        candidates=[candidate(m) for m in models],
        baseline_input_nano_per_token=BASE_IN_NANO,
        baseline_output_nano_per_token=BASE_OUT_NANO,
        cache_policy="exact",
        pool_version="pool-1",
    )


async def drive(
    app: FastAPI,
    path: str,
    body: bytes,
    *,
    disconnect_after: int | None = None,
    block_headers: bool = False,
) -> list[dict[str, Any]]:
    """One request through the ASGI app as a server runs it (see `Edge.drive`)."""
    sent: list[dict[str, Any]] = []
    gone = asyncio.Event()
    body_sent = False
    if disconnect_after == 0:
        gone.set()

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and block_headers:
            gone.set()
            await asyncio.Event().wait()  # the client is gone: this send never completes
        sent.append(message)
        bodies = sum(1 for m in sent if m["type"] == "http.response.body" and m.get("body"))
        if disconnect_after is not None and bodies >= disconnect_after:
            gone.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("edge", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {API_KEY}".encode()),
        ],
    }
    await app(scope, receive, send)
    return sent


@dataclass
class Edge:
    """The edge's request path over fakes: the real routes, pipelines and records."""

    outbox: FakeOutbox
    router: FakeRouter
    cache: FakeCache
    ledger: FakeLedger
    provider: FakeProvider
    limiter: FakeLimiter
    state: EdgeState
    app: FastAPI
    principal: Principal

    def route(self, *models: str) -> None:
        self.router.decision = decision(*models)

    candidate = staticmethod(candidate)
    decision = staticmethod(decision)

    @property
    def events(self) -> list[events_pb2.CompletionEvent]:
        return self.outbox.events

    def only_event(self) -> events_pb2.CompletionEvent:
        events = self.events
        assert len(events) == 1, events
        return events[0]

    def record(
        self, request_id: str = "req-1", endpoint: str = "chat.completions"
    ) -> RequestRecord:
        return self.state.open_record(request_id, self.principal, endpoint)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://edge",
            headers={"authorization": f"Bearer {API_KEY}"},
        )

    async def drive(
        self,
        path: str,
        body: Json,
        *,
        disconnect_after: int | None = None,
        block_headers: bool = False,
    ) -> list[bytes]:
        """Run one request through the ASGI app as a server would, with a client that
        leaves: after `disconnect_after` body messages, or (`block_headers`) while the
        response headers are being sent, so the body is never iterated. Returns the bodies
        sent."""
        sent = await drive(
            self.app,
            path,
            orjson.dumps(body),
            disconnect_after=disconnect_after,
            block_headers=block_headers,
        )
        return [m["body"] for m in sent if m["type"] == "http.response.body" and m.get("body")]


@pytest.fixture
def edge() -> Edge:
    outbox, router, cache, ledger = FakeOutbox(), FakeRouter(), FakeCache(), FakeLedger()
    provider, limiter = FakeProvider(), FakeLimiter()
    clients = InternalClients(router, cache, ledger, ())
    routing = RemoteRouting(router)
    encoder = WordEncoder()
    completer = Completer(
        providers={PROVIDER: provider},
        encoder=encoder,
        first_token_timeout_s=FIRST_TOKEN_TIMEOUT_S,
        answers=AnswerCache(cache, None, ttl_s=60),
    )
    state = EdgeState(
        settings=EdgeSettings(),
        clients=clients,
        auth=Authenticator(ledger, 1.0),
        completer=completer,
        outbox=outbox,
        limiter=limiter,
        holds=Holds(None, ledger),
        routing=routing,
        embeddings=EmbeddingPipeline(
            routing, {PROVIDER: provider}, encoder, backlog=outbox, breakers=completer.breakers
        ),
    )
    principal = Principal(
        tenant_id=TENANT, key_id=KEY_ID, requests_per_minute=60, tokens_per_minute=10_000
    )
    app = FastAPI(default_response_class=JsonResponse)
    errors.install(app)
    app.include_router(chat.router)
    app.include_router(embeddings.router)
    app.add_middleware(RequestIdMiddleware)
    app.state.edge = state
    edge = Edge(outbox, router, cache, ledger, provider, limiter, state, app, principal)
    edge.route("ok")
    return edge
