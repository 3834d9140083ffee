"""A POST endpoint taking only the `Request`, dispatched by FastAPI's `APIRoute` and by the
edge's `PlainRoute` (`tokaroo_edge.hot_routes`), in process: CPU per request of the app call.

    uv run --frozen python -m bench.route_dispatch --rounds 6 --requests 5000

Both apps are the same FastAPI app (nine included routers, the edge's error handlers); one
has the endpoint's plain route put first. The rounds alternate which goes first. Writes
bench/results/route-dispatch.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.types import Message
from tokaroo_edge import errors
from tokaroo_edge.hot_routes import plain_routes, serve_first
from tokaroo_edge.responses import JsonResponse

from bench.record import write_result

OUT = Path(__file__).resolve().parent / "results" / "route-dispatch.json"
BODY = b'{"model":"fast","messages":[{"role":"user","content":"hi"}]}'


async def endpoint(request: Request) -> JsonResponse:
    return JsonResponse({"ok": len(await request.body())})


async def other(request: Request) -> JsonResponse:
    return JsonResponse({})


def app_for(plain: bool) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None)
    errors.install(app)
    main = APIRouter()
    main.post("/v1/chat/completions", response_model=None)(endpoint)
    routers = [main]
    for i in range(8):
        r = APIRouter()
        r.post(f"/v1/other{i}", response_model=None)(other)
        routers.append(r)
    for r in routers:
        app.include_router(r)
    if plain:
        serve_first(app, plain_routes(routers, (endpoint,)))
    return app


async def cpu_us_per_request(app: FastAPI, n: int) -> float:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
        "state": {},
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": BODY, "more_body": False}

    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(200):
        await app(dict(scope), receive, send)
    start = time.process_time()
    for _ in range(n):
        await app(dict(scope), receive, send)
    took = time.process_time() - start
    assert set(statuses) == {200}, set(statuses)
    return took / n * 1e6


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    apps = {"fastapi": app_for(False), "plain": app_for(True)}
    rounds: list[dict[str, float]] = []
    for i in range(args.rounds):
        order = ["fastapi", "plain"] if i % 2 == 0 else ["plain", "fastapi"]
        got = {
            name: round(await cpu_us_per_request(apps[name], args.requests), 1) for name in order
        }
        print(got, flush=True)
        rounds.append(got)
    med = {k: statistics.median(r[k] for r in rounds) for k in ("fastapi", "plain")}
    result = {
        "cpu_us_per_request": rounds,
        "median": med,
        "plain_over_fastapi": round(med["plain"] / med["fastapi"], 3),
        "rounds_plain_lower": sum(r["plain"] < r["fastapi"] for r in rounds),
    }
    write_result(args.out, "route_dispatch", sys.argv[1:], result)
    print(json.dumps({k: result[k] for k in ("median", "plain_over_fastapi")}))


if __name__ == "__main__":
    asyncio.run(main())
