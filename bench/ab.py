"""A/B of two Tokaroo trees on one machine, side by side in one run: a base revision (checked
out in a git worktree under bench/.work/, with its own environment) and this tree. Both stacks
are up at once; each round measures both, in an order that alternates, so that machine noise
falls on both sides alike. Per round and side: `fast` at c=1 (wrk, distinct bodies: misses
that go upstream), exact-cache hits at c=1, streams' time to first token (sequential), and
(`--cpu`) edge and total CPU ms per request at c=16. Compare the sides by their per-round
pairs and medians, not with another run.

    uv run --frozen python -m bench.ab --base 1095fb6 --name hold-read --rounds 8

Writes bench/results/ab-<name>.json. Needs `wrk` (bench/setup.sh)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench import loadgen, procstat

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
STARTUP_S = 600


def worktree(rev: str) -> Path:
    """A checkout of `rev` with its own environment (made once, reused)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    path = WORK / f"ab-{sha}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "-f", str(path), sha], cwd=ROOT, check=True)
    subprocess.run(["uv", "sync", "--frozen", "--all-packages"], cwd=path, check=True)
    return path


def start(tree: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    facts = WORK / f"ab-{name}.json"
    facts.unlink(missing_ok=True)
    log = (WORK / f"ab-{name}.log").open("wb")
    proc = subprocess.Popen(
        [str(tree / ".venv" / "bin" / "python"), str(ROOT / "bench" / "ab_stack.py"), str(facts)],
        cwd=tree,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, facts


def wait_for(facts: Path, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + STARTUP_S
    while not facts.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the stack for {facts.name} did not start (see its .log)")
        time.sleep(1)
    return dict(json.loads(facts.read_text()))


def measure(
    side: dict[str, Any], tag: str, seconds: float, cpu: bool, first: bool
) -> dict[str, Any]:
    url, key = side["url"], side["key"]
    out: dict[str, Any] = {}
    c1 = loadgen.wrk(url, key, "fast", connections=1, seconds=seconds, nonce=f"{tag}-c1")
    out["c1_p50_ms"], out["c1_p99_ms"] = c1["latency_ms"]["p50"], c1["latency_ms"]["p99"]
    if first:
        out["hit_check"] = loadgen.check_cache_hit(url, key, "fast", side["hit_tag"])
    hit = loadgen.wrk(
        url, key, "fast", connections=1, seconds=seconds, nonce=side["hit_tag"], mode="fixed"
    )
    out["hit_p50_ms"] = hit["latency_ms"]["p50"]
    streams = loadgen.streams(url, key, "fast", seconds=seconds, nonce=f"{tag}-stream")
    out["ttft_p50_ms"] = streams["ttft_ms"]["p50"]
    if cpu:
        roots = dict(side["pids"])
        before = procstat.cpu_seconds(roots)
        run = loadgen.wrk(url, key, "fast", connections=16, seconds=seconds, nonce=f"{tag}-c16")
        time.sleep(2)  # settlement and analytics of the run count as its CPU
        after = procstat.cpu_seconds(roots)
        n = max(run["requests"], 1)
        per = {k: 1000 * (after[k] - before[k]) / n for k in after}
        out["c16_rps"] = run["rps"]
        out["edge_cpu_ms"] = round(per.get("edge", 0.0), 3)
        out["total_cpu_ms"] = round(sum(per.values()), 3)
    return out


def summary(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    fields = [k for k in rounds[0]["A"] if isinstance(rounds[0]["A"][k], float | int)]
    out: dict[str, dict[str, float]] = {}
    for f in fields:
        a = [r["A"][f] for r in rounds]
        b = [r["B"][f] for r in rounds]
        out[f] = {
            "A_median": round(statistics.median(a), 3),
            "B_median": round(statistics.median(b), 3),
            "B_over_A": round(statistics.median(b) / statistics.median(a), 3),
            "rounds_B_lower": sum(y < x for x, y in zip(a, b, strict=True)),
        }
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="the A side: a git revision")
    p.add_argument("--name", required=True, help="names the results file")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--cpu", action="store_true", help="also CPU per request at c=16")
    a = p.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    trees = {"A": worktree(a.base), "B": ROOT}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        facts: dict[str, Path] = {}
        for name, tree in trees.items():
            procs[name], facts[name] = start(tree, name)
        sides = {s: wait_for(facts[s], procs[s]) for s in trees}
        run = uuid.uuid4().hex[:8]
        for name, side in sides.items():
            side["hit_tag"] = f"{run}-hit-{name}"
            loadgen.wrk(side["url"], side["key"], "fast", connections=8, seconds=3, nonce=run)
        rounds: list[dict[str, dict[str, Any]]] = []
        for r in range(a.rounds):
            order = ["A", "B"] if r % 2 == 0 else ["B", "A"]
            row: dict[str, dict[str, Any]] = {}
            for s in order:
                row[s] = measure(sides[s], f"{run}-{s}{r}", a.seconds, a.cpu, first=r == 0)
                print(f"round {r} {s}: {row[s]}", flush=True)
            rounds.append(row)
        result = {
            "command": "uv run --frozen python -m bench.ab " + " ".join(argv),
            "A": {"tree": str(trees["A"].name), "base": a.base},
            "B": {"tree": "this tree", "head": _head()},
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "rounds": rounds,
            "summary": summary(rounds),
        }
        out = ROOT / "bench" / "results" / f"ab-{a.name}.json"
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps(result["summary"], indent=1))
        return 0
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(120)


def _head() -> str:
    return subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
