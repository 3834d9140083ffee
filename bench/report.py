"""bench/results/RESULTS.md from the bench.json that run.py writes. Pure (dict -> text).

uv run --frozen python bench/report.py   # re-render from bench/results/bench.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Every process the stack runs for a request, including the analytics sink that consumes its
# event (off the request path, but its CPU is spent per request all the same).
STACK = ("edge", "router", "cache", "ledger", "analytics", "nats", "valkey", "postgres")


def _f(v: Any, nd: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def _pair(d: dict | None, a: str = "p50", b: str = "p99", nd: int = 2) -> str:
    if not d:
        return "—"
    return f"{_f(d.get(a), nd)} / {_f(d.get(b), nd)}"


def _ok(v: bool | None) -> str:
    return {True: "✅ met", False: "❌ not met", None: "—"}[v]


def _cpu(d: dict, names: tuple[str, ...]) -> str:
    total = sum(d.get(n) or 0 for n in names)
    parts = ", ".join(f"{n} {d[n]:.2f}" for n in names if d.get(n) is not None)
    return f"**{total:.2f}** ({parts})"


def latency_section(lat: str, block: dict, lite_workers: dict[str, int]) -> list[str]:
    s = block["summary"]
    has_lite = "litellm" in s["c1"]
    multi = "litellm_workers" in s["c1"]
    cols: tuple[str, ...] = ("direct", "tokaroo", "litellm") + (
        ("litellm_workers",) if multi else ()
    )
    pad = " |" if multi else ""  # the empty cell of the per-core column in Tokaroo-only rows
    multi_head = f" LiteLLM proxy, {lite_workers.get('litellm_workers')} workers |" if multi else ""
    out = [
        f"### Simulator at {lat} ms",
        "",
        f"| | simulator direct | Tokaroo | LiteLLM proxy, 1 worker |{multi_head} "
        "LiteLLM ÷ Tokaroo |",
        "|---|---|---|---|" + ("---|" if multi else "") + "---|",
    ]

    def row(label: str, key: str, ratio: str = "", fmt: Any = _pair) -> None:
        vals = [fmt(s[key].get(t)) if t in s[key] else "—" for t in cols]
        out.append(f"| {label} | {' | '.join(vals)} | {ratio} |")

    def rps(d: dict | None) -> str:
        return _f(d.get("rps"), 1) if d else "—"

    row("c=1 latency p50 / p99 (ms)", "c1")
    r = s.get("added_c1_ms_litellm_over_tokaroo")
    row("**added latency c=1 p50 / p99 (ms)**", "added_c1_ms", f"{_f(r, 1)}× (p50)" if r else "")
    ratio = s.get("throughput_ratio_vs_litellm")
    ratio_n = s.get("throughput_ratio_vs_litellm_workers")
    said = [f"**{_f(ratio, 1)}×** LiteLLM (1 worker)"] if ratio else []
    said += [f"**{_f(ratio_n, 1)}×** LiteLLM (worker per core)"] if ratio_n else []
    row(
        "**throughput c=32 (req/s)**",
        "c32",
        ("Tokaroo = " + ", ".join(said)) if said else "",
        fmt=rps,
    )
    row("c=32 latency p50 / p99 (ms)", "c32")
    row("stream TTFT c=1 p50 / p99 (ms)", "stream")
    r = s.get("ttft_overhead_ms_litellm_over_tokaroo")
    row("**TTFT overhead p50 / p99 (ms)**", "ttft_overhead_ms", f"{_f(r, 1)}× (p50)" if r else "")
    cpu = s["cpu_ms_per_request_c32"]
    sim = [_f((cpu.get(t) or {}).get("simulator"), 2) for t in cols]
    out.append(f"| CPU ms per request at c=32, simulator | {' | '.join(sim)} | |")
    tok = _cpu(cpu.get("tokaroo", {}), STACK)
    lites = [_cpu(cpu.get(t, {}), (t,)) for t in cols[2:]] if has_lite else ["—"]
    out.append(f"| CPU ms per request at c=32, gateway | — | {tok} | {' | '.join(lites)} | |")
    lg = [_f((cpu.get(t) or {}).get("loadgen"), 2) for t in cols]
    out.append(f"| CPU ms per request at c=32, wrk | {' | '.join(lg)} | |")
    hit = s.get("cache_hit_c1")
    if hit:
        out.append(
            f"| exact cache hit c=1 p50 / p99 (ms) | — | {_pair(hit)} "
            f"({'verified' if hit.get('verified') else 'NOT verified'} "
            "`x-tokaroo-cache: hit`) | no cache configured |" + pad + " |"
        )
    ex = block.get("extras", {})
    if "auto_c1" in ex:
        a1, a32 = ex["auto_c1"], ex["auto_c32"]
        out.append(
            f"| model=`auto` (semantic cache on): c=1 p50 / p99 (ms); c=32 req/s | — | "
            f"{_pair(a1['latency_ms'])}; {a32['rps']} req/s | — |" + pad + " |"
        )
    if "c32_many_tenants" in ex:
        mt = ex["c32_many_tenants"]
        out.append(
            f"| c=32 spread over {mt['tenants']} tenants: req/s; p50 / p99 (ms) | — | "
            f"{mt['rps']} req/s; {_pair(mt['latency_ms'])} | — |" + pad + " |"
        )
    busy = [r["machine_busy_pct"] for r in block["runs"]]
    out += [
        "",
        f"Machine busy during these runs: {min(busy):.0f}–{max(busy):.0f}% of both "
        "cores (everything, the bench included); load average "
        f"{min(r['loadavg_1m'] for r in block['runs']):.1f}–"
        f"{max(r['loadavg_1m'] for r in block['runs']):.1f}. Each cell is the median of "
        "the rounds; added latency and TTFT overhead are the gateway's percentile minus "
        "the direct one.",
        "",
    ]
    return out


def render(r: dict) -> str:
    m, v = r["machine"], r.get("versions", {})
    out = [
        "# Tokaroo benchmark results",
        "",
        f"Run **{r['timestamp']}** with `{r['command']}` in {r.get('duration_s')} s. "
        "Generated by bench/report.py from bench/results/bench.json (every run, every "
        "number); see bench/README.md for what each number means.",
        "",
        f"- Machine: {m['cpu']}, {m['cpus']} CPUs, {m['mem_gb']} GB, {m['os']}, "
        f"kernel {m['kernel']}, Python {m['python']}; load average at start "
        f"{m['loadavg_at_start'][0]:.2f}, at end {m.get('loadavg_at_end', [0])[0]:.2f}. "
        "The load generator runs on the same 2 cores.",
        f"- Versions: Tokaroo {v.get('tokaroo_git')}, LiteLLM {v.get('litellm')} (one "
        "worker, and one per core when the machine has several; no database), "
        f"{v.get('wrk')}, uvicorn {v.get('uvicorn')}, fastapi "
        f"{v.get('fastapi')}, grpcio {v.get('grpcio')}.",
        f"- Plan: {json.dumps(r['plan'])}; edge worker processes: {r.get('edge_workers', 1)}.",
        "",
    ]
    b = r.get("budget_at_0ms")
    if b:
        s0 = r["latencies"]["0"]["summary"]
        add, tt = s0["added_c1_ms"]["tokaroo"], s0["ttft_overhead_ms"]["tokaroo"]
        out += [
            "## Budget (ARCHITECTURE.md, simulator at 0 ms)",
            "",
            "| budget | measured | |",
            "|---|---|---|",
            f"| added latency p50 ≤ 2 ms | {_f(add['p50'])} ms | {_ok(b['added_p50_le_2ms'])} |",
            f"| added latency p99 ≤ 5 ms | {_f(add['p99'])} ms | {_ok(b['added_p99_le_5ms'])} |",
            f"| TTFT overhead p50 ≤ 2 ms | {_f(tt['p50'])} ms | "
            f"{_ok(b['ttft_overhead_p50_le_2ms'])} |",
            f"| throughput c=32 ≥ 10× LiteLLM | "
            f"{_f(s0.get('throughput_ratio_vs_litellm'), 1)}× | "
            f"{_ok(b['throughput_ge_10x_litellm'])} |",
            f"| exact cache hit p50 ≤ 2 ms | {_f(s0.get('cache_hit_c1', {}).get('p50'))} ms "
            f"| {_ok(b['cache_hit_p50_le_2ms'])} |",
            "",
        ]
    t = r.get("issue_targets_at_0ms")
    if t:
        s0 = r["latencies"]["0"]["summary"]
        add, tt = s0["added_c1_ms"]["tokaroo"], s0["ttft_overhead_ms"]["tokaroo"]
        n = s0.get("throughput_ratio_vs_litellm_workers")
        out += [
            "## The performance issue's targets (#17, simulator at 0 ms)",
            "",
            "| target | measured | |",
            "|---|---|---|",
            f"| throughput c=32 ≥ 5× LiteLLM, 1 worker | "
            f"{_f(s0.get('throughput_ratio_vs_litellm'), 1)}× | "
            f"{_ok(t['throughput_ge_5x_litellm'])} |",
            f"| throughput c=32 ≥ 3× LiteLLM, a worker per core | {_f(n, 1)}× | "
            f"{_ok(t['throughput_ge_3x_litellm_per_core'])} |",
            f"| added latency p50 ≤ 3 ms | {_f(add['p50'])} ms | {_ok(t['added_p50_le_3ms'])} |",
            f"| added latency p99 ≤ 6 ms | {_f(add['p99'])} ms | {_ok(t['added_p99_le_6ms'])} |",
            f"| TTFT overhead p50 ≤ 3 ms | {_f(tt['p50'])} ms | "
            f"{_ok(t['ttft_overhead_p50_le_3ms'])} |",
            f"| exact cache hit p50 ≤ 2 ms | {_f(s0.get('cache_hit_c1', {}).get('p50'))} ms "
            f"| {_ok(t['cache_hit_p50_le_2ms'])} |",
            f"| CPU per request, all services ≤ 2.5 ms | {_f(t['cpu_ms_per_request'])} ms | "
            f"{_ok(t['cpu_ms_per_request_le_2_5'])} |",
            "",
        ]
    out += ["## Side by side", ""]
    for lat, block in r["latencies"].items():
        out += latency_section(lat, block, r.get("litellm_workers", {}))
    by_dialect = r["latencies"].get("0", {}).get("summary", {}).get("ttft_overhead_ms_by_dialect")
    if by_dialect:
        out += [
            "## Streaming overhead by dialect (simulator at 0 ms)",
            "",
            "Sequential streams through Tokaroo in each dialect, interleaved in the same "
            "run; overhead = time to the first text token minus the simulator's own "
            "(chat-completions stream, direct).",
            "",
            "| dialect | TTFT overhead p50 (ms) | p99 (ms) | errors |",
            "|---|---|---|---|",
        ]
        names = {
            "chat": "chat completions",
            "responses": "Responses API",
            "messages": "Anthropic Messages",
        }
        for d, v in by_dialect.items():
            out.append(f"| {names.get(d, d)} | {_f(v['p50'])} | {_f(v['p99'])} | {v['errors']} |")
        out.append("")
    rt = r.get("router", {})
    if rt or r.get("hops"):
        out += ["## Router decision time", ""]
        for name in ("router.Route(fast)", "router.Route(auto)"):
            g = r.get("hops", {}).get(name)
            if g:
                out.append(
                    f"- `{name}` over gRPC from the bench process, sequential: p50 "
                    f"{g['p50_ms']} ms, p99 {g['p99_ms']} ms (includes the Python gRPC "
                    "client and loopback)."
                )
        d = rt.get("decision_in_process")
        if d:
            out.append(
                f"- In process (bench/router_latency.py, bench/results/router-latency"
                f".json): decision p50 {d['decision_us']['p50']} µs, p99 "
                f"{d['decision_us']['p99']} µs wall; CPU p50 "
                f"{d['decision_cpu_us']['p50']} µs, p99 {d['decision_cpu_us']['p99']} µs."
            )
        out.append("")
    mem = r.get("memory_peak")
    if mem:
        out += [
            "## Peak memory (VmHWM) per service",
            "",
            "| service | peak RSS (MB) | processes |",
            "|---|---|---|",
        ]
        for name, d in mem.items():
            extra = f" (sum over processes {d['vmhwm_sum_mb']})" if d["processes"] > 1 else ""
            out.append(f"| {name} | {d['vmhwm_max_mb']}{extra} | {d['processes']} |")
        out.append("")
    hops = r.get("hops")
    if hops:
        out += [
            "## Internal calls per chat completion (gRPC, one at a time)",
            "",
            "| call | p50 (ms) | p99 (ms) |",
            "|---|---|---|",
        ]
        for name, d in hops.items():
            if isinstance(d, dict):
                out.append(f"| `{name}` | {d['p50_ms']} | {d['p99_ms']} |")
        out += [
            "",
            "The edge makes Authenticate (cached 1 s), then reads the exact cache in Valkey "
            "itself (an exact hit asks no router); on a miss, Route (in parallel with the "
            "cache service's semantic Lookup for `auto`), Hold, and after the answer a "
            "background exact store in Valkey (and a semantic Store for `auto`). The cache "
            "service's Lookup rows above are measured directly, for reference.",
            "",
        ]
    p = r.get("profile")
    if p and "edge" in p and "self" in p["edge"]:
        e = p["edge"]
        load = p.get("load_during_profile", {})
        out += [
            "## Edge profile (py-spy, c=32, simulator at 0 ms)",
            "",
            f"{p['seconds']} s at {p['rate_hz']} Hz while wrk -c32 drove the edge "
            f"({load.get('rps')} req/s while sampled; py-spy pauses the process). Event "
            f"loop thread busy {e['event_loop_busy_pct']}% of the time. Full listing "
            "(edge, router, cache): bench/results/profile-edge.txt.",
            "",
            "| event loop self % | package | | inclusive % | Tokaroo function |",
            "|---|---|---|---|---|",
        ]
        pk, own = e["by_package"][:12], e["tokaroo_inclusive"][2:14]
        for i in range(max(len(pk), len(own))):
            a = pk[i] if i < len(pk) else (None, None, "")
            c = own[i] if i < len(own) else (None, None, "")
            out.append(f"| {_f(a[0], 1)} | {a[2]} | | {_f(c[0], 1)} | `{c[2]}` |")
        out += [
            "",
            "Top self frames of the event loop: "
            + "; ".join(f"`{k}` {v}%" for v, _, k in e["self"][:8])
            + ".",
            "",
        ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    res = Path(__file__).with_name("results") / "bench.json"
    data = json.loads(res.read_text())
    res.with_name("RESULTS.md").write_text(render(data))
    sys.exit(0)
