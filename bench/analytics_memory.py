"""Analytics sink memory under steady load, without the stack (issue #20).

    uv run --frozen python -m bench.analytics_memory --minutes 12 --batches-per-s 10 \
        --events-per-batch 20 [--mode write|check|idle] [--setting name=value ...]

The sink's own write path (Warehouse + EventWriter on an embedded chDB directory, migrated
as the sink does at start) is driven in this process with synthetic CompletionEvents of the
current hour, one batch every 1/`--batches-per-s` seconds. The soak sends the sink about one
batch a second of ~20 events (`batch_max_wait_s` 1.0 at 20 requests/s); 10 batches a second
is ten soak-hours an hour. Every `--sample-every` seconds it reads the process's RSS and
RssAnon from /proc and the engine's tracked memory and cache sizes from system.metrics.

Modes: `write` (the sink's per-batch existence check + insert), `check` (the existence check
only), `idle` (events built and turned into rows, no engine call: the Python baseline).
`--setting` applies a ClickHouse setting to the client's session and `--table-setting` one to
the three tables (after the migrations) before the run: an A/B of an engine setting without
changing the sink (`--table-setting non_replicated_deduplication_window=10000` is the sink
before migration 0005). Results: bench/analytics.md.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tokaroo_ledger.analytics.config import AnalyticsSettings
from tokaroo_ledger.analytics.migrate import migrate
from tokaroo_ledger.analytics.rows import to_row
from tokaroo_ledger.analytics.synthetic import make_events
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_ledger.analytics.writer import EventWriter

from bench.soak import slope_per_hour, window_floor

METRICS = (
    "MemoryTracking",
    "QueryConditionCacheBytes",
    "MarkCacheBytes",
    "IndexMarkCacheBytes",
    "PrimaryIndexCacheBytes",
    "UncompressedCacheBytes",
)


_JEMALLOC = re.compile(r"^Allocated: (\d+), active: \d+, metadata: \d+.*resident: (\d+)", re.M)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def glibc_mb() -> dict[str, float]:
    """glibc malloc's view (Python's objects and every non-jemalloc native allocation):
    bytes in use and bytes held by its heaps (in use + free but not returned)."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    m = libc.mallinfo2()
    return {
        "glibc_in_use_mb": round((m.uordblks + m.hblkhd) / 2**20, 2),
        "glibc_heap_mb": round((m.arena + m.hblkhd) / 2**20, 2),
        "py_blocks_k": round(sys.getallocatedblocks() / 1000, 1),
    }


TABLES = ("completion_events", "usage_hourly", "provider_hourly")
SLOPES = (
    "rss_mb",
    "rss_anon_mb",
    "jemalloc_allocated_mb",
    "jemalloc_resident_mb",
    "glibc_in_use_mb",
    "glibc_heap_mb",
)


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def engine_sample(wh: Warehouse) -> dict[str, float]:
    names = ", ".join(f"'{m}'" for m in METRICS)
    rows = await wh.rows(f"SELECT metric, value FROM system.metrics WHERE metric IN ({names})")
    out = {f"{m}_mb": round(float(v) / 2**20, 2) for m, v in rows}
    ((parts,),) = await wh.rows(
        "SELECT count() FROM system.parts WHERE database = currentDatabase() AND active"
    )
    out["active_parts"] = float(parts)
    ((stats,),) = await wh.rows("SELECT stats FROM system.jemalloc_stats")
    if m := _JEMALLOC.search(stats):
        out["jemalloc_allocated_mb"] = round(int(m[1]) / 2**20, 2)
        out["jemalloc_resident_mb"] = round(int(m[2]) / 2**20, 2)
    return {**out, **glibc_mb()}


def slopes(points: list[tuple[float, float]], warmup_s: float) -> dict[str, float]:
    steady = [(t, v) for t, v in points if t >= warmup_s]
    return {
        "slope_mb_per_hour": round(slope_per_hour(steady), 2),
        "floor_slope_mb_per_hour": round(slope_per_hour(window_floor(steady, 120)), 2),
        "after_warmup": steady[0][1] if steady else 0.0,
        "end": points[-1][1] if points else 0.0,
    }


async def run(ns: argparse.Namespace) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="tkam-"))
    settings = AnalyticsSettings(clickhouse_dsn=f"chdb://{base / 'ch'}")
    wh = Warehouse.open(settings.clickhouse_dsn.get_secret_value(), settings.clickhouse_database)
    try:
        await migrate(wh)
        for item in ns.table_setting:
            for table in TABLES:
                await wh.command(f"ALTER TABLE {table} MODIFY SETTING {item}")
        for item in ns.setting:
            name, _, value = item.partition("=")
            wh.client.set_client_setting(name, value)
        writer = EventWriter(wh)
        samples: list[dict[str, float]] = []
        period = 1 / ns.batches_per_s
        start = time.perf_counter()
        next_sample = 0.0
        batches = inserted = 0
        while (elapsed := time.perf_counter() - start) < ns.minutes * 60:
            now_ms = int(time.time() * 1000)
            events = list(
                make_events(ns.events_per_batch, start_ms=now_ms - 1000, span_ms=1000, seed=batches)
            )
            if ns.mode == "write":
                inserted += (await writer.write(events)).inserted
            elif ns.mode == "check":
                await writer.existing(events)
            else:
                [to_row(e) for e in events]
            batches += 1
            if elapsed >= next_sample:
                row = {
                    "t": round(elapsed, 1),
                    "rss_mb": round(status_mb("VmRSS"), 2),
                    "rss_anon_mb": round(status_mb("RssAnon"), 2),
                    **await engine_sample(wh),
                }
                samples.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
                next_sample += ns.sample_every
            delay = start + batches * period - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        ((rows, unique),) = await wh.rows(
            "SELECT count(), uniqExact(request_id) FROM completion_events"
        )
    finally:
        wh.close()
    warmup_s = ns.minutes * 60 * ns.warmup_fraction
    return {
        "mode": ns.mode,
        "settings": ns.setting,
        "table_settings": ns.table_setting,
        "batches": batches,
        "batches_per_s_achieved": round(batches / (ns.minutes * 60), 2),
        "events_inserted": inserted,
        "rows": rows,
        "exactly_once": rows == unique == inserted,
        "warmup_s": warmup_s,
        "soak_hours_equivalent": round(batches / 3600, 2),
        **{
            key.removesuffix("_mb"): slopes([(s["t"], s[key]) for s in samples], warmup_s)
            for key in SLOPES
            if key in samples[0]
        },
        "engine_end": {k: v for k, v in samples[-1].items() if k not in ("t",)},
        "samples": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=12)
    parser.add_argument("--batches-per-s", type=float, default=10)
    parser.add_argument("--events-per-batch", type=int, default=20)
    parser.add_argument("--mode", choices=("write", "check", "idle"), default="write")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--table-setting", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--sample-every", type=float, default=15)
    parser.add_argument("--warmup-fraction", type=float, default=1 / 3)
    parser.add_argument("--out", type=Path)
    ns = parser.parse_args()
    result = {
        "benchmark": "analytics-memory",
        "command": "uv run --frozen python -m bench.analytics_memory " + " ".join(sys.argv[1:]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **asyncio.run(run(ns)),
    }
    summary = {k: v for k, v in result.items() if k != "samples"}
    print(json.dumps(summary, indent=2))
    if ns.out:
        ns.out.parent.mkdir(parents=True, exist_ok=True)
        ns.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
