"""`make soak`: steady mixed traffic through the local stack for a long time, watching every
service for leaks.

Traffic (loopback only, bounded in time and in count): chat completions that miss the cache,
streamed ones, repeats that hit it, two-step tool loops, embeddings, and requests that must be
refused (malformed body, unknown key). Every few seconds each service's resident memory and
open descriptors are read from /proc (the whole process tree), and its /metrics for the tasks
on its event loop (`tokaroo_asyncio_tasks`) and, at the edge, the outbox depth. The report
gives, per service, the slope of RSS after warm-up (least squares, MB per hour; the key
`rss_slope_mb_per_hour`) and over the last half of the run (a slope that falls from one to
the other is a cache or an allocator filling up, not a leak); the slope through its lows
(`rss_floor_slope_mb_per_hour`: a line through the lowest sample of each `--floor-window`
window, 2 minutes by default), which is what memory keeps between the peaks of a sawtooth
such as the analytics sink's chdb merges, readable where the raw slope swings with the teeth
(it smooths teeth shorter than the window, not a level shift or a tooth longer than it); the
slopes of its anonymous and file-backed parts (RssAnon, a leak; RssFile, mapped files such
as a model's weights read in as they are touched, bounded by their size), each with its
floor slope too; the growth of descriptors and tasks, what the descriptors are (sockets,
pipes, files by folder) after warm-up and at the end, and every answer that was not
the one expected. Warm-up: a third of the run, at most ten minutes (the embedding memo, the
connection pools and ClickHouse's parts and merges settle in the first minutes).

    uv run --frozen python -m bench.soak [--minutes 30] [--floor-window 120]
        [--out bench/results/soak.json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import procstat
from tests.harness import Stack, running_stack

SERVICES = (
    "edge",
    "router",
    "cache",
    "ledger",
    "analytics",
    "simulator",
    "nats",
    "valkey",
    "postgres",
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per hour. Pure."""
    if len(points) < 3:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return sum((t - mx) * (v - my) for t, v in points) / var * 3600


def window_floor(points: list[tuple[float, float]], window_s: float) -> list[tuple[float, float]]:
    """The lowest point of each consecutive `window_s` window (from the first point's time):
    the lows of a sawtooth, whose slope is what memory keeps between collections or merges.
    Pure."""
    lows: dict[int, tuple[float, float]] = {}
    if not points or window_s <= 0:
        return list(points)
    t0 = points[0][0]
    for t, v in points:
        k = int((t - t0) // window_s)
        if k not in lows or v < lows[k][1]:
            lows[k] = (t, v)
    return [lows[k] for k in sorted(lows)]


def after_warmup(points: list[tuple[float, float]], warmup_s: float) -> list[tuple[float, float]]:
    return [(t, v) for t, v in points if t >= warmup_s]


def warmup_seconds(minutes: float) -> float:
    return min(600.0, minutes * 60 / 3)


def fd_kind(target: str, home: str) -> str:
    """What a descriptor points at, coarsely: `socket`, `pipe`, `anon_inode`, `/dev`, `/proc`, or a
    file by its folder under the stack's home (`<home>/clickhouse/...` -> `home:clickhouse`).
    Pure."""
    for prefix in ("socket", "pipe", "anon_inode"):
        if target.startswith(prefix):
            return prefix
    if target.startswith("/dev/"):
        return "/dev"
    if target.startswith("/proc/"):  # e.g. ClickHouse's per-thread /proc/<pid>/task files
        return "/proc"
    if home and target.startswith(home.rstrip("/") + "/"):
        return "home:" + target[len(home.rstrip("/")) + 1 :].split("/", 1)[0]
    return "other-file"


def fd_kinds(pid: int, home: str) -> dict[str, int]:
    """Counts of fd_kind over one process's descriptors (its own, not its children's)."""
    counts: Counter[str] = Counter()
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        entries = list(fd_dir.iterdir())
    except OSError:
        return {}
    for entry in entries:
        try:
            counts[fd_kind(os.readlink(entry), home)] += 1
        except OSError:
            continue
    return dict(sorted(counts.items()))


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc/<pid>/task/<tid>/children."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                todo.extend(
                    int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
                )
            except OSError:
                continue
    return out


def status_kb(status: str, field: str) -> int:
    """A `Field:  N kB` line of /proc/<pid>/status text. Pure."""
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def resident_kinds_mb(roots: dict[str, int]) -> dict[str, dict[str, float]]:
    """Anonymous and file-backed resident memory (RssAnon, RssFile) per process tree, in MB:
    a leak grows the first; mapped files (a model's weights, a database's files) faulted
    in as they are read grow the second up to the files' size."""
    out = {}
    for name, root in roots.items():
        anon = file = 0
        for pid in _tree(root):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            anon += status_kb(status, "RssAnon")
            file += status_kb(status, "RssFile")
        out[name] = {"rss_anon_mb": round(anon / 1024, 2), "rss_file_mb": round(file / 1024, 2)}
    return out


