"""`make bench`: Tokaroo's overhead, throughput and streaming latency next to LiteLLM's proxy.

One session: the local stack (tests/harness.py's processes) on free ports, LiteLLM's proxy
(bench/setup.sh installs it) pointed at the same upstream simulator, then for each simulator
latency (the simulator is restarted in place on the same port) interleaved rounds of
simulator-direct / Tokaroo / LiteLLM runs: wrk at concurrency 1 and 32 with a distinct body per
request (every request a cache miss), sequential streams timed per chunk, Tokaroo's exact-cache
hits, the router's Route call; CPU seconds and peak memory of every process from /proc; a py-spy
profile of the edge (and router, cache) under concurrency-32 load. Writes bench/results/bench.json
and bench/results/RESULTS.md.

    uv run --frozen python -m bench.run [--quick] [--latencies 0,50] [--no-profile]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import importlib.metadata as md
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tokaroo_cli.infra.ports import free_port
from tokaroo_cli.launch import managed
from tokaroo_cli.stack import StackLayout, launch_plan

from bench import loadgen, procstat, pyspy, report
from bench.litellm_proxy import MASTER_KEY, LiteLLMProxy
from tests.harness import Stack, make_layout, stack_for

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".work" / "litellm-venv"
SIM_KEY = "sim-openai-key"
DIRECT_MODEL = "gpt-4o-mini"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- the stack ---------------------------------------------------------------------------


@contextlib.contextmanager
def bench_stack(layout: StackLayout) -> Iterator[Stack]:
    """The stack the tests run (tests.harness.stack_for), for a given layout (simulator
    latency), without the tests' extra settings."""
    with stack_for(layout) as stack:
        yield stack


def swap_simulator(stack: Stack, latency_ms: int) -> None:
    """Restart the upstream simulator on the same port with another latency."""
    layout = dataclasses.replace(stack.layout, simulator_latency_ms=latency_ms)
    launch = next(
        launch
        for stage in launch_plan(layout)
        for launch in stage.launches
        if launch.spec.name == "simulator"
    )
    stack.procs["simulator"].stop()
    stack.procs["simulator"] = managed(launch, layout.home / "logs").start()
    stack.layout = layout


# ---- measuring ---------------------------------------------------------------------------


class Meter:
    """CPU seconds per process tree, the machine's busy share, and the load generator's own
    CPU (wrk as a child, the streaming client in this process) around one run."""

    def __init__(self, roots: Callable[[], dict[str, int]]) -> None:
        self.roots = roots

    def run(self, fn: Callable[[], dict]) -> dict:
        roots = self.roots()
        c0, (b0, t0) = procstat.cpu_seconds(roots), procstat.system_ticks()
        ch0, me0 = (
            resource.getrusage(resource.RUSAGE_CHILDREN),
            resource.getrusage(resource.RUSAGE_SELF),
        )
        res = fn()
        busy_until = time.monotonic()
        settle(roots)  # the work a run left queued (settlement, analytics) is its CPU too
        res["settle_s"] = round(time.monotonic() - busy_until, 2)
        c1, (b1, t1) = procstat.cpu_seconds(roots), procstat.system_ticks()
        ch1, me1 = (
            resource.getrusage(resource.RUSAGE_CHILDREN),
            resource.getrusage(resource.RUSAGE_SELF),
        )
        res["cpu_s"] = {k: round(c1[k] - c0.get(k, c1[k]), 3) for k in c1}
        res["cpu_s"]["loadgen"] = round(
            (ch1.ru_utime + ch1.ru_stime - ch0.ru_utime - ch0.ru_stime)
            + (me1.ru_utime + me1.ru_stime - me0.ru_utime - me0.ru_stime),
            3,
        )
        res["machine_busy_pct"] = round(100 * (b1 - b0) / max(1, t1 - t0), 1)
        res["loadavg_1m"] = os.getloadavg()[0]
        return res


def settle(
    roots: dict[str, int], *, window_s: float = 0.25, idle_share: float = 0.05, cap_s: float = 10.0
) -> None:
    """Wait until every measured process is idle (together under `idle_share` of one core
    over a `window_s` window), at most `cap_s`: the events a run published are settled and
    written to analytics by then, so that CPU counts for the run that caused it, and the next
    run does not share the machine with this one's backlog."""
    end = time.monotonic() + cap_s
    before = procstat.cpu_seconds(roots)
    while time.monotonic() < end:
        time.sleep(window_s)
        now = procstat.cpu_seconds(roots)
        spent = sum(now[k] - before.get(k, now[k]) for k in now)
        before = now
        if spent < idle_share * window_s:
            return


