"""The analytics sink's CPU per event by batch size, on embedded chDB, without the stack.

    uv run --frozen python -m bench.analytics_batch_cost --sizes 10 300 1000 3000 --events 6000

For each batch size, a fresh migrated chDB directory gets `--events` synthetic
CompletionEvents through the sink's own writer (`EventWriter.write`: the existence check, then
one insert that the rollups' materialized views follow), after three warm-up batches. The
process's CPU (every thread: chDB works in its own) is read around the writes and again after
`--settle-s`, for the merges that the inserts started. A fit of CPU per batch = fixed + per
row × size says what the sink's `batch_max_wait_s` buys: at R events/s and a wait of W
seconds, about fixed / (R × W) + per row of CPU per event. Writes
bench/results/analytics-batch-cost.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tokaroo_ledger.analytics.migrate import migrate
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_ledger.analytics.writer import EventWriter
from tokaroo_proto.events.v1 import events_pb2

from bench.record import write_result

OUT = Path(__file__).resolve().parent / "results" / "analytics-batch-cost.json"


def event(i: int) -> events_pb2.CompletionEvent:
    return events_pb2.CompletionEvent(
        request_id=uuid.uuid4().hex,
        tenant_id=f"tenant-{i % 16}",
        key_id="key",
        model_requested="fast",
        tier="standard",
        resolved_model="model",
        provider="provider",
        input_tokens=100,
        output_tokens=20,
        upstream_cost_nano=5_000,
        baseline_cost_nano=20_000,
        charged_nano=10_000,
        cache_outcome="miss",
        latency_ms=10,
        ttft_ms=4,
        status="ok",
        attempts=1,
        endpoint="chat.completions",
        created_at_unix_ms=int(time.time() * 1000),
    )


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(size: int, events: int, settle_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tk-chb-") as home:
        wh = Warehouse.open(f"chdb://{home}/ch", "tokaroo")
        try:
            await migrate(wh)
            writer = EventWriter(wh)
            for _ in range(3):
                await writer.write([event(i) for i in range(size)])
            await asyncio.sleep(settle_s)
            batches = max(events // size, 1)
            start = cpu_s()
            for _ in range(batches):
                await writer.write([event(i) for i in range(size)])
            written = cpu_s()
            await asyncio.sleep(settle_s)
            settled = cpu_s()
        finally:
            wh.close()
    n = batches * size
    return {
        "batch": size,
        "events": n,
        "cpu_ms_per_batch": round((settled - start) / batches * 1e3, 2),
        "cpu_ms_per_event": round((settled - start) / n * 1e3, 4),
        "cpu_ms_per_event_in_writes": round((written - start) / n * 1e3, 4),
    }


def fit(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Least squares of CPU per batch on batch size: fixed ms per batch, ms per row."""
    slope, intercept = statistics.linear_regression(
        [float(r["batch"]) for r in runs], [float(r["cpu_ms_per_batch"]) for r in runs]
    )
    return {"fixed_ms_per_batch": round(intercept, 2), "ms_per_row": round(slope, 4)}


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 300, 1000, 3000])
    ap.add_argument("--events", type=int, default=6000)
    ap.add_argument("--settle-s", type=float, default=5.0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    runs = []
    for size in args.sizes:
        run = await measure(size, args.events, args.settle_s)
        print(run, flush=True)
        runs.append(run)
    write_result(args.out, "analytics_batch_cost", sys.argv[1:], {"runs": runs, "fit": fit(runs)})
    print(json.dumps(fit(runs)))


if __name__ == "__main__":
    asyncio.run(main())
