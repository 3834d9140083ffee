"""One upstream call's cost in the edge's event loop: the edge's `UpstreamClient.post_json` on
`http1` (the project's HTTP/1.1 pool) against the same call through an aiohttp session set up
as the edge had it before (pooled connector, no cookie jar, the same timeouts), both posting one
chat completion to the upstream simulator (started here, 0 ms, in its own process) and parsing
the JSON answer. Sequential calls on one keep-alive connection, blocks of each alternating
under uvloop; per block, this process's CPU time per call and the wall time per call. The same
for a stream (every event parsed as JSON), and its time to the first event.

    uv run --frozen python -m bench.upstream_client --rounds 6 --calls 2000

Writes bench/results/upstream-client.json."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import uvloop
from tokaroo_cli.infra.ports import free_port
from tokaroo_cli.infra.specs import ServerSpec
from tokaroo_cli.infra.supervise import ManagedProcess
from tokaroo_edge.providers.transport import (
    Timeouts,
    UpstreamClient,
    json_or_fail,
    sse_events,
    sse_lines,
)

from bench.record import write_result

ROOT = Path(__file__).resolve().parent.parent
BODY = {
    "model": "gpt-4o-mini",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "In two sentences, why do gateways cache answers?"}],
}
STREAM_BODY = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
TIMEOUTS = Timeouts(connect_s=5.0, first_token_s=60.0, total_s=600.0)


def simulator(home: Path) -> tuple[ManagedProcess, str]:
    """The upstream simulator, OpenAI format only, on a free port (not started), and its
    OpenAI base URL."""
    port = free_port()
    spec = ServerSpec(
        "simulator",
        [sys.executable, "-m", "tokaroo_simulator", "--port", str(port)],
        {"TOKAROO_SIM_PROVIDERS": "openai"},
        None,
    )
    url = f"http://127.0.0.1:{port}"
    process = ManagedProcess(
        spec, home, ready=lambda p: p.wait_ready_http(url + "/healthz"), base_env=dict(os.environ)
    )
    return process, url + "/v1"


def _failure(body: Any, status: int) -> Exception:
    return RuntimeError(f"upstream answered {status}")


async def _block(call: Callable[[], Awaitable[float | None]], n: int) -> dict[str, float]:
    """CPU and wall time per call; for a stream also the median time to its first event."""
    firsts: list[float] = []
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        first = await call()
        if first is not None:
            firsts.append(first)
    out = {
        "cpu_us": (time.process_time() - cpu) / n * 1e6,
        "wall_us": (time.perf_counter() - wall) / n * 1e6,
    }
    if firsts:
        out["first_event_us"] = statistics.median(firsts) * 1e6
    return out


async def measure(base: str, rounds: int, n: int) -> list[dict[str, dict[str, float]]]:
    ours = UpstreamClient(base, {"authorization": "Bearer sk-bench"}, TIMEOUTS)
    session = aiohttp.ClientSession(
        headers={"authorization": "Bearer sk-bench"},
        connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=4.0),
        timeout=aiohttp.ClientTimeout(total=None, connect=65.0, sock_connect=5.0, sock_read=60.0),
        cookie_jar=aiohttp.DummyCookieJar(),
    )

    async def http1() -> None:
        await ours.post_json("/chat/completions", BODY, _failure)  # type: ignore[arg-type]

    async def via_aiohttp() -> None:
        resp = await session.post(
            base + "/chat/completions",
            data=orjson.dumps(BODY),
            headers={"content-type": "application/json"},
            allow_redirects=False,
        )
        try:
            content = await resp.read()
        finally:
            resp.release()
        json_or_fail(resp.status, content, _failure)  # type: ignore[arg-type]

    async def http1_stream() -> float:
        start = time.perf_counter()
        first = 0.0
        resp = await ours.open_stream("/chat/completions", STREAM_BODY, _failure)  # type: ignore[arg-type]
        try:
            async for event in sse_events(resp):
                first = first or time.perf_counter() - start
                if event is None:
                    break
        finally:
            resp.release()
        return first

    async def aiohttp_stream() -> float:
        start = time.perf_counter()
        first = 0.0
        resp = await session.post(
            base + "/chat/completions",
            data=orjson.dumps(STREAM_BODY),
            headers={"content-type": "application/json", "accept": "text/event-stream"},
            allow_redirects=False,
        )
        try:
            async for line in sse_lines(resp.content.iter_any()):
                if not line.startswith(b"data: "):
                    continue
                first = first or time.perf_counter() - start
                if line == b"data: [DONE]":
                    break
                orjson.loads(line[6:])
        finally:
            resp.release()
        return first

    kinds: dict[str, Callable[[], Awaitable[float | None]]] = {
        "http1": http1,
        "aiohttp": via_aiohttp,
        "http1_stream": http1_stream,
        "aiohttp_stream": aiohttp_stream,
    }
    try:
        for call in kinds.values():  # warm: connections, caches
            await _block(call, 200)
        out = []
        for r in range(rounds):
            order = list(kinds) if r % 2 == 0 else list(reversed(kinds))
            out.append({name: await _block(kinds[name], n) for name in order})
        return out
    finally:
        await ours.aclose()
        await session.close()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/upstream-client.json")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tokaroo-upstream-client-") as home:
        process, base = simulator(Path(home))
        with process:
            rounds = uvloop.run(measure(base, args.rounds, args.calls))
    summary = {}
    for kind in rounds[0]:
        summary[kind] = {
            metric: round(statistics.median(r[kind][metric] for r in rounds), 1)
            for metric in rounds[0][kind]
        }
    ratios = {}
    for ours, theirs in (("http1", "aiohttp"), ("http1_stream", "aiohttp_stream")):
        ratio = [r[ours]["cpu_us"] / r[theirs]["cpu_us"] for r in rounds]
        ratios[f"{ours}_over_{theirs}"] = {
            "median": round(statistics.median(ratio), 3),
            "lower_in_rounds": f"{sum(x < 1 for x in ratio)} of {len(ratio)}",
        }
    body = {
        "what": "one upstream call (post + JSON answer; a stream: post + every SSE event parsed),"
        " sequential, keep-alive, simulator 0 ms; the aiohttp side as the edge used it before",
        "calls_per_block": args.calls,
        "median_per_call": summary,
        "cpu_ratio": ratios,
        "rounds": rounds,
    }
    write_result(args.out, "upstream_client", argv, body)
    print(orjson.dumps(summary).decode(), ratios)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
