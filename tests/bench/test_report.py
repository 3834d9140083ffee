"""The bench's targets and report: LiteLLM with one worker and with a worker per core side by
side, and the performance issue's targets read from one run's summary."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from bench import report
from bench.run import issue_targets

RESULT = Path(__file__).resolve().parents[2] / "bench" / "results" / "bench.json"
PER_TARGET = ("c1", "c32", "stream", "added_c1_ms", "ttft_overhead_ms")


def with_litellm_per_core(result: dict, rps: float) -> dict:
    """The recorded run, as if a LiteLLM with a worker per core had run beside the others."""
    r = copy.deepcopy(result)
    r["litellm_workers"] = {"litellm": 1, "litellm_workers": 2}
    for block in r["latencies"].values():
        s = block["summary"]
        for key in PER_TARGET:
            s[key]["litellm_workers"] = dict(s[key]["litellm"])
        s["c32"]["litellm_workers"]["rps"] = rps
        s["cpu_ms_per_request_c32"]["litellm_workers"] = {"litellm_workers": 7.5}
        s["throughput_ratio_vs_litellm_workers"] = round(s["c32"]["tokaroo"]["rps"] / rps, 2)
    return r


def test_the_issue_targets_read_both_litellm_ratios_and_the_cpu_sum() -> None:
    r = with_litellm_per_core(json.loads(RESULT.read_text()), rps=40.0)
    s0 = r["latencies"]["0"]["summary"]
    t = issue_targets(s0)
    assert t["throughput_ge_5x_litellm"] == (s0["throughput_ratio_vs_litellm"] >= 5)
    assert t["throughput_ge_3x_litellm_per_core"] == (
        s0["throughput_ratio_vs_litellm_workers"] >= 3
    )
    cpu = s0["cpu_ms_per_request_c32"]["tokaroo"]
    assert t["cpu_ms_per_request"] == round(sum(cpu[n] for n in report.STACK if n in cpu), 2)
    assert t["cpu_ms_per_request_le_2_5"] == (t["cpu_ms_per_request"] <= 2.5)


def test_the_report_has_a_column_per_litellm_and_the_issue_table() -> None:
    r = with_litellm_per_core(json.loads(RESULT.read_text()), rps=40.0)
    r["issue_targets_at_0ms"] = issue_targets(r["latencies"]["0"]["summary"])
    text = report.render(r)
    assert "LiteLLM proxy, 2 workers" in text
    assert "LiteLLM (worker per core)" in text
    assert "## The performance issue's targets" in text
    header = next(line for line in text.splitlines() if line.startswith("| | simulator"))
    separator = text.splitlines()[text.splitlines().index(header) + 1]
    assert header.count("|") == separator.count("|")


def without_litellm_per_core(result: dict) -> dict:
    """The recorded run as an older one, before LiteLLM also ran with a worker per core."""
    r = copy.deepcopy(result)
    r.pop("litellm_workers", None)
    r.pop("issue_targets_at_0ms", None)
    for block in r["latencies"].values():
        s = block["summary"]
        for key in (*PER_TARGET, "cpu_ms_per_request_c32"):
            s[key].pop("litellm_workers", None)
        s.pop("throughput_ratio_vs_litellm_workers", None)
    return r


def test_an_older_run_without_the_second_litellm_still_renders() -> None:
    text = report.render(without_litellm_per_core(json.loads(RESULT.read_text())))
    header = next(line for line in text.splitlines() if line.startswith("| | simulator"))
    assert "LiteLLM proxy, 1 worker" in header and "workers" not in header
    assert "worker per core" not in text
