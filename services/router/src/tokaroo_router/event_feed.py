"""Feed provider health from completion events: every router replica reads the event stream
(an ordered, ephemeral consumer from now on) and records each completion's outcome, time to
first token and tokens/s for its (provider, upstream model) deployment."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from tokaroo_common.jetstream import COMPLETION_SUBJECT, connect, ensure_stream
from tokaroo_proto.events.v1 import events_pb2

from tokaroo_router.pool import Pool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observation:
    provider: str
    upstream_model: str
    ok: bool
    ttft_ms: float | None
    tokens_per_s: float | None


def observation(event: events_pb2.CompletionEvent, pool: Pool) -> Observation | None:
    """What a completion event says about one deployment (None when it names none). Pure."""
    if not event.provider or not event.resolved_model or event.cache_outcome != "miss":
        return None
    model = pool.by_id.get(event.resolved_model)
    upstream = next((d.upstream_model for d in model.providers
                     if d.provider == event.provider), None) if model else None
    if upstream is None:
        return None
    ok = event.status == "ok"
    ttft = float(event.ttft_ms) if event.streamed and event.ttft_ms > 0 else None
    gen_s = (event.latency_ms - event.ttft_ms) / 1000 if event.streamed else 0.0
    tps = event.output_tokens / gen_s if ok and gen_s > 0.05 and event.output_tokens else None
    return Observation(event.provider, upstream, ok, ttft, tps)


Observer = Callable[[Observation], None]


async def feed_health(nats_url: str, pool: Callable[[], Pool], observe: Observer,
                      stop: asyncio.Event) -> None:
    nc = await connect(nats_url, "tokaroo-router-health")
    js = nc.jetstream()

    async def on_msg(msg: Msg) -> None:
        try:
            event = events_pb2.CompletionEvent.FromString(msg.data)
        except Exception:  # noqa: BLE001 - a bad event is the ledger's problem, not ours
            return
        obs = observation(event, pool())
        if obs is not None:
            observe(obs)

    try:
        await ensure_stream(js)
        await js.subscribe(COMPLETION_SUBJECT, cb=on_msg, ordered_consumer=True,
                           config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW))
        await stop.wait()
    except Exception as exc:  # health is an optimisation: the router serves without it
        log.warning("health feed stopped", extra={"error": repr(exc)})
        await stop.wait()
    finally:
        await nc.close()