def median(values: list[float]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.median(vals), 3) if vals else None


# ---- the session -------------------------------------------------------------------------


@dataclasses.dataclass
class Plan:
    latencies: list[int]
    rounds: dict[int, int]
    c1_s: float
    c32_s: float
    stream_s: float
    extra_s: float
    profile_s: int
    litellm: bool
    model: str
    # The upstream formats Tokaroo's router may use (TOKAROO_ROUTER_PROVIDERS); "openai": the
    # same simulator endpoint LiteLLM and the direct baseline call, so all three do the same
    # upstream work. "all": every format the simulator speaks (its Anthropic stream sends
    # three events before the first text, so its own time to first token is longer).
    providers: str = "openai"


# LiteLLM at its best on the same cores: one worker, and (as `litellm_workers`) one per core.
LITELLM_TARGETS = ("litellm", "litellm_workers")


def targets(
    stack: Stack, key: str, lites: dict[str, LiteLLMProxy], model: str
) -> dict[str, tuple[str, str, str]]:
    out = {
        "direct": (f"{stack.layout.simulator_url}/v1", SIM_KEY, DIRECT_MODEL),
        "tokaroo": (stack.base_url, key, model),
    }
    for name, lite in lites.items():
        out[name] = (lite.base_url, MASTER_KEY, model)
    return out


