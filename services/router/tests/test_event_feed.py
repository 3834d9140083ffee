from tokaroo_proto.events.v1 import events_pb2
from tokaroo_router.event_feed import observation
from tokaroo_router.pool import default_pool_path, load_pool


def test_streamed_success_reports_ttft_against_the_pool() -> None:
    pool = load_pool(default_pool_path())
    m = pool.by_id["gpt-4.1"]
    ev = events_pb2.CompletionEvent(
        provider="openai",
        resolved_model="gpt-4.1",
        status="ok",
        streamed=True,
        ttft_ms=int(m.ttft_ms * 2),
        latency_ms=5000,
        output_tokens=100,
        cache_outcome="miss",
    )
    obs = observation(ev, pool)
    assert obs is not None and obs.ok and obs.upstream_model == "gpt-4.1"
    assert obs.slowness == 2.0


def test_non_streamed_success_reports_whole_latency() -> None:
    """A non-streamed answer's first byte is its last: its whole latency is the signal."""
    pool = load_pool(default_pool_path())
    m = pool.by_id["gpt-4.1"]
    expected = m.ttft_ms + 1000.0 * 50 / m.tokens_per_s
    ev = events_pb2.CompletionEvent(
        provider="openai",
        resolved_model="gpt-4.1",
        status="ok",
        streamed=False,
        ttft_ms=0,
        latency_ms=int(expected * 3),
        output_tokens=50,
        cache_outcome="miss",
    )
    obs = observation(ev, pool)
    assert obs is not None and obs.slowness is not None
    assert abs(obs.slowness - 3.0) < 0.01
    no_timing = events_pb2.CompletionEvent(
        provider="openai", resolved_model="gpt-4.1", status="ok", cache_outcome="miss"
    )
    got = observation(no_timing, pool)
    assert got is not None and got.slowness is None


def test_failures_hits_and_unknowns() -> None:
    pool = load_pool(default_pool_path())
    broken = events_pb2.CompletionEvent(
        provider="anthropic",
        resolved_model="claude-sonnet-4-6",
        status="partial",
        cache_outcome="miss",
        latency_ms=10,
    )
    obs = observation(broken, pool)
    assert obs is not None and not obs.ok and obs.slowness is None
    assert observation(events_pb2.CompletionEvent(cache_outcome="exact"), pool) is None
    assert (
        observation(
            events_pb2.CompletionEvent(provider="x", resolved_model="nope", cache_outcome="miss"),
            pool,
        )
        is None
    )
