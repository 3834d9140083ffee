"""CPU seconds, memory and open descriptors of process trees, read from /proc (Linux only)."""

from __future__ import annotations

import os
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, utime + stime in ticks) of one process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _table() -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                out[int(entry)] = st
    return out


def _tree(root: int, table: dict[int, tuple[int, int]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each named process and its descendants."""
    table = _table()
    return {
        name: sum(table[p][1] for p in _tree(pid, table)) / CLK_TCK for name, pid in roots.items()
    }


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_memory_mb(roots: dict[str, int]) -> dict[str, dict[str, float]]:
    """VmHWM (peak resident set) per named tree: the largest process and the sum (the sum
    counts shared pages once per process, e.g. PostgreSQL's shared buffers)."""
    table = _table()
    out = {}
    for name, root in roots.items():
        hwm = [_status_kb(p, "VmHWM") for p in _tree(root, table)]
        out[name] = {
            "vmhwm_max_mb": round(max(hwm, default=0) / 1024, 1),
            "vmhwm_sum_mb": round(sum(hwm) / 1024, 1),
            "processes": len(hwm),
        }
    return out


def system_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from the first line of /proc/stat."""
    vals = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals) - idle, sum(vals)


def resident_mb(roots: dict[str, int]) -> dict[str, float]:
    """Current resident set (VmRSS) per named tree, summed over its processes, in MB."""
    table = _table()
    return {
        name: round(sum(_status_kb(p, "VmRSS") for p in _tree(root, table)) / 1024, 2)
        for name, root in roots.items()
    }


def open_fds(roots: dict[str, int]) -> dict[str, int]:
    """Open file descriptors per named tree (every process's /proc/PID/fd)."""
    table = _table()
    out = {}
    for name, root in roots.items():
        n = 0
        for pid in _tree(root, table):
            try:
                n += len(os.listdir(f"/proc/{pid}/fd"))
            except OSError:
                pass
        out[name] = n
    return out


def spawned_children(root: int) -> list[int]:
    """The multiprocessing-spawned workers under `root` (the edge's worker processes)."""
    table = _table()
    out = []
    for pid in _tree(root, table):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            out.append(pid)
    return out
