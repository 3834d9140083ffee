"""The embeddings pipeline: the same admission as chat (overload, per-key rate limit, the
balance hold), the shared attempt loop (breakers, fallback), encoding and billing. The
request's record emits the event."""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tokaroo_common.errors import InvalidRequest
from tokaroo_common.pricing import price
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.admission import (
    Backlog,
    Limiter,
    check_capacity,
    check_rate,
)
from tokaroo_edge.attempts import EMBEDDING_HINT, attempt
from tokaroo_edge.auth import Principal
from tokaroo_edge.breaker import Breakers
from tokaroo_edge.charges import Bill, bill
from tokaroo_edge.holds import Holds
from tokaroo_edge.key_limits import check_model
from tokaroo_edge.providers.base import ChatProvider, Target
from tokaroo_edge.record import RequestRecord
from tokaroo_edge.routing import Routing
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


def estimate_embedding_hold(mode: str, decision: router_pb2.RouteDecision, tokens: int) -> int:
    """An upper estimate of the charge: every input token at the dearest candidate's price
    (or the baseline's, when dearer). Pure."""
    dearest = max((c.input_nano_per_token for c in decision.candidates), default=0)
    return price(
        mode=mode,
        upstream_cost=tokens * dearest,
        baseline_cost=tokens * max(dearest, decision.baseline_input_nano_per_token),
        cache_outcome="miss",
    )


@dataclass
class EmbeddingPipeline:
    routing: Routing
    providers: Mapping[str, ChatProvider]
    encoder: Encoder
    backlog: Backlog
    breakers: Breakers = field(default_factory=Breakers)

    async def embed(
        self,
        req: EmbeddingRequest,
        principal: Principal,
        record: RequestRecord,
        *,
        holds: Holds,
        hold_ttl_ms: int,
        limiter: Limiter | None,
    ) -> tuple[Json, Bill]:
        draft = record.draft
        texts = input_texts(req)
        if not texts or len(texts) > MAX_INPUTS or any(not t for t in texts):
            raise InvalidRequest(
                f"'input' must hold 1 to {MAX_INPUTS} non-empty strings.", param="input"
            )
        check_capacity(self.backlog)
        counts = [len(self.encoder.encode(t)) for t in texts]
        tokens = sum(counts)
        check_model(principal, req.model or "auto")
        await check_rate(limiter, principal, tokens)
        mode = req.model or "auto"
        decision = await self.routing.route(
            router_pb2.RouteRequest(
                request_id=draft.request_id,
                tenant_id=principal.tenant_id,
                model=mode,
                input_tokens=max(counts),
                endpoint="embeddings",
            )
        )
        draft.tier = decision.tier
        await holds.hold(
            principal, record, estimate_embedding_hold(mode, decision, tokens), hold_ttl_ms
        )
        upstream_req = req.model_copy(update={"input": texts})

        async def embed(provider: ChatProvider, target: Target) -> Json:
            return await provider.embed(upstream_req, target)

        answer = await attempt(
            decision.candidates, self.providers, self.breakers, draft, embed, hint=EMBEDDING_HINT
        )
        body, cand = answer.value, answer.candidate
        usage = body.get("usage") or {}
        prompt = int(usage.get("prompt_tokens") or tokens)
        b = bill(
            mode=mode,
            decision=decision,
            candidate=cand,
            prompt=prompt,
            completion=0,
            cached=0,
            cache_outcome="miss",
        )
        draft.input_tokens, draft.upstream_cost_nano = prompt, b.upstream_nano
        draft.baseline_cost_nano, draft.charged_nano = b.baseline_nano, b.charged_nano
        draft.resolved_model, draft.provider = cand.model_id, cand.provider
        out = self._shape(body, req, mode, prompt)
        draft.answered()
        record.finish()
        return out, b

    @staticmethod
    def _shape(body: Json, req: EmbeddingRequest, mode: str, prompt: int) -> Json:
        data = []
        for i, item in enumerate(body.get("data") or []):
            vector = [float(x) for x in item.get("embedding") or []]
            data.append(
                {
                    "object": "embedding",
                    "index": item.get("index", i),
                    "embedding": encode_base64(vector)
                    if req.encoding_format == "base64"
                    else vector,
                }
            )
        return {
            "object": "list",
            "data": data,
            "model": mode,
            "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
        }
