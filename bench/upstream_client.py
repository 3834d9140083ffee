"""One upstream call's cost in the edge's event loop: the edge's `UpstreamClient.post_json` on
`http1` (the project's HTTP/1.1 pool) against the same call through an aiohttp session set up
as the edge had it before (pooled connector, no cookie jar, the same timeouts), both posting one
chat completion to the upstream simulator (started here, 0 ms, in its own process) and parsing
the JSON answer. Sequential calls on one keep-alive connection, blocks of each alternating
under uvloop; per block, this process's CPU time per call and the wall time per call.

    uv run --frozen python -m bench.upstream_client --rounds 6 --calls 2000

Writes bench/results/upstream-client.json."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import uvloop
from tokaroo_edge.providers.transport import Timeouts, UpstreamClient, json_or_fail

from bench.record import write_result

ROOT = Path(__file__).resolve().parent.parent
BODY = {
    "model": "gpt-4o-mini",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "In two sentences, why do gateways cache answers?"}],
}
TIMEOUTS = Timeouts(connect_s=5.0, first_token_s=60.0, total_s=600.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_simulator(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TOKAROO_SIM_PORT": str(port), "TOKAROO_SIM_PROVIDERS": "openai"}
    proc = subprocess.Popen([sys.executable, "-m", "tokaroo_simulator"], env=env)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the simulator did not start")


def _failure(body: Any, status: int) -> Exception:
    return RuntimeError(f"upstream answered {status}")


async def _block(call: Callable[[], Awaitable[Any]], n: int) -> dict[str, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        await call()
    return {
        "cpu_us": (time.process_time() - cpu) / n * 1e6,
        "wall_us": (time.perf_counter() - wall) / n * 1e6,
    }


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

    kinds = {"http1": http1, "aiohttp": via_aiohttp}
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
    port = _free_port()
    sim = _start_simulator(port)
    try:
        rounds = uvloop.run(measure(f"http://127.0.0.1:{port}/v1", args.rounds, args.calls))
    finally:
        sim.terminate()
        sim.wait(10)
    summary = {}
    for kind in ("http1", "aiohttp"):
        summary[kind] = {
            metric: round(statistics.median(r[kind][metric] for r in rounds), 1)
            for metric in ("cpu_us", "wall_us")
        }
    ratio = [r["http1"]["cpu_us"] / r["aiohttp"]["cpu_us"] for r in rounds]
    body = {
        "what": "one upstream call (post + JSON answer), sequential, keep-alive, simulator 0 ms",
        "calls_per_block": args.calls,
        "median_per_call": summary,
        "cpu_ratio_http1_over_aiohttp": {
            "median": round(statistics.median(ratio), 3),
            "lower_in_rounds": f"{sum(x < 1 for x in ratio)} of {len(ratio)}",
        },
        "rounds": rounds,
    }
    write_result(args.out, "upstream_client", argv, body)
    print(orjson.dumps(body["median_per_call"]).decode(), body["cpu_ratio_http1_over_aiohttp"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