def measure_latency(
    stack: Stack,
    key: str,
    lites: dict[str, LiteLLMProxy],
    plan: Plan,
    meter: Meter,
    latency: int,
    tenant_keys: list[str] | None = None,
) -> dict:
    tg = targets(stack, key, lites, plan.model)
    names = list(tg)
    runs: list[dict] = []
    session = uuid.uuid4().hex[:8]

    def one(kind: str, target: str, rnd: int, **kw: Any) -> dict:
        url, k, model = tg[target]
        nonce = f"{session}-{kind}-{target}-{rnd}"
        if kind == "stream":
            fn = lambda: loadgen.streams(  # noqa: E731
                url,
                k,
                model,
                seconds=plan.stream_s,
                nonce=nonce,
            )
        else:
            conns = {"c1": 1, "c32": 32}[kind]
            secs = plan.c1_s if kind == "c1" else plan.c32_s
            fn = lambda: loadgen.wrk(  # noqa: E731
                url,
                k,
                model,
                connections=conns,
                seconds=secs,
                nonce=nonce,
                **kw,
            )
        res = meter.run(fn)
        res.update(
            kind=kind,
            target=target,
            round=rnd,
            sim_latency_ms=latency,
            at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        brief = (
            f"ttft p50 {res['ttft_ms']['p50']} ms"
            if kind == "stream"
            else f"{res['rps']} req/s p50 {res['latency_ms']['p50']} ms "
            f"p99 {res['latency_ms']['p99']} ms errors {res['non_2xx_or_failed']}"
        )
        log(
            f"  {latency:>3} ms {kind:6} {target:8} round {rnd}: {brief} "
            f"(machine busy {res['machine_busy_pct']}%)"
        )
        runs.append(res)
        return res

    log(f"simulator at {latency} ms: warm-up")
    for t in names:
        url, k, model = tg[t]
        loadgen.wrk(url, k, model, connections=8, seconds=3, nonce=f"{session}-warm-{t}")
        loadgen.streams(url, k, model, seconds=1, nonce=f"{session}-warm-{t}", max_streams=20)
    for rnd in range(plan.rounds[latency]):
        order = names[rnd % len(names) :] + names[: rnd % len(names)]  # rotate who goes first
        for kind in ("c1", "c32", "stream"):
            for t in order:
                one(kind, t, rnd)

    extras: dict[str, Any] = {}
    url, k, model = tg["tokaroo"]
    tag = f"{session}-hit"
    extras["cache_hit_check"] = loadgen.check_cache_hit(url, k, model, tag)
    hit = meter.run(
        lambda: loadgen.wrk(
            url, k, model, connections=1, seconds=plan.extra_s, nonce=tag, mode="fixed"
        )
    )
    log(
        f"  {latency:>3} ms cache hit c1: p50 {hit['latency_ms']['p50']} ms "
        f"p99 {hit['latency_ms']['p99']} ms ({extras['cache_hit_check']})"
    )
    extras["cache_hit_c1"] = hit
    if latency == 0:
        # Streaming through each dialect beside chat completions, interleaved, same model.
        dialects: dict[str, list[dict]] = {d: [] for d in loadgen.DIALECTS}
        for rnd in range(max(1, plan.rounds[latency])):
            for d in dialects:
                r = meter.run(
                    lambda d=d, rnd=rnd: loadgen.streams(
                        url,
                        k,
                        model,
                        seconds=plan.stream_s,
                        nonce=f"{session}-{d}-{rnd}",
                        dialect=d,
                    )
                )
                log(
                    f"  {latency:>3} ms stream {d:9} tokaroo round {rnd}: "
                    f"ttft p50 {r['ttft_ms']['p50']} ms, errors {r['errors']}"
                )
                dialects[d].append(r)
        extras["stream_dialects"] = dialects
        for conns in (1, 32):
            r = meter.run(
                lambda c=conns: loadgen.wrk(
                    url, k, "auto", connections=c, seconds=plan.extra_s, nonce=f"{session}-auto-{c}"
                )
            )
            log(
                f"  {latency:>3} ms model=auto c{conns}: {r['rps']} req/s "
                f"p50 {r['latency_ms']['p50']} ms p99 {r['latency_ms']['p99']} ms "
                f"errors {r['non_2xx_or_failed']}"
            )
            extras[f"auto_c{conns}"] = r
        if tenant_keys:
            r = meter.run(
                lambda: loadgen.wrk(
                    url,
                    k,
                    model,
                    connections=32,
                    seconds=plan.c32_s,
                    nonce=f"{session}-mt",
                    keys=tenant_keys,
                )
            )
            log(
                f"  {latency:>3} ms c32 over {len(tenant_keys)} tenants: {r['rps']} req/s "
                f"p50 {r['latency_ms']['p50']} ms p99 {r['latency_ms']['p99']} ms "
                f"errors {r['non_2xx_or_failed']}"
            )
            extras["c32_many_tenants"] = {**r, "tenants": len(tenant_keys)}
    return {"runs": runs, "extras": extras, "summary": summarize(runs, extras, names)}


def summarize(runs: list[dict], extras: dict, names: list[str]) -> dict:
    def pick(kind: str, target: str) -> list[dict]:
        return [r for r in runs if r["kind"] == kind and r["target"] == target]

    s: dict[str, Any] = {
        "c1": {},
        "c32": {},
        "stream": {},
        "added_c1_ms": {},
        "ttft_overhead_ms": {},
        "cpu_ms_per_request_c32": {},
    }
    for t in names:
        c1, c32, st = pick("c1", t), pick("c32", t), pick("stream", t)
        s["c1"][t] = {q: median([r["latency_ms"][q] for r in c1]) for q in ("p50", "p99")}
        s["c1"][t]["rps"] = median([r["rps"] for r in c1])
        s["c32"][t] = {q: median([r["latency_ms"][q] for r in c32]) for q in ("p50", "p99")}
        s["c32"][t]["rps"] = median([r["rps"] for r in c32])
        s["c32"][t]["errors"] = sum(r["non_2xx_or_failed"] for r in c32 + c1)
        s["stream"][t] = {q: median([r["ttft_ms"][q] for r in st]) for q in ("p50", "p99")}
        s["stream"][t]["errors"] = sum(r["errors"] for r in st)
        cpu: dict[str, list[float]] = {}
        for r in c32:
            for svc, secs in r["cpu_s"].items():
                cpu.setdefault(svc, []).append(1000 * secs / max(1, r["requests"]))
        s["cpu_ms_per_request_c32"][t] = {svc: median(v) for svc, v in cpu.items()}
    base = s["c1"]["direct"]
    for t in names:
        if t == "direct":
            continue
        s["added_c1_ms"][t] = {q: _sub(s["c1"][t][q], base[q]) for q in ("p50", "p99")}
        s["ttft_overhead_ms"][t] = {
            q: _sub(s["stream"][t][q], s["stream"]["direct"][q]) for q in ("p50", "p99")
        }
    direct_ttft = s["stream"].get("direct", {})
    if extras.get("stream_dialects") and direct_ttft:
        s["ttft_overhead_ms_by_dialect"] = {
            d: {
                q: _sub(median([r["ttft_ms"][q] for r in rs]), direct_ttft[q])
                for q in ("p50", "p99")
            }
            | {"errors": sum(r["errors"] for r in rs)}
            for d, rs in extras["stream_dialects"].items()
        }
    hit = extras.get("cache_hit_c1")
    if hit:
        s["cache_hit_c1"] = {
            "p50": hit["latency_ms"]["p50"],
            "p99": hit["latency_ms"]["p99"],
            "rps": hit["rps"],
            "verified": extras["cache_hit_check"]["verified"],
        }
    for lite in (n for n in LITELLM_TARGETS if n in names):
        tok, lit = s["c32"]["tokaroo"]["rps"], s["c32"][lite]["rps"]
        s[f"throughput_ratio_vs_{lite}"] = round(tok / lit, 2) if tok and lit else None
    if "litellm" in names:
        for what, key in (("added_c1_ms", "p50"), ("ttft_overhead_ms", "p50")):
            a, b = s[what]["tokaroo"][key], s[what]["litellm"][key]
            s[f"{what}_litellm_over_tokaroo"] = round(b / a, 1) if a and b and a > 0 else None
    return s


def _sub(a: float | None, b: float | None) -> float | None:
    return round(a - b, 3) if a is not None and b is not None else None


def budget(s0: dict) -> dict:
    """The ARCHITECTURE budget at 0 ms, checked against this run."""
    add, ttft = s0["added_c1_ms"]["tokaroo"], s0["ttft_overhead_ms"]["tokaroo"]
    out = {
        "added_p50_le_2ms": _le(add["p50"], 2),
        "added_p99_le_5ms": _le(add["p99"], 5),
        "ttft_overhead_p50_le_2ms": _le(ttft["p50"], 2),
        "cache_hit_p50_le_2ms": _le(s0.get("cache_hit_c1", {}).get("p50"), 2),
    }
    ratio = s0.get("throughput_ratio_vs_litellm")
    out["throughput_ge_10x_litellm"] = None if ratio is None else ratio >= 10
    return out


def issue_targets(s0: dict) -> dict:
    """The performance issue's (#17) targets at 0 ms, checked against this run."""
    add, ttft = s0["added_c1_ms"]["tokaroo"], s0["ttft_overhead_ms"]["tokaroo"]
    one, per_core = (s0.get(f"throughput_ratio_vs_{n}") for n in LITELLM_TARGETS)
    cpu = s0["cpu_ms_per_request_c32"].get("tokaroo", {})
    services = [cpu[n] for n in report.STACK if cpu.get(n) is not None]
    return {
        "throughput_ge_5x_litellm": None if one is None else one >= 5,
        "throughput_ge_3x_litellm_per_core": None if per_core is None else per_core >= 3,
        "added_p50_le_3ms": _le(add["p50"], 3),
        "added_p99_le_6ms": _le(add["p99"], 6),
        "ttft_overhead_p50_le_3ms": _le(ttft["p50"], 3),
        "cache_hit_p50_le_2ms": _le(s0.get("cache_hit_c1", {}).get("p50"), 2),
        "cpu_ms_per_request": round(sum(services), 2) if services else None,
        "cpu_ms_per_request_le_2_5": _le(round(sum(services), 2) if services else None, 2.5),
    }


def _le(v: float | None, limit: float) -> bool | None:
    return None if v is None else v <= limit


# ---- profiling ---------------------------------------------------------------------------


def profile(stack: Stack, key: str, plan: Plan, out_dir: Path) -> dict:
    spy = VENV / "bin" / "py-spy"
    if not spy.exists():
        return {"skipped": f"{spy} missing (bench/setup.sh installs it)"}
    secs = plan.profile_s
    url, k, model = stack.base_url, key, plan.model
    load: dict[str, Any] = {}
    th = threading.Thread(
        target=lambda: load.update(
            loadgen.wrk(
                url,
                k,
                model,
                connections=32,
                seconds=secs + 6,
                nonce=f"prof-{uuid.uuid4().hex[:6]}",
            )
        )
    )
    th.start()
    time.sleep(3)
    raws, procs = {}, {}
    work = BENCH / ".work"
    edge_workers = procstat.spawned_children(stack.procs["edge"].pid or 0)
    loops = {"edge": max(1, len(edge_workers))}
    for svc in ("edge", "router", "cache"):
        raws[svc] = work / f"pyspy-{svc}.txt"
        procs[svc] = pyspy.start(
            spy, stack.procs[svc].pid or 0, secs, raws[svc], subprocesses=bool(edge_workers)
        )
    errs = {
        svc: p.communicate(timeout=secs + 60)[1].decode(errors="replace")[-800:]
        for svc, p in procs.items()
    }
    th.join()
    result: dict[str, Any] = {
        "seconds": secs,
        "rate_hz": 100,
        "model": model,
        "load_during_profile": {"rps": load.get("rps"), "latency_ms": load.get("latency_ms")},
    }
    texts = []
    for svc, raw in raws.items():
        if not raw.exists() or raw.stat().st_size == 0:
            result[svc] = {"error": errs[svc]}
            continue
        n = loops.get(svc, 1)
        data, text = pyspy.summarize(raw, seconds=secs, rate=100, processes=n)
        data["processes"] = n
        result[svc] = data
        workers = f", {n} worker processes" if n > 1 else ""
        texts.append(f"===== {svc} (pid {stack.procs[svc].pid}{workers}) =====\n{text}\n")
    header = (
        f"py-spy {secs}s at 100 Hz on each service, during wrk -c32 model={model} on "
        f"the edge, simulator at {stack.layout.simulator_latency_ms} ms; "
        f"{load.get('rps')} req/s while sampled (py-spy slows the process).\n"
        f"Recorded {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; "
        f"load average {os.getloadavg()[0]:.2f}. Raw stacks: bench/.work/pyspy-*.txt\n\n"
    )
    (out_dir / "profile-edge.txt").write_text(header + "\n".join(texts))
    log(f"profile written to {out_dir / 'profile-edge.txt'}")
    return result


# ---- machine and versions ----------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    osr = dict(
        ln.split("=", 1) for ln in Path("/etc/os-release").read_text().splitlines() if "=" in ln
    )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mem_gb": round(mem / 2**20, 1),
        "os": osr.get("PRETTY_NAME", "").strip('"'),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_start": os.getloadavg(),
    }