def metric_value(text: str, name: str) -> float | None:
    """The value of an unlabelled sample `name` in a Prometheus exposition. Pure."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


@dataclass
class Traffic:
    outcomes: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    requests: int = 0

    def note(self, kind: str, status: int, expected: int) -> None:
        self.requests += 1
        self.outcomes[f"{kind}:{status}"] += 1
        if status != expected and len(self.unexpected) < 50:
            self.unexpected.append(f"{kind}: HTTP {status}, expected {expected}")


async def one(client: httpx.AsyncClient, key: str, n: int, traffic: Traffic) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    kind = random.choices(
        ["miss", "stream", "hit", "tools", "embed", "bad-body", "bad-key"],
        weights=[35, 15, 15, 10, 10, 10, 5],
    )[0]
    if kind == "miss":
        r = await client.post(
            "/chat/completions",
            headers=auth,
            json={
                "model": "fast",
                "messages": [{"role": "user", "content": f"Soak question {n}?"}],
            },
        )
        traffic.note(kind, r.status_code, 200)
    elif kind == "hit":
        r = await client.post(
            "/chat/completions",
            headers=auth,
            json={
                "model": "auto",
                "messages": [{"role": "user", "content": "What is a soak test?"}],
            },
        )
        traffic.note(kind, r.status_code, 200)
    elif kind == "stream":
        async with client.stream(
            "POST",
            "/chat/completions",
            headers=auth,
            json={
                "model": "auto",
                "stream": True,
                "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": f"Tell me a story, {n}."}],
            },
        ) as r:
            async for _ in r.aiter_lines():
                pass
        traffic.note(kind, r.status_code, 200)
    elif kind == "tools":
        messages: list[dict[str, Any]] = [
            {"role": "user", "content": f"What is the weather in city {n % 50}?"}
        ]
        r = await client.post(
            "/chat/completions",
            headers=auth,
            json={"model": "auto", "messages": messages, "tools": TOOLS},
        )
        traffic.note(kind, r.status_code, 200)
        calls = (
            r.json()["choices"][0]["message"].get("tool_calls") or []
            if r.status_code == 200
            else []
        )
        if calls:
            messages += [
                r.json()["choices"][0]["message"],
                {"role": "tool", "tool_call_id": calls[0]["id"], "content": "18C"},
            ]
            r = await client.post(
                "/chat/completions",
                headers=auth,
                json={"model": "auto", "messages": messages, "tools": TOOLS},
            )
            traffic.note("tool-result", r.status_code, 200)
    elif kind == "embed":
        r = await client.post(
            "/embeddings",
            headers=auth,
            json={"model": "auto", "input": [f"soak text {n}", "another"]},
        )
        traffic.note(kind, r.status_code, 200)
    elif kind == "bad-body":
        r = await client.post("/chat/completions", headers=auth, content=b"{not json")
        traffic.note(kind, r.status_code, 400)
    else:
        r = await client.post(
            "/chat/completions",
            headers={"Authorization": "Bearer tok_x"},
            json={"model": "auto", "messages": [{"role": "user", "content": "hi"}]},
        )
        traffic.note(kind, r.status_code, 401)


async def drive(
    stack: Stack, deadline: float, max_requests: int, rate: float, traffic: Traffic
) -> None:
    counter = itertools.count()
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as client:

        async def worker() -> None:
            while time.monotonic() < deadline and traffic.requests < max_requests:
                started = time.monotonic()
                try:
                    await one(client, stack.api_key, next(counter), traffic)
                except httpx.HTTPError as exc:
                    traffic.note(f"transport:{type(exc).__name__}", 0, 200)
                await asyncio.sleep(max(0.0, 4 / rate - (time.monotonic() - started)))

        await asyncio.gather(*(worker() for _ in range(4)))


async def sample(
    stack: Stack,
    stop: asyncio.Event,
    every_s: float,
    t0: float,
    series: dict[str, dict[str, list[tuple[float, float]]]],
) -> None:
    layout = stack.layout
    metrics_urls = {
        name: f"http://127.0.0.1:{port}/metrics" for name, port in layout.metrics_ports.items()
    }
    metrics_urls["edge"] = f"http://127.0.0.1:{layout.edge_port}/metrics"
    async with httpx.AsyncClient(timeout=5) as client:
        while not stop.is_set():
            roots = {n: p.pid for n, p in stack.procs.items() if n in SERVICES and p.pid}
            now = time.monotonic() - t0
            for name, mb in procstat.resident_mb(roots).items():
                series.setdefault(name, {}).setdefault("rss_mb", []).append((now, mb))
            for name, kinds in resident_kinds_mb(roots).items():
                for kind, mb in kinds.items():
                    series.setdefault(name, {}).setdefault(kind, []).append((now, mb))
            for name, fds in procstat.open_fds(roots).items():
                series[name].setdefault("fds", []).append((now, fds))
            for name, url in metrics_urls.items():
                try:
                    text = (await client.get(url)).text
                except httpx.HTTPError:
                    continue
                for metric, label in (
                    ("tokaroo_asyncio_tasks", "tasks"),
                    ("tokaroo_outbox_pending", "outbox_pending"),
                ):
                    value = metric_value(text, metric)
                    if value is not None:
                        series.setdefault(name, {}).setdefault(label, []).append((now, value))
            try:
                await asyncio.wait_for(stop.wait(), every_s)
            except TimeoutError:
                pass


def summarize(
    series: dict[str, dict[str, list[tuple[float, float]]]],
    warmup_s: float,
    floor_window_s: float = 120.0,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kinds in sorted(series.items()):
        rss = kinds.get("rss_mb", [])
        steady = after_warmup(rss, warmup_s)
        end = rss[-1][0] if rss else 0.0
        second_half = after_warmup(rss, warmup_s + (end - warmup_s) / 2)
        row: dict[str, Any] = {
            "rss_slope_mb_per_hour": round(slope_per_hour(steady), 2),
            "rss_slope_second_half_mb_per_hour": round(slope_per_hour(second_half), 2),
            "rss_floor_slope_mb_per_hour": round(
                slope_per_hour(window_floor(steady, floor_window_s)), 2
            ),
            "rss_mb_after_warmup": steady[0][1] if steady else None,
            "rss_mb_end": rss[-1][1] if rss else None,
            "rss_mb_max": max((v for _, v in rss), default=None),
        }
        for kind in ("rss_anon_mb", "rss_file_mb"):
            points = after_warmup(kinds.get(kind, []), warmup_s)
            if points:
                label = kind.removesuffix("_mb")
                row[f"{label}_slope_mb_per_hour"] = round(slope_per_hour(points), 2)
                row[f"{label}_floor_slope_mb_per_hour"] = round(
                    slope_per_hour(window_floor(points, floor_window_s)), 2
                )
                row[f"{kind}_end"] = points[-1][1]
        for kind in ("fds", "tasks", "outbox_pending"):
            points = after_warmup(kinds.get(kind, []), warmup_s)
            if points:
                row[f"{kind}_after_warmup"] = points[0][1]
                row[f"{kind}_end"] = points[-1][1]
                row[f"{kind}_max"] = max(v for _, v in points)
                row[f"{kind}_slope_per_hour"] = round(slope_per_hour(points), 2)
        out[name] = row
    return out


async def soak(
    stack: Stack,
    minutes: float,
    rate: float,
    every_s: float,
    max_requests: int,
    floor_window_s: float = 120.0,
) -> dict[str, Any]:
    t0 = time.monotonic()
    series: dict[str, dict[str, list[tuple[float, float]]]] = {}
    traffic = Traffic()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(stack, stop, every_s, t0, series))
    warmup_s = warmup_seconds(minutes)
    home = str(stack.layout.home)
    fds: dict[str, Any] = {}

    async def census() -> None:
        await asyncio.sleep(warmup_s)
        fds["after_warmup"] = {n: fd_kinds(p.pid, home) for n, p in stack.procs.items() if p.pid}

    census_task = asyncio.create_task(census())
    await drive(stack, t0 + minutes * 60, max_requests, rate, traffic)
    stop.set()
    await sampler
    census_task.cancel()
    fds["end"] = {n: fd_kinds(p.pid, home) for n, p in stack.procs.items() if p.pid}
    return {
        "minutes": minutes,
        "warmup_s": warmup_s,
        "floor_window_s": floor_window_s,
        "rate_target_per_s": rate,
        "descriptors": fds,
        "requests": traffic.requests,
        "outcomes": dict(sorted(traffic.outcomes.items())),
        "unexpected": traffic.unexpected,
        "services": summarize(series, warmup_s, floor_window_s),
        "samples": {n: {k: v for k, v in kinds.items()} for n, kinds in series.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=float, default=20, help="requests per second (target)")
    ap.add_argument("--every", type=float, default=5, help="seconds between samples")
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument(
        "--floor-window", type=float, default=120, help="seconds per window of the floor slope"
    )
    ap.add_argument("--out", type=Path, default=Path("bench/results/soak.json"))
    args = ap.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="tk-soak-"))
    try:
        with running_stack(home) as stack:
            result = asyncio.run(
                soak(
                    stack,
                    args.minutes,
                    args.rate,
                    args.every,
                    args.max_requests,
                    args.floor_window,
                )
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result["command"] = (
        f"uv run --frozen python -m bench.soak --minutes {args.minutes:g} --rate {args.rate:g}"
    )
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for name, row in result["services"].items():
        print(
            f"{name:10} rss slope {row['rss_slope_mb_per_hour']:+8.2f} MB/h  "
            f"floor {row['rss_floor_slope_mb_per_hour']:+8.2f}  "
            f"(anon {row.get('rss_anon_slope_mb_per_hour', 0):+8.2f}, "
            f"file {row.get('rss_file_slope_mb_per_hour', 0):+8.2f})  "
            f"end {row['rss_mb_end']} MB  tasks {row.get('tasks_end')}  fds {row.get('fds_end')}"
        )
    print(f"{result['requests']} requests, unexpected answers: {len(result['unexpected'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
