"""py-spy sampling of a running service and a plain-text summary with percentages.

py-spy counts every thread it thinks is running; anyio's idle worker threads (FastAPI runs
sync dependencies there) and gRPC's poller look busy to it, so the summary splits the event
loop thread (the one that started in `__main__`) from the rest, and drops the known idle
leaves (`Condition.wait`, selectors) from the other threads."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"^(.*) (\d+)$")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
IDLE_LEAVES = (
    "Condition.wait (",
    "EpollSelector.select (",
    "_PollLikeSelector.select (",
    "Event.wait (",
    "Queue.get (",
    "select (",
)
LOOP_IDLE = ("EpollSelector.select (", "_PollLikeSelector.select (")  # plain asyncio waiting
# Python frames that call straight into C: py-spy cannot tell a wait from work there
# (gRPC's poller thread, thread-pool workers blocked on their queue); `--native` can.
IN_C = ("Thread.run (threading", "_worker (concurrent/futures/thread")


def start(
    pyspy: Path,
    pid: int,
    seconds: int,
    out: Path,
    *,
    rate: int = 100,
    native: bool = False,
    subprocesses: bool = False,
) -> subprocess.Popen[bytes]:
    """`subprocesses`: the worker processes too (the edge's workers: tokaroo_edge.workers)."""
    argv = [
        str(pyspy),
        "record",
        "-p",
        str(pid),
        "-d",
        str(seconds),
        "-r",
        str(rate),
        "-f",
        "raw",
        "-o",
        str(out),
    ]
    if native:
        argv.append("--native")
    if subprocesses:
        argv.append("--subprocesses")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _split(frame: str) -> tuple[str, str]:
    """(display name, module path) of one raw frame."""
    m = _FRAME.match(frame)
    if not m:
        return frame, ""
    path = m.group("file")
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({path})", path


def _package(path: str) -> str:
    if not path or path.startswith("<"):
        return "(python runtime)"
    head = path.split("/", 1)[0]
    return head[:-3] if head.endswith(".py") else head


def summarize(
    raw: Path, *, seconds: float, rate: int, top: int = 25, processes: int = 1
) -> tuple[dict, str]:
    """`processes`: how many event loops were sampled (the edge's workers), which multiplies
    the samples possible; a worker's main thread starts at `spawn_main`."""
    main_self: Counter[str] = Counter()
    main_incl: Counter[str] = Counter()
    main_pkg: Counter[str] = Counter()
    other_self: Counter[str] = Counter()
    main_n = other_busy = other_idle = loop_idle = other_c = 0
    for line in raw.read_text(errors="replace").splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        n = int(m.group(2))
        frames = [_split(f) for f in m.group(1).split(";") if f]
        frames = [f for f in frames if not f[0].startswith(("process ", "thread "))]
        if not frames:
            continue
        leaf = frames[-1][0]
        if any(
            "__main__" in f[1] or f[0].startswith(("_run_module_as_main", "spawn_main"))
            for f in frames[:4]
        ):
            if leaf.startswith(LOOP_IDLE):
                loop_idle += n
                continue
            main_n += n
            main_self[leaf] += n
            main_pkg[_package(frames[-1][1])] += n
            for name in {f[0] for f in frames}:
                main_incl[name] += n
        elif leaf.startswith(IDLE_LEAVES):
            other_idle += n
        elif leaf.startswith(IN_C):
            other_c += n
        else:
            other_busy += n
            other_self[leaf] += n

    def rows(c: Counter[str], total: int, k: int = top) -> list[tuple[float, int, str]]:
        return (
            [(round(100 * v / total, 1), v, name) for name, v in c.most_common(k)] if total else []
        )

    own = Counter({k: v for k, v in main_incl.items() if "tokaroo_" in k})
    possible = max(1, int(seconds * rate * processes))
    data = {
        "event_loop_samples": main_n,
        "possible_samples": possible,
        "event_loop_busy_pct": round(100 * main_n / possible, 1),
        "event_loop_selector_wait_samples": loop_idle,
        "other_threads_busy_samples": other_busy,
        "other_threads_idle_samples": other_idle,
        "other_threads_in_c_samples": other_c,
        "self": rows(main_self, main_n),
        "inclusive": rows(main_incl, main_n, 40),
        "tokaroo_inclusive": rows(own, main_n, 30),
        "by_package": rows(main_pkg, main_n, 15),
        "other_threads_self": rows(other_self, other_busy, 10),
    }
    out = [
        f"event loop thread: {main_n} busy samples of {possible} possible "
        f"({data['event_loop_busy_pct']}%; idle waits left out: uvloop's by py-spy, "
        f"{loop_idle} asyncio selector waits here)",
        f"other threads: {other_busy} busy samples in Python, {other_c} in C called from "
        f"Thread.run / a pool worker (gRPC poller or a queue wait: py-spy --native tells), "
        f"{other_idle} idle (Condition.wait, select) left out",
        "",
        "EVENT LOOP, SELF by package (where samples end):",
    ]
    out += [f"  {p:5.1f}%  {n:6d}  {k}" for p, n, k in data["by_package"]]
    out += ["", "EVENT LOOP, SELF by frame:"]
    out += [f"  {p:5.1f}%  {n:6d}  {k}" for p, n, k in data["self"]]
    out += ["", "EVENT LOOP, INCLUSIVE, Tokaroo's own functions:"]
    out += [f"  {p:5.1f}%  {n:6d}  {k}" for p, n, k in data["tokaroo_inclusive"]]
    out += ["", "EVENT LOOP, INCLUSIVE, every function:"]
    out += [f"  {p:5.1f}%  {n:6d}  {k}" for p, n, k in data["inclusive"]]
    if other_busy:
        out += ["", "OTHER THREADS, SELF (busy samples only):"]
        out += [f"  {p:5.1f}%  {n:6d}  {k}" for p, n, k in data["other_threads_self"]]
    return data, "\n".join(out)
