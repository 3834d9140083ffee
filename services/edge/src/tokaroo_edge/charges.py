"""Turn tokens and the route decision into upstream cost, baseline and the charged price."""

from __future__ import annotations

from dataclasses import dataclass

from tokaroo_common.pricing import cost, price
from tokaroo_proto.router.v1 import router_pb2


@dataclass(frozen=True)
class Bill:
    upstream_nano: int
    baseline_nano: int
    charged_nano: int


def bill(
    *,
    mode: str,
    decision: router_pb2.RouteDecision,
    candidate: router_pb2.Candidate | None,
    prompt: int,
    completion: int,
    cached: int,
    cache_outcome: str,
    cache_write: int = 0,
) -> Bill:
    """`cached` and `cache_write`: prompt tokens the upstream read from / wrote to its
    prompt cache, at the candidate's cached-read and cache-write prices."""
    baseline = cost(
        prompt,
        completion,
        decision.baseline_input_nano_per_token,
        decision.baseline_output_nano_per_token,
    )
    upstream = (
        0
        if candidate is None
        else cost(
            prompt,
            completion,
            candidate.input_nano_per_token,
            candidate.output_nano_per_token,
            cached,
            candidate.cached_input_nano_per_token,
            cache_write,
            candidate.cache_write_nano_per_token,
        )
    )
    charged = price(
        mode=mode, upstream_cost=upstream, baseline_cost=baseline, cache_outcome=cache_outcome
    )
    return Bill(upstream, baseline, charged)
