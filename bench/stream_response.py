"""The response object of a stream, in process: Starlette's `StreamingResponse` as it runs
under uvicorn (ASGI spec 2.3: a task group, the body sent from a second task, a task waiting on
`receive`) against the edge's `RecordedStream` (the body sent from the request's own task, a
watcher on `receive`), each sending a head and three chunks to a `send` that does nothing.
Blocks of each alternate under uvloop; per block, the CPU time per stream (this thread's) and
the wall time from the response's call to the send of its first body chunk (a stream's first
token waits for it).

    uv run --frozen python -m bench.stream_response --rounds 6

Writes bench/results/stream-response.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import uvloop
from starlette.responses import StreamingResponse
from tokaroo_edge.events import EventDraft
from tokaroo_edge.record import RecordedStream, RequestRecord

from bench.record import write_result

ROOT = Path(__file__).resolve().parent.parent
SCOPE = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "method": "POST"}
CHUNK = b'data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n'


class Discard:
    def put(self, item: object) -> None:
        return None


async def body() -> AsyncIterator[bytes]:
    for _ in range(3):
        yield CHUNK


def starlette_response() -> Any:
    return StreamingResponse(body(), media_type="text/event-stream")


def recorded_response() -> Any:
    draft = EventDraft("r", "t", "k", "fast", "chat", True, time.monotonic())
    return RecordedStream(body(), RequestRecord(draft, Discard()))


SIDES: dict[str, Callable[[], Any]] = {
    "starlette": starlette_response,
    "recorded": recorded_response,
}


async def block(make: Callable[[], Any], n: int) -> dict[str, float]:
    gone = asyncio.Event()  # never set: the client stays

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    first: list[float] = []
    mark = 0.0

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and not first_seen[0]:
            first_seen[0] = True
            first.append(time.perf_counter() - mark)

    first_seen = [False]
    cpu = time.thread_time()
    for _ in range(n):
        response = make()
        first_seen[0] = False
        mark = time.perf_counter()
        await response(SCOPE, receive, send)
    cpu = time.thread_time() - cpu
    return {
        "cpu_us_per_stream": round(cpu / n * 1e6, 2),
        "to_first_chunk_us_p50": round(statistics.median(first) * 1e6, 2),
    }


async def run(rounds: int, n: int) -> dict[str, Any]:
    per: dict[str, list[dict[str, float]]] = {s: [] for s in SIDES}
    for r in range(rounds):
        order = list(SIDES) if r % 2 == 0 else list(reversed(SIDES))
        for side in order:
            per[side].append(await block(SIDES[side], n))
    summary: dict[str, Any] = {}
    for metric in ("cpu_us_per_stream", "to_first_chunk_us_p50"):
        a = statistics.median(b[metric] for b in per["starlette"])
        b = statistics.median(b[metric] for b in per["recorded"])
        lower = sum(
            1
            for x, y in zip(per["starlette"], per["recorded"], strict=True)
            if y[metric] < x[metric]
        )
        summary[metric] = {
            "starlette_median": round(a, 2),
            "recorded_median": round(b, 2),
            "recorded_over_starlette": round(b / a, 3),
            "rounds_recorded_lower": lower,
        }
    return {"rounds": rounds, "streams_per_block": n, "per_round": per, "summary": summary}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--streams", type=int, default=5000)
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/stream-response.json")
    args = p.parse_args()
    result = uvloop.run(run(args.rounds, args.streams))
    write_result(args.out, "stream_response", sys.argv[1:], result)
    print(json.dumps(result["summary"], indent=1))


if __name__ == "__main__":
    main()
