from tokaroo_proto.events.v1 import events_pb2
from tokaroo_router.event_feed import observation
from tokaroo_router.pool import default_pool_path, load_pool


def test_observation_from_a_streamed_success() -> None:
    pool = load_pool(default_pool_path())
    ev = events_pb2.CompletionEvent(provider="openai", resolved_model="gpt-4.1", status="ok",
                                    streamed=True, ttft_ms=200, latency_ms=1200,
                                    output_tokens=100, cache_outcome="miss")
    obs = observation(ev, pool)
    assert obs is not None and obs.ok and obs.upstream_model == "gpt-4.1"
    assert obs.ttft_ms == 200 and obs.tokens_per_s == 100.0


def test_failures_hits_and_unknowns() -> None:
    pool = load_pool(default_pool_path())
    broken = events_pb2.CompletionEvent(provider="anthropic", resolved_model="claude-sonnet-4-6",
                                        status="partial", cache_outcome="miss")
    obs = observation(broken, pool)
    assert obs is not None and not obs.ok
    assert observation(events_pb2.CompletionEvent(cache_outcome="exact"), pool) is None
    assert observation(events_pb2.CompletionEvent(provider="x", resolved_model="nope",
                                                  cache_outcome="miss"), pool) is None
