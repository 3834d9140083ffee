"""Load generators: wrk (plain requests, latency histogram) and an asyncio/httpx streaming
client that times the first token and every chunk. Both send the same request body."""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import httpx
import orjson
from tokaroo_common.turns import user_says
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

LUA = Path(__file__).with_name("wrk_chat.lua")
QUESTION = "in two sentences, why do gateways cache answers?"


def body(model: str, tag: str, *, stream: bool = False) -> dict:
    """The request wrk_chat.lua sends (keep both in step)."""
    out: dict = {
        "model": model,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": f"Request {tag}: {QUESTION}"}],
    }
    if stream:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


def wrk(
    url: str,
    key: str,
    model: str,
    *,
    connections: int,
    seconds: float,
    nonce: str,
    mode: str = "unique",
    threads: int = 1,
    keys: list[str] | None = None,
) -> dict:
    """One wrk run against `url` (…/v1); mode `unique` makes every body distinct; `keys`
    (several tenants' API keys) are used in turn instead of `key`."""
    exe = shutil.which("wrk")
    if exe is None:
        raise RuntimeError("wrk is not installed (bench/setup.sh installs it)")
    argv = [
        exe,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        "-H",
        f"Authorization: Bearer {key}",
        f"{url}/chat/completions",
        "--",
        nonce,
        model,
        mode,
    ]
    if keys:
        argv.append(",".join(keys))
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            res = json.loads(line[len("BENCHJSON ") :])
            secs = res["duration_us"] / 1e6
            res["rps"] = round(res["requests"] / secs, 1) if secs else 0.0
            res["latency_ms"] = {k: round(v / 1000, 3) for k, v in res.pop("latency_us").items()}
            res["connections"] = connections
            res["non_2xx_or_failed"] = sum(res["errors"].values())
            return res
    raise RuntimeError(
        f"wrk gave no summary (rc {out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}"
    )


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, int(q * len(s)))]


def _chat_token(event: dict) -> bool:
    choices = event.get("choices") or []
    return bool(choices and (choices[0].get("delta") or {}).get("content"))


def _responses_body(model: str, tag: str) -> dict:
    chat = body(model, tag)
    return {
        "model": model,
        "input": chat["messages"][0]["content"],
        "stream": True,
        "max_output_tokens": chat["max_tokens"],
    }


def _messages_body(model: str, tag: str) -> dict:
    return {**body(model, tag), "stream": True}


# Each dialect's streaming request: path, body, "is this event a text token", "is it the end".
DIALECTS = {
    "chat": (
        "/chat/completions",
        lambda m, t: body(m, t, stream=True),
        _chat_token,
        lambda e: False,
    ),
    "responses": (
        "/responses",
        _responses_body,
        lambda e: e.get("type") == "response.output_text.delta",
        lambda e: e.get("type") == "response.completed",
    ),
    "messages": (
        "/messages",
        _messages_body,
        lambda e: (
            e.get("type") == "content_block_delta"
            and (e.get("delta") or {}).get("type") == "text_delta"
        ),
        lambda e: e.get("type") == "message_stop",
    ),
}


async def _streams(
    url: str,
    key: str,
    model: str,
    seconds: float,
    nonce: str,
    max_streams: int,
    dialect: str = "chat",
) -> dict:
    path, make_body, is_token, is_end = DIALECTS[dialect]
    ttft, total, gaps, chunks, errors = [], [], [], [], 0
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=30) as client:
        end = time.monotonic() + seconds
        i = 0
        while time.monotonic() < end and i < max_streams:
            i += 1
            payload = orjson.dumps(make_body(model, f"{nonce}-s{i}"))
            t0 = time.perf_counter()
            first: float | None = None
            last: float | None = None
            n = 0
            async with client.stream(
                "POST",
                f"{url}{path}",
                content=payload,
                headers={**headers, "Content-Type": "application/json"},
            ) as r:
                if r.status_code != 200:
                    errors += 1
                    await r.aread()
                    continue
                async for line in r.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    now = time.perf_counter()
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    event = orjson.loads(data)
                    if is_end(event):
                        break
                    if first is None:
                        if not is_token(event):
                            continue  # role, item and block openings are not tokens
                        first = now
                    else:
                        gaps.append(now - (last or now))
                    last = now
                    n += 1
            if first is None:
                errors += 1
                continue
            ttft.append((first - t0) * 1000)
            total.append((time.perf_counter() - t0) * 1000)
            chunks.append(n)
    gap_ms = [g * 1000 for g in gaps]
    return {
        "streams": len(ttft),
        "errors": errors,
        "ttft_ms": {
            "p50": round(pct(ttft, 0.5), 3),
            "p90": round(pct(ttft, 0.9), 3),
            "p99": round(pct(ttft, 0.99), 3),
            "mean": round(statistics.fmean(ttft), 3) if ttft else None,
        },
        "total_ms": {"p50": round(pct(total, 0.5), 3), "p99": round(pct(total, 0.99), 3)},
        "chunk_gap_ms": {"p50": round(pct(gap_ms, 0.5), 4), "p99": round(pct(gap_ms, 0.99), 4)},
        "chunks_per_stream": round(statistics.fmean(chunks), 1) if chunks else 0,
    }


