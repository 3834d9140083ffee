"""The `Completer` answers an admitted chat completion: a cache hit, or attempts across
candidates with fallback before the first token, pricing, and the cache store (in the
background, through `answer_cache`). The request's
record emits the event: the completer fills in its draft and says when the outcome is final."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.admission import Admission
from tokaroo_edge.answer_cache import AnswerCache, with_route
from tokaroo_edge.attempts import attempt, opening
from tokaroo_edge.breaker import Breakers
from tokaroo_edge.charges import Bill, bill
from tokaroo_edge.events import EventDraft
from tokaroo_edge.providers.base import (
    ChatProvider,
    Json,
    Target,
    UpstreamFailure,
    cache_write_tokens,
)
from tokaroo_edge.providers.chunks import is_preamble
from tokaroo_edge.record import RequestRecord
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
class Completer:
    providers: Mapping[str, ChatProvider]
    encoder: Encoder
    first_token_timeout_s: float
    answers: AnswerCache
    breakers: Breakers = field(default_factory=Breakers)
    _background: set[asyncio.Task[Any]] = field(default_factory=set)

    # ---- shared pieces -------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _store(self, draft: EventDraft, adm: Admission, completion: Json) -> None:
        if adm.policy == "none":
            return
        body = orjson.dumps(with_route(completion, adm.decision))
        self._spawn(self.answers.store(draft.tenant_id, adm.chat, adm.policy, body, completion))

    def _finish(
        self,
        draft: EventDraft,
        adm: Admission,
        cand: router_pb2.Candidate | None,
        prompt: int,
        completion: int,
        cached: int,
        cache_write: int = 0,
    ) -> Bill:
        """Price the tokens and put the bill on the draft (the record emits it)."""
        b = bill(
            mode=draft.model_requested,
            decision=adm.decision,
            candidate=cand,
            prompt=prompt,
            completion=completion,
            cached=cached,
            cache_outcome=draft.cache_outcome,
            cache_write=cache_write,
        )
        draft.input_tokens, draft.output_tokens, draft.cached_tokens = prompt, completion, cached
        draft.upstream_cost_nano, draft.baseline_cost_nano = b.upstream_nano, b.baseline_nano
        draft.charged_nano = b.charged_nano
        if cand is not None:
            draft.resolved_model, draft.provider = cand.model_id, cand.provider
        return b

    def _bill_delivered(
        self, draft: EventDraft, adm: Admission, cand: router_pb2.Candidate, agg: StreamAggregate
    ) -> Bill:
        """A stream that ended early (client gone, upstream broke, body never started) is
        billed the prompt plus the tokens delivered so far."""
        return self._finish(
            draft,
            adm,
            cand,
            adm.prompt_tokens,
            count_text_tokens(self.encoder, agg.delivered_text()),
            0,
        )

    # ---- non-streaming -------------------------------------------------------------------
    async def complete(
        self, req: ChatCompletionRequest, adm: Admission, record: RequestRecord
    ) -> tuple[Json, Bill]:
        draft = record.draft
        created = int(time.time())
        if adm.lookup.hit:
            return self._serve_hit(req, adm, draft, created)

        async def call(provider: ChatProvider, target: Target) -> Json:
            return await provider.complete(req, target)

        answer = await attempt(adm.decision.candidates, self.providers, self.breakers, draft, call)
        body, cand = answer.value, answer.candidate
        usage = read_usage(body.get("usage"))
        if usage is None:
            usage = (adm.prompt_tokens, count_text_tokens(self.encoder, _completion_text(body)), 0)
        b = self._finish(draft, adm, cand, *usage, cache_write_tokens(body.get("usage")))
        out = shape_completion(body, request_id=draft.request_id, model=req.model, created=created)
        out["usage"] = usage_with_cost(usage[0], usage[1], usage[2], b.charged_nano)
        draft.answered()
        record.finish()
        self._store(draft, adm, out)
        return out, b

    def _serve_hit(
        self, req: ChatCompletionRequest, adm: Admission, draft: EventDraft, created: int
    ) -> tuple[Json, Bill]:
        stored = adm.hit_body or {}
        draft.cache_outcome = adm.lookup.outcome or "exact"
        # The answer's own length; the prompt is this request's (an exact hit's is the same
        # request, so the upstream's count of it stands).
        prompt, completion, _ = read_usage(stored.get("usage")) or (adm.prompt_tokens, 0, 0)
        if draft.cache_outcome != "exact":
            prompt = adm.prompt_tokens
        b = self._finish(draft, adm, None, prompt, completion, 0)
        out = shape_completion(
            stored, request_id=draft.request_id, model=req.model, created=created
        )
        out["usage"] = usage_with_cost(prompt, completion, 0, b.charged_nano)
        draft.answered()
        return out, b

    # ---- streaming -----------------------------------------------------------------------
    async def open_stream(
        self, req: ChatCompletionRequest, adm: Admission, record: RequestRecord
    ) -> AsyncIterator[Json]:
        """Find a candidate that produces a first token (fallback happens here, invisibly:
        a role announced before it does not commit to the candidate);
        then return the stream of shaped chunks, in the chat-completions chunk shape: the
        answer's chunks, then always one final chunk without choices that carries the usage
        (with its cost), or an `{"error": ...}` chunk if the upstream broke mid-way. Each
        dialect encodes these for the wire. Errors before the first token raise normally.
        From the first token on, the record owns the upstream stream and knows how to bill
        it if the response ends early (even before its body generator started)."""
        draft = record.draft
        created = int(time.time())
        if adm.lookup.hit:
            return self._replay(req, adm, draft, created)

        async def call(
            provider: ChatProvider, target: Target
        ) -> tuple[AsyncIterator[Json], list[Json]]:
            stream = provider.stream(req, target)
            return await opening(stream, self.first_token_timeout_s, is_preamble)

        answer = await attempt(adm.decision.candidates, self.providers, self.breakers, draft, call)
        (upstream, leading), cand = answer.value, answer.candidate
        draft.answered()
        draft.ttft_ms = int((draft.answered_at - draft.started) * 1000)
        agg = StreamAggregate()
        record.own(upstream, on_abandon=lambda: self._bill_delivered(draft, adm, cand, agg))
        return self._relay(req, adm, record, cand, upstream, leading, agg, created)

    async def _relay(
        self,
        req: ChatCompletionRequest,
        adm: Admission,
        record: RequestRecord,
        cand: router_pb2.Candidate,
        upstream: AsyncIterator[Json],
        leading: list[Json],
        agg: StreamAggregate,
        created: int,
    ) -> AsyncIterator[Json]:
        """The chunks: the stream's opening (`leading`, already in hand, so it follows the
        response's head with no wait on the upstream), then the rest as it comes. It settles
        and emits the record when the stream finishes or breaks upstream; a client that leaves
        mid-way is billed by the record (prompt + delivered)."""
        draft = record.draft
        rid, model = draft.request_id, req.model
        opened = deque(leading)  # never empty
        try:
            chunk: Json | None = opened.popleft()
            while chunk is not None:
                agg.add(chunk)
                if chunk.get("choices"):
                    yield shape_chunk(chunk, request_id=rid, model=model, created=created)
                chunk = opened.popleft() if opened else await _next(upstream)
        except UpstreamFailure as failure:
            draft.status, draft.error_code = "partial", "stream_interrupted"
            log.warning(
                "upstream stream broke after first token",
                extra={"request_id": rid, "kind": failure.kind},
            )
            self._bill_delivered(draft, adm, cand, agg)
            record.finish()
            yield {
                "error": {
                    "message": "The response stream was interrupted before it "
                    "finished. You were billed only for what was delivered.",
                    "type": "api_error",
                    "param": None,
                    "code": "stream_interrupted",
                }
            }
            return
        usage = read_usage(agg.usage) or (
            adm.prompt_tokens,
            count_text_tokens(self.encoder, agg.delivered_text()),
            0,
        )
        b = self._finish(draft, adm, cand, *usage, cache_write_tokens(agg.usage))
        record.finish()
        completion = agg.to_completion()
        completion["usage"] = usage_with_cost(usage[0], usage[1], usage[2], b.charged_nano)
        self._store(draft, adm, completion)
        yield usage_chunk(completion["usage"], request_id=rid, model=model, created=created)

    async def _replay(
        self, req: ChatCompletionRequest, adm: Admission, draft: EventDraft, created: int
    ) -> AsyncIterator[Json]:
        body, b = self._serve_hit(req, adm, draft, created)
        for chunk in replay_chunks(body):
            yield shape_chunk(chunk, request_id=draft.request_id, model=req.model, created=created)
        yield usage_chunk(
            body["usage"], request_id=draft.request_id, model=req.model, created=created
        )


async def _next(it: AsyncIterator[Json]) -> Json | None:
    try:
        return await anext(it)
    except StopAsyncIteration:
        return None


def _completion_text(body: Json) -> str:
    parts: list[str] = []
    for choice in body.get("choices") or []:
        msg = choice.get("message") or {}
        parts.append(str(msg.get("content") or ""))
        for call in msg.get("tool_calls") or []:
            fn = call.get("function") or {}
            parts.append(str(fn.get("name", "")) + str(fn.get("arguments", "")))
    return "".join(parts)