def versions(lite: LiteLLMProxy | None) -> dict:
    """Versions of what ran; `lite` is any of the LiteLLM proxies (they share one venv)."""

    def pkg(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    def cmd(argv: list[str]) -> str | None:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None

    git = cmd(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = cmd(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    return {
        "tokaroo_git": f"{git}{'+dirty' if dirty else ''}",
        "litellm": lite.version() if lite else None,
        "wrk": cmd(["wrk", "--version"]),
        "py-spy": cmd([str(VENV / "bin/py-spy"), "-V"]),
        **{
            p: pkg(p)
            for p in (
                "fastapi",
                "uvicorn",
                "uvloop",
                "httptools",
                "grpcio",
                "httpx",
                "orjson",
                "nats-py",
                "redis",
            )
        },
    }


# ---- main --------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latencies", default="0,50")
    ap.add_argument("--rounds", default="3,2", help="rounds per latency, in the same order")
    ap.add_argument("--c1-seconds", type=float, default=8)
    ap.add_argument("--c32-seconds", type=float, default=10)
    ap.add_argument("--stream-seconds", type=float, default=6)
    ap.add_argument("--extra-seconds", type=float, default=6)
    ap.add_argument("--profile-seconds", type=int, default=20)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-litellm", action="store_true")
    ap.add_argument(
        "--model",
        default="fast",
        help="Tokaroo model value for the main runs (fast: exact cache only)",
    )
    ap.add_argument(
        "--providers",
        default="openai",
        help="upstream formats Tokaroo may route to: openai (as LiteLLM and direct) or all",
    )
    ap.add_argument("--quick", action="store_true", help="short runs, to check the tooling")
    ap.add_argument("--out", type=Path, default=BENCH / "results")
    a = ap.parse_args(argv)
    lats = [int(x) for x in a.latencies.split(",")]
    rounds = [int(x) for x in a.rounds.split(",")]
    rounds = (rounds + [rounds[-1]] * len(lats))[: len(lats)]
    plan = Plan(
        lats,
        dict(zip(lats, rounds, strict=True)),
        a.c1_seconds,
        a.c32_seconds,
        a.stream_seconds,
        a.extra_seconds,
        a.profile_seconds,
        not a.no_litellm,
        a.model,
        a.providers,
    )
    if a.quick:
        plan = dataclasses.replace(
            plan,
            rounds={lat: 1 for lat in lats},
            c1_s=3,
            c32_s=3,
            stream_s=2,
            extra_s=2,
            profile_s=5,
        )
    if plan.litellm and not (VENV / "bin" / "litellm").exists():
        print("LiteLLM is not installed: run bench/setup.sh (make bench does)", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result: dict[str, Any] = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "make bench" + (f" BENCH_ARGS='{' '.join(argv)}'" if argv else ""),
        "machine": machine(),
        "plan": dataclasses.asdict(plan),
        "latencies": {},
    }
    home = Path(tempfile.mkdtemp(prefix="tokaroo-bench-"))
    layout = dataclasses.replace(make_layout(home), simulator_latency_ms=lats[0])
    if plan.providers != "all":
        layout = layout.with_env(TOKAROO_ROUTER_PROVIDERS=plan.providers)
    log(f"starting the Tokaroo stack in {home} (simulator at {lats[0]} ms)")
    lites: dict[str, LiteLLMProxy] = {}
    with bench_stack(layout) as stack:
        try:
            key = stack.new_tenant_key("1000000", name="bench")
            tenant_keys = [stack.new_tenant_key("100000", name=f"bench-{i}") for i in range(16)]
            if plan.litellm:
                cores = os.cpu_count() or 1
                for name, workers in zip(LITELLM_TARGETS, (1, cores), strict=True):
                    if name != "litellm" and workers == 1:
                        continue  # one core: the one-worker proxy is already at its best
                    log(f"starting LiteLLM's proxy ({workers} worker(s), no database)")
                    lites[name] = LiteLLMProxy(
                        VENV,
                        BENCH / ".work" / name,
                        f"{stack.layout.simulator_url}/v1",
                        free_port(),
                        workers=workers,
                    ).start()
            result["versions"] = versions(next(iter(lites.values()), None))
            result["litellm_workers"] = {n: p.workers for n, p in lites.items()}

            def roots() -> dict[str, int]:
                r = {n: p.pid for n, p in stack.procs.items() if p.pid}
                r.update({n: p.pid for n, p in lites.items()})
                return r

            meter = Meter(roots)
            # The edge runs a worker process per core unless TOKAROO_EDGE_WORKERS says
            # otherwise; its CPU row is the sum over the parent and every worker.
            result["edge_workers"] = max(
                1, len(procstat.spawned_children(stack.procs["edge"].pid or 0))
            )
            log(f"edge worker processes: {result['edge_workers']}")
            result["hops"] = loadgen.hop_timing(
                f"127.0.0.1:{stack.layout.router_port}",
                f"127.0.0.1:{stack.layout.cache_port}",
                stack.layout.ledger_addr,
                key,
                100 if a.quick else 300,
            )
            log(f"internal calls: {result['hops']}")
            result["router"] = {}
            inproc = BENCH / "results" / "router-latency.json"
            if inproc.exists():
                result["router"]["decision_in_process"] = json.loads(inproc.read_text())
            for i, lat in enumerate(lats):
                if lat != stack.layout.simulator_latency_ms:
                    log(f"restarting the simulator at {lat} ms")
                    swap_simulator(stack, lat)
                result["latencies"][str(lat)] = measure_latency(
                    stack, key, lites, plan, meter, lat, tenant_keys if lat == 0 else None
                )
                if i == 0 and not a.no_profile:
                    result["profile"] = profile(stack, key, plan, a.out)
            result["memory_peak"] = procstat.peak_memory_mb(roots())
        finally:
            for lite in lites.values():
                lite.stop()
    shutil.rmtree(home, ignore_errors=True)  # kept (logs/) only when the run failed
    first = result["latencies"].get("0")
    if first:
        result["budget_at_0ms"] = budget(first["summary"])
        result["issue_targets_at_0ms"] = issue_targets(first["summary"])
    result["machine"]["loadavg_at_end"] = os.getloadavg()
    result["duration_s"] = round(time.monotonic() - started, 1)
    (a.out / "bench.json").write_text(json.dumps(result, indent=1) + "\n")
    (a.out / "RESULTS.md").write_text(report.render(result))
    log(f"wrote {a.out / 'bench.json'} and {a.out / 'RESULTS.md'} in {result['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
