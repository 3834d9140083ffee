"""Router decision latency: difficulty scoring + selection for one request, p50/p99.

    uv run python bench/router_latency.py --data /work/shared/data/routing \\
        --out bench/results/router-latency.json

Requests: every prompt in the routing data (MMLU, GSM8K) plus synthetic chat requests up to
~200 KB of text (which the scorer clips to a head and a tail), as typed `Conversation`s (30%
with a system prompt and an earlier turn), in random modes with random constraints, the
artifact loaded once beforehand. Timed: conversation features + scoring (with its
explanation) + selection, as the servicer does per request. Timed per request twice: wall clock
(perf_counter_ns) and this thread's CPU time (thread_time_ns), which leaves out the time the
process was preempted on a shared machine; the load average is recorded next to them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from tokaroo_common.turns import user_says
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb
from tokaroo_proto.router.v1 import router_pb2
from tokaroo_router.dataset import load
from tokaroo_router.difficulty import explain, request_features, tier_of
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import default_pool_path, load_pool
from tokaroo_router.provider_health import Health
from tokaroo_router.selection import Need, select


def texts(data_dir: Path, rng: random.Random) -> list[str]:
    data = load(data_dir)
    out = [r.prompt for rows in data.rows.values() for r in rows]
    chat = (
        "Please review this function and explain the bug step by step:\n```def f(x):\n"
        "    return x * 2 + 1\n```\n"
    )
    out += [chat * rng.choice([1, 10, 100, 1000]) for _ in range(500)]
    rng.shuffle(out)
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("bench/results/router-latency.json"))
    args = ap.parse_args(argv)
    rng = random.Random(0)
    model, pool, health = load_model(), load_pool(default_pool_path()), Health()
    for m in pool.models:  # health populated so the `fast` path reads real entries
        for d in m.providers:
            health.observe(
                d.provider, d.upstream_model, ok=True, now=0.0, slowness=rng.uniform(0.5, 2.0)
            )
    reqs = texts(args.data, rng)
    modes = ["auto", "auto", "auto", "fast", "max", "gpt-4.1", "gemini-2.5-flash"]
    total, scoring, cpu = [], [], []
    gc.collect()
    gc.freeze()  # the benchmark's own 12k prompts are not what a router process holds
    for text in reqs:
        tokens = len(text) // 4
        conv = user_says(text)
        if rng.random() < 0.3:  # a system prompt and earlier turns, as agents send them
            conv.turns.insert(
                0,
                cpb.Turn(
                    role=cpb.ROLE_SYSTEM, parts=[cpb.ContentPart(text="You are helpful. " * 200)]
                ),
            )
            conv.turns.insert(1, cpb.Turn(role=cpb.ROLE_USER, parts=[cpb.ContentPart(text="hi")]))
        req = router_pb2.RouteRequest(
            model="auto",
            input_tokens=tokens,
            conversation=conv,
            needs_tools=rng.random() < 0.2,
            needs_vision=rng.random() < 0.1,
        )
        c0 = time.thread_time_ns()
        t0 = time.perf_counter_ns()
        f = request_features(req)
        d = explain(model, f).score
        t1 = time.perf_counter_ns()
        need = Need(
            mode=rng.choice(modes),
            kind="chat",
            input_tokens=tokens,
            max_output_tokens=rng.choice([0, 512, 4096]),
            tools=f.tools,
            vision=f.vision,
            json_schema=False,
            tier=tier_of(d, model),
        )
        select(pool, need, health, now=1.0)
        t2 = time.perf_counter_ns()
        cpu.append((time.thread_time_ns() - c0) / 1000)
        scoring.append((t1 - t0) / 1000)
        total.append((t2 - t0) / 1000)
    result = {
        "command": "uv run python bench/router_latency.py --data /work/shared/data/routing "
        "--out bench/results/router-latency.json",
        "artifact": model.version,
        "pool": pool.version,
        "requests": len(total),
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "decision_cpu_us": {"p50": round(pct(cpu, 0.5), 1), "p99": round(pct(cpu, 0.99), 1)},
        "decision_us": {
            "p50": round(pct(total, 0.5), 1),
            "p99": round(pct(total, 0.99), 1),
            "max": round(max(total), 1),
            "mean": round(statistics.mean(total), 1),
        },
        "scoring_us": {"p50": round(pct(scoring, 0.5), 1), "p99": round(pct(scoring, 0.99), 1)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
