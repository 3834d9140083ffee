"""uvicorn with its own httptools protocol against the edge's corked one (a response's head
sent with its body: `tokaroo_edge.corked`), on one tiny Starlette app answering a chat-sized
JSON body. Both servers are up at once and the rounds alternate which goes first. Per round
and server: the server's CPU per request at c=16 and the p50 latency at c=1 (wrk, 4 s each).

    uv run --frozen python -m bench.corked_writes --rounds 6

The whole-stack A/B (`bench/ab.py`) cannot resolve a change this small: its edge CPU moves
by ±30% between rounds. Writes bench/results/corked-writes.json. Needs `wrk`."""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import procstat
from bench.record import write_result

ROOT = Path(__file__).resolve().parent.parent
BODY = (
    b'{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":'
    b'{"role":"assistant","content":"Hello there, this is a short answer."},'
    b'"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":9}}'
)
SERVER = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from tokaroo_edge.corked import CorkedHttpToolsProtocol

async def answer(request):
    await request.body()
    return Response({body!r}, media_type="application/json")

http = CorkedHttpToolsProtocol if sys.argv[2] == "corked" else "httptools"
uvicorn.run(Starlette(routes=[Route("/", answer)]), host="127.0.0.1", port=int(sys.argv[1]),
            loop="uvloop", http=http, log_config=None, access_log=False)
"""
SIDES = ("httptools", "corked")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wrk(port: int, connections: int, seconds: int) -> tuple[int, float]:
    """Requests served and the p50 latency in microseconds."""
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            f"http://127.0.0.1:{port}/",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    requests = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    assert requests and p50, out
    scale = {"us": 1.0, "ms": 1e3, "s": 1e6}[p50.group(2)]
    return int(requests.group(1)), float(p50.group(1)) * scale


def _ready(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server on {port}")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--seconds", type=int, default=4)
    args = p.parse_args(argv)
    script = SERVER.format(body=BODY)
    ports = {side: _port() for side in SIDES}
    procs = {
        side: subprocess.Popen([sys.executable, "-c", script, str(ports[side]), side])
        for side in SIDES
    }
    rounds: list[dict[str, dict[str, float]]] = []
    try:
        for port in ports.values():
            _ready(port)
        for r in range(args.rounds):
            row: dict[str, dict[str, float]] = {}
            for side in SIDES if r % 2 == 0 else tuple(reversed(SIDES)):
                roots = {side: procs[side].pid}
                before = procstat.cpu_seconds(roots)[side]
                n, _ = _wrk(ports[side], 16, args.seconds)
                cpu_us = 1e6 * (procstat.cpu_seconds(roots)[side] - before) / max(n, 1)
                _, p50 = _wrk(ports[side], 1, args.seconds)
                row[side] = {"cpu_us_per_request_c16": round(cpu_us, 1), "c1_p50_us": p50}
            print(f"round {r}: {row}", flush=True)
            rounds.append(row)
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait()
    summary: dict[str, Any] = {}
    for field in ("cpu_us_per_request_c16", "c1_p50_us"):
        a = [row["httptools"][field] for row in rounds]
        b = [row["corked"][field] for row in rounds]
        summary[field] = {
            "httptools_median": statistics.median(a),
            "corked_median": statistics.median(b),
            "corked_over_httptools": round(statistics.median(b) / statistics.median(a), 3),
            "rounds_corked_lower": sum(y < x for x, y in zip(a, b, strict=True)),
        }
    write_result(
        ROOT / "bench" / "results" / "corked-writes.json",
        "corked_writes",
        argv,
        {"rounds": rounds, "summary": summary},
    )
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