def streams(
    url: str,
    key: str,
    model: str,
    *,
    seconds: float,
    nonce: str,
    max_streams: int = 2000,
    dialect: str = "chat",
) -> dict:
    """Sequential streams (concurrency 1) for `seconds`, each a distinct request, in one of
    the `DIALECTS` (chat completions, the Responses API, Anthropic Messages)."""
    return asyncio.run(_streams(url, key, model, seconds, nonce, max_streams, dialect))


def check_cache_hit(url: str, key: str, model: str, tag: str) -> dict:
    """Send the fixed body until Tokaroo says `x-tokaroo-cache: hit` (stores are async)."""
    seen = []
    for _ in range(20):
        r = httpx.post(
            f"{url}/chat/completions",
            json=body(model, tag),
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        r.raise_for_status()
        seen.append(r.headers.get("x-tokaroo-cache"))
        if seen[-1] == "hit":
            return {"verified": True, "headers_seen": seen}
        time.sleep(0.1)
    return {"verified": False, "headers_seen": seen}


async def _hop_timing(router: str, cache: str, ledger: str, api_key: str, n: int) -> dict:
    """Each internal gRPC call the edge makes per chat completion, timed alone and in
    sequence from this process (client + loopback + server), with the edge's own messages."""
    import hashlib

    import grpc
    from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc
    from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc
    from tokaroo_proto.router.v1 import router_pb2, router_pb2_grpc

    async with (
        grpc.aio.insecure_channel(router) as rc,
        grpc.aio.insecure_channel(cache) as cc,
        grpc.aio.insecure_channel(ledger) as lc,
    ):
        rs = router_pb2_grpc.RouterServiceStub(rc)
        cs = cache_pb2_grpc.CacheServiceStub(cc)
        ls = ledger_pb2_grpc.LedgerServiceStub(lc)
        key_hash = hashlib.sha256(api_key.encode()).hexdigest()
        who = await ls.Authenticate(ledger_pb2.AuthenticateRequest(key_hash=key_hash), timeout=5)
        tenant = who.tenant_id
        text = f"Request hop: {QUESTION}"
        plain = cpb.AnswerShape(digest="bench-plain")
        calls = {
            "ledger.Authenticate": lambda i: ls.Authenticate(
                ledger_pb2.AuthenticateRequest(key_hash=key_hash), timeout=5
            ),
            "router.Route(fast)": lambda i: rs.Route(
                router_pb2.RouteRequest(
                    request_id=f"hop-{i}",
                    tenant_id=tenant,
                    model="fast",
                    input_tokens=20,
                    max_output_tokens=64,
                    conversation=user_says(f"{text} {i}"),
                    endpoint="chat.completions",
                ),
                timeout=5,
            ),
            "router.Route(auto)": lambda i: rs.Route(
                router_pb2.RouteRequest(
                    request_id=f"hop-{i}",
                    tenant_id=tenant,
                    model="auto",
                    input_tokens=20,
                    max_output_tokens=64,
                    conversation=user_says(f"{text} {i}"),
                    endpoint="chat.completions",
                ),
                timeout=5,
            ),
            "cache.Lookup(exact miss)": lambda i: cs.Lookup(
                cache_pb2.LookupRequest(
                    tenant_id=tenant,
                    exact_key=f"hop-miss-{time.time_ns()}-{i}",
                    policy="exact",
                    conversation=user_says(text),
                    shape=plain,
                    model="fast",
                ),
                timeout=5,
            ),
            "cache.Lookup(full miss, semantic)": lambda i: cs.Lookup(
                cache_pb2.LookupRequest(
                    tenant_id=tenant,
                    exact_key=f"hop-miss-{time.time_ns()}-{i}",
                    policy="full",
                    conversation=user_says(f"hop {i} {time.time_ns()}: {QUESTION}"),
                    shape=plain,
                    model="auto",
                ),
                timeout=10,
            ),
            "ledger.Hold": lambda i: ls.Hold(
                ledger_pb2.HoldRequest(
                    tenant_id=tenant,
                    request_id=f"hop-hold-{time.time_ns()}-{i}",
                    amount_nano=1000,
                    ttl_ms=2000,
                ),
                timeout=5,
            ),
        }
        out: dict = {
            "calls_each": n,
            "note": "sequential, one call in flight, from the bench "
            "process; includes the Python gRPC client and loopback",
        }
        for name, fn in calls.items():
            times = []
            count, warm = (max(5, n // 15), 3) if "semantic" in name else (n, 20)
            for i in range(count + warm):
                t0 = time.perf_counter()
                await fn(i)
                if i >= warm:
                    times.append((time.perf_counter() - t0) * 1000)
            out[name] = {
                "p50_ms": round(pct(times, 0.5), 3),
                "p99_ms": round(pct(times, 0.99), 3),
                "calls": len(times),
            }
    return out


def hop_timing(router: str, cache: str, ledger: str, api_key: str, n: int = 300) -> dict:
    return asyncio.run(_hop_timing(router, cache, ledger, api_key, n))
