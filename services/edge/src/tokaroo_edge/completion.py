"""The chat-completion pipeline after admission: cache hit, or attempts across candidates
with fallback before the first token, pricing, the event, and the cache store."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from tokaroo_common.errors import (
    InvalidRequest,
    TokarooError,
    UpstreamError,
    UpstreamTimeout,
)
from tokaroo_common.outbox import Outbox
from tokaroo_proto.cache.v1 import cache_pb2
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.admission import Admission
from tokaroo_edge.billing import Bill, bill
from tokaroo_edge.breaker import Breakers
from tokaroo_edge.events import EventDraft, EventObserver, emit
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.providers.base import ChatProvider, Json, Target, UpstreamFailure
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.shaping import (
    StreamAggregate,
    read_usage,
    replay_chunks,
    shape_chunk,
    shape_completion,
    usage_chunk,
    usage_with_cost,
)
from tokaroo_edge.tokens import Encoder, count_text_tokens

log = logging.getLogger(__name__)


@dataclass
class Pipeline:
    clients: InternalClients
    providers: Mapping[str, ChatProvider]
    encoder: Encoder
    outbox: Outbox
    first_token_timeout_s: float
    cache_ttl_s: int
    breakers: Breakers = field(default_factory=Breakers)
    metrics: EventObserver | None = None
    _background: set[asyncio.Task[Any]] = field(default_factory=set)

    # ---- shared pieces -------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _store(self, draft: EventDraft, adm: Admission, completion: Json) -> None:
        if adm.policy == "none":
            return
        body = orjson.dumps(completion)
        self._spawn(self._store_call(draft.tenant_id, adm, body, draft.model_requested))

    async def _store_call(self, tenant_id: str, adm: Admission, body: bytes, model: str) -> None:
        try:
            await self.clients.cache.Store(cache_pb2.StoreRequest(
                tenant_id=tenant_id, exact_key=adm.cache_key, policy=adm.policy,
                semantic_text=adm.semantic_text, model=model, response_json=body,
                ttl_seconds=self.cache_ttl_s), timeout=2)
        except Exception as exc:  # noqa: BLE001 - a failed store only costs a future miss
            log.warning("cache store failed", extra={"error": type(exc).__name__})

    def _finish(self, draft: EventDraft, adm: Admission, cand: router_pb2.Candidate | None,
                prompt: int, completion: int, cached: int) -> Bill:
        b = bill(mode=draft.model_requested, decision=adm.decision, candidate=cand,
                 prompt=prompt, completion=completion, cached=cached,
                 cache_outcome=draft.cache_outcome)
        draft.input_tokens, draft.output_tokens, draft.cached_tokens = prompt, completion, cached
        draft.upstream_cost_nano, draft.baseline_cost_nano = b.upstream_nano, b.baseline_nano
        draft.charged_nano = b.charged_nano
        if cand is not None:
            draft.resolved_model, draft.provider = cand.model_id, cand.provider
        emit(self.outbox, draft, self.metrics)
        return b

    def _fail(self, draft: EventDraft, exc: TokarooError) -> None:
        draft.status, draft.error_code = "error", exc.code
        emit(self.outbox, draft, self.metrics)

    def _candidates(self, adm: Admission) -> list[router_pb2.Candidate]:
        return self.breakers.order(list(adm.decision.candidates),
                                   lambda c: (c.provider, c.upstream_model))

    def _record(self, cand: router_pb2.Candidate, failure: UpstreamFailure) -> None:
        if failure.retryable:
            self.breakers.failure(cand.provider, cand.upstream_model)

    def _provider(self, cand: router_pb2.Candidate) -> ChatProvider | None:
        return self.providers.get(cand.provider)

    @staticmethod
    def _to_error(failure: UpstreamFailure | None) -> TokarooError:
        if failure is not None and failure.kind == "timeout":
            return UpstreamTimeout("The model did not answer in time. Please retry.")
        return UpstreamError("Every route for this request failed. Please retry.")

    @staticmethod
    def _client_error(failure: UpstreamFailure) -> TokarooError:
        return InvalidRequest("The request was rejected upstream as invalid. Check the "
                              "parameters (messages, tools, response_format, limits).")

    # ---- non-streaming -------------------------------------------------------------------
    async def complete(self, req: ChatCompletionRequest, adm: Admission,
                       draft: EventDraft) -> tuple[Json, Bill]:
        draft.tier = adm.decision.tier
        created = int(time.time())
        if adm.lookup.hit:
            return self._serve_hit(req, adm, draft, created)
        last: UpstreamFailure | None = None
        for cand in self._candidates(adm):
            provider = self._provider(cand)
            if provider is None:
                continue
            draft.attempts += 1
            try:
                body = await provider.complete(req, Target(cand.provider, cand.upstream_model))
                self.breakers.success(cand.provider, cand.upstream_model)
            except UpstreamFailure as failure:
                last = failure
                self._record(cand, failure)
                if not failure.retryable:
                    err = self._client_error(failure)
                    self._fail(draft, err)
                    raise err from failure
                continue
            usage = read_usage(body.get("usage"))
            if usage is None:
                usage = (adm.prompt_tokens, count_text_tokens(
                    self.encoder, _completion_text(body)), 0)
            b = self._finish(draft, adm, cand, *usage)
            out = shape_completion(body, request_id=draft.request_id, model=req.model,
                                   created=created)
            out["usage"] = usage_with_cost(usage[0], usage[1], usage[2], b.charged_nano)
            self._store(draft, adm, out)
            return out, b
        err = self._to_error(last)
        self._fail(draft, err)
        raise err

    def _serve_hit(self, req: ChatCompletionRequest, adm: Admission, draft: EventDraft,
                   created: int) -> tuple[Json, Bill]:
        stored = orjson.loads(adm.lookup.response_json)
        draft.cache_outcome = adm.lookup.outcome or "exact"
        prompt, completion, _ = read_usage(stored.get("usage")) or (adm.prompt_tokens, 0, 0)
        b = self._finish(draft, adm, None, prompt, completion, 0)
        out = shape_completion(stored, request_id=draft.request_id, model=req.model,
                               created=created)
        out["usage"] = usage_with_cost(prompt, completion, 0, b.charged_nano)
        return out, b

    # ---- streaming -----------------------------------------------------------------------
    async def open_stream(self, req: ChatCompletionRequest, adm: Admission,
                          draft: EventDraft) -> AsyncIterator[bytes]:
        """Find a candidate that produces a first chunk (fallback happens here, invisibly);
        then return the SSE byte stream. Errors before the first token raise normally."""
        draft.tier = adm.decision.tier
        created = int(time.time())
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        if adm.lookup.hit:
            return self._replay(req, adm, draft, created, include_usage)
        last: UpstreamFailure | None = None
        for cand in self._candidates(adm):
            provider = self._provider(cand)
            if provider is None:
                continue
            draft.attempts += 1
            upstream = provider.stream(req, Target(cand.provider, cand.upstream_model))
            try:
                first = await asyncio.wait_for(anext(upstream), self.first_token_timeout_s)
            except (UpstreamFailure, TimeoutError, StopAsyncIteration) as exc:
                await _close(upstream)
                failure = exc if isinstance(exc, UpstreamFailure) else UpstreamFailure(
                    "timeout" if isinstance(exc, TimeoutError) else "protocol", retryable=True)
                last = failure
                self._record(cand, failure)
                if not failure.retryable:
                    err = self._client_error(failure)
                    self._fail(draft, err)
                    raise err from exc
                continue
            self.breakers.success(cand.provider, cand.upstream_model)
            draft.ttft_ms = int((time.monotonic() - draft.started) * 1000)
            return self._relay(req, adm, draft, cand, upstream, first, created, include_usage)
        err = self._to_error(last)
        self._fail(draft, err)
        raise err

    async def _relay(self, req: ChatCompletionRequest, adm: Admission, draft: EventDraft,
                     cand: router_pb2.Candidate, upstream: AsyncIterator[Json], first: Json,
                     created: int, include_usage: bool) -> AsyncIterator[bytes]:
        agg = StreamAggregate()
        rid, model = draft.request_id, req.model
        finished = False
        try:
            chunk: Json | None = first
            while chunk is not None:
                agg.add(chunk)
                if chunk.get("choices"):
                    yield _sse(shape_chunk(chunk, request_id=rid, model=model, created=created))
                chunk = await _next(upstream)
            finished = True
        except UpstreamFailure as failure:
            draft.status, draft.error_code = "partial", "stream_interrupted"
            log.warning("upstream stream broke after first token",
                        extra={"request_id": rid, "kind": failure.kind})
            yield _sse({"error": {"message": "The response stream was interrupted before it "
                                  "finished. You were billed only for what was delivered.",
                                  "type": "api_error", "param": None,
                                  "code": "stream_interrupted"}})
        finally:
            if not finished and draft.status == "ok":
                draft.status, draft.error_code = "partial", "client_closed"
            usage = read_usage(agg.usage) if finished else None
            if usage is None:
                usage = (adm.prompt_tokens, count_text_tokens(self.encoder,
                                                               agg.delivered_text()), 0)
            b = self._finish(draft, adm, cand, *usage)  # billed even when the client left
            await _close(upstream)
        if finished:
            completion = agg.to_completion()
            completion["usage"] = usage_with_cost(usage[0], usage[1], usage[2], b.charged_nano)
            self._store(draft, adm, completion)
            if include_usage:
                yield _sse(usage_chunk(completion["usage"], request_id=rid, model=model,
                                       created=created))
            yield b"data: [DONE]\n\n"

    async def _replay(self, req: ChatCompletionRequest, adm: Admission, draft: EventDraft,
                      created: int, include_usage: bool) -> AsyncIterator[bytes]:
        body, b = self._serve_hit(req, adm, draft, created)
        for chunk in replay_chunks(body):
            yield _sse(shape_chunk(chunk, request_id=draft.request_id, model=req.model,
                                   created=created))
        if include_usage:
            yield _sse(usage_chunk(body["usage"], request_id=draft.request_id, model=req.model,
                                   created=created))
        yield b"data: [DONE]\n\n"


def _sse(obj: Json) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


async def _next(it: AsyncIterator[Json]) -> Json | None:
    try:
        return await anext(it)
    except StopAsyncIteration:
        return None


async def _close(it: AsyncIterator[Json]) -> None:
    aclose = getattr(it, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:  # noqa: BLE001 - closing a broken upstream stream may fail again
            log.debug("upstream stream close failed")


def _completion_text(body: Json) -> str:
    parts: list[str] = []
    for choice in body.get("choices") or []:
        msg = choice.get("message") or {}
        parts.append(str(msg.get("content") or ""))
        for call in msg.get("tool_calls") or []:
            fn = call.get("function") or {}
            parts.append(str(fn.get("name", "")) + str(fn.get("arguments", "")))
    return "".join(parts)
