"""The embeddings pipeline: route, call with fallback, encode, bill, emit the event."""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokaroo_common.errors import InvalidRequest, TokarooError, UpstreamError
from tokaroo_common.outbox import Outbox
from tokaroo_common.pricing import price
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.admission import hold
from tokaroo_edge.auth import Principal
from tokaroo_edge.billing import Bill, bill
from tokaroo_edge.events import EventDraft, EventObserver, emit
from tokaroo_edge.internal import InternalClients, call
from tokaroo_edge.providers.base import ChatProvider, Target, UpstreamFailure
from tokaroo_edge.schemas import EmbeddingRequest
from tokaroo_edge.tokens import Encoder

Json = dict[str, Any]
MAX_INPUTS = 2048


def input_texts(req: EmbeddingRequest) -> list[str]:
    value = req.input
    if isinstance(value, str):
        return [value]
    if value and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    raise InvalidRequest("Token-array input is not supported; send strings.", param="input")


def encode_base64(vector: list[float]) -> str:
    """Little-endian float32, as the official SDKs decode it."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


@dataclass
class EmbeddingPipeline:
    clients: InternalClients
    providers: Mapping[str, ChatProvider]
    encoder: Encoder
    outbox: Outbox
    metrics: EventObserver | None = None

    async def embed(self, req: EmbeddingRequest, principal: Principal, draft: EventDraft,
                    hold_ttl_ms: int) -> tuple[Json, Bill]:
        texts = input_texts(req)
        if not texts or len(texts) > MAX_INPUTS or any(not t for t in texts):
            raise InvalidRequest(f"'input' must hold 1 to {MAX_INPUTS} non-empty strings.",
                                 param="input")
        tokens = sum(len(self.encoder.encode(t)) for t in texts)
        mode = req.model or "auto"
        decision = await call(self.clients.router.Route(router_pb2.RouteRequest(
            request_id=draft.request_id, tenant_id=principal.tenant_id, model=mode,
            input_tokens=max(len(self.encoder.encode(t)) for t in texts),
            endpoint="embeddings"), timeout=5))
        dearest = max((c.input_nano_per_token for c in decision.candidates), default=0)
        await hold(self.clients, principal.tenant_id, draft.request_id,
                   price(mode=mode, upstream_cost=tokens * dearest, baseline_cost=tokens * max(
                       dearest, decision.baseline_input_nano_per_token), cache_outcome="miss"),
                   hold_ttl_ms)
        draft.tier = decision.tier
        last: UpstreamFailure | None = None
        for cand in decision.candidates:
            provider = self.providers.get(cand.provider)
            if provider is None:
                continue
            draft.attempts += 1
            upstream_req = req.model_copy(update={"input": texts})
            try:
                body = await provider.embed(upstream_req, Target(cand.provider,
                                                                 cand.upstream_model))
            except UpstreamFailure as failure:
                last = failure
                continue
            usage = body.get("usage") or {}
            prompt = int(usage.get("prompt_tokens") or tokens)
            b = bill(mode=mode, decision=decision, candidate=cand, prompt=prompt, completion=0,
                     cached=0, cache_outcome="miss")
            draft.input_tokens, draft.upstream_cost_nano = prompt, b.upstream_nano
            draft.baseline_cost_nano, draft.charged_nano = b.baseline_nano, b.charged_nano
            draft.resolved_model, draft.provider = cand.model_id, cand.provider
            emit(self.outbox, draft, self.metrics)
            return self._shape(body, req, mode, prompt), b
        err: TokarooError = UpstreamError("Every route for this embedding request failed. "
                                          "Please retry.")
        if last is not None and not last.retryable:
            err = InvalidRequest("The embedding request was rejected as invalid.")
        draft.status, draft.error_code = "error", err.code
        emit(self.outbox, draft, self.metrics)
        raise err

    @staticmethod
    def _shape(body: Json, req: EmbeddingRequest, mode: str, prompt: int) -> Json:
        data = []
        for i, item in enumerate(body.get("data") or []):
            vector = [float(x) for x in item.get("embedding") or []]
            data.append({"object": "embedding", "index": item.get("index", i),
                         "embedding": encode_base64(vector)
                         if req.encoding_format == "base64" else vector})
        return {"object": "list", "data": data, "model": mode,
                "usage": {"prompt_tokens": prompt, "total_tokens": prompt}}
