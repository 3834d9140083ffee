"""A debugging aid for memory growth: a service whose `<service>_tracemalloc_every_s` setting
is > 0 (`TOKAROO_CACHE_TRACEMALLOC_EVERY_S`, `TOKAROO_ROUTER_TRACEMALLOC_EVERY_S`) traces
Python allocations and logs, every that many seconds, the call sites whose live memory grew
most since the first snapshot (a leak keeps climbing in the same place; a cache filling up
stops), with the traced total (flat while RSS climbs: native memory, not Python objects).
Tracing slows the process: off unless asked for."""

from __future__ import annotations

import asyncio
import logging
import tracemalloc

log = logging.getLogger(__name__)


def growth_lines(stats: list[tracemalloc.StatisticDiff], top: int, frames: int = 4) -> list[str]:
    """The `top` largest growths as one line each: KB grown, blocks grown, the innermost
    `frames` frames of the allocating stack (`where < its caller < ...`). Pure."""
    out = []
    for stat in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:top]:
        innermost = list(stat.traceback)[::-1][:frames]  # tracemalloc lists oldest first
        where = " < ".join(f"{f.filename}:{f.lineno}" for f in innermost)
        out.append(f"{stat.size_diff / 1024:+.1f} KB {stat.count_diff:+d} blocks {where}")
    return out


async def watch_heap(every_s: float, top: int = 12) -> None:
    """Log the top growths every `every_s` seconds until cancelled."""
    tracemalloc.start(8)
    try:
        first = tracemalloc.take_snapshot()
        while True:
            await asyncio.sleep(every_s)
            snap = tracemalloc.take_snapshot()
            lines = growth_lines(snap.compare_to(first, "traceback"), top)
            log.warning(
                "heap growth since start",
                extra={
                    "traced_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 2),
                    "top": lines,
                },
            )
    finally:
        tracemalloc.stop()


def start_heap_watch(every_s: float, top: int = 12) -> asyncio.Task[None] | None:
    """The watch as a task on the running loop when `every_s` > 0 (cancel it to stop), else
    None."""
    if every_s <= 0:
        return None
    return asyncio.create_task(watch_heap(every_s, top), name="heap-watch")
