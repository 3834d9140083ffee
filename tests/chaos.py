"""Fault injection under steady load through the local stack (`make chaos`; a short version
runs in `make test`).

Each fault in turn, while a load generator keeps sending chat completions (plain and
streamed; `auto`, routed by the router, and `fast`, routed in the edge's process): kill -9 and
restart a service or a server, or make the providers slow, failing or flapping. Afterwards
the invariants are checked:
- every request succeeded or got a clean OpenAI-shaped error (a dropped connection is only
  accepted while the edge itself is down);
- every successful completion is charged exactly once, at the cost the client was shown;
- each tenant's balance equals the sum of its ledger entries;
- ClickHouse's totals equal the ledger's;
- the stack recovered without a manual step (time to the first success after each fault).

Usage: python -m tests.chaos [--seconds-per-fault N] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from tokaroo_common.money import usd_to_nano

from tests.harness import Stack, running_stack

PROCESS_FAULTS = ["router", "cache", "ledger", "analytics", "nats", "valkey", "postgres", "edge"]
PROVIDER_FAULTS = {
    "providers-slow": {"model": "*", "provider": "*", "kind": "slow", "rate": 0.3},
    "provider-down": {"model": "*", "provider": "openai", "kind": "error-500", "rate": 1.0},
    "providers-flapping": {"model": "*", "provider": "*", "kind": "error-503", "rate": 0.4},
}


@dataclass
class Outcome:
    started: float
    status: int  # 0 = no HTTP answer
    kind: str  # ok | clean:<code> | connection | unclean
    request_id: str = ""
    cost_nano: int | None = None
    ended: float = 0.0  # when the answer (or the failure) was complete


@dataclass
class FaultReport:
    name: str
    started: float
    ended: float
    recovery_s: float | None = None


@dataclass
class Load:
    base_url: str
    key: str
    concurrency: int
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    async def _one(self, client: httpx.AsyncClient, i: int) -> Outcome:
        started = time.monotonic()
        stream = i % 3 == 0
        body = {
            # Both routing paths: `auto` asks the router, `fast` is routed in the edge.
            "model": "fast" if i % 2 else "auto",
            "max_tokens": 48,
            "stream": stream,
            "messages": [{"role": "user", "content": f"chaos request {i}"}],
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        headers = {"Authorization": f"Bearer {self.key}", "x-tokaroo-cache-control": "no-cache"}
        try:
            if not stream:
                r = await client.post(
                    f"{self.base_url}/chat/completions", json=body, headers=headers
                )
                rid = r.headers.get("x-request-id", "")
                if r.status_code == 200:
                    return Outcome(
                        started, 200, "ok", rid, usd_to_nano(r.headers["x-tokaroo-cost"])
                    )
                return Outcome(started, r.status_code, _classify(r.content), rid)
            async with client.stream(
                "POST", f"{self.base_url}/chat/completions", json=body, headers=headers
            ) as r:
                rid = r.headers.get("x-request-id", "")
                if r.status_code != 200:
                    return Outcome(started, r.status_code, _classify(await r.aread()), rid)
                cost, done, error = None, False, ""
                async for line in r.aiter_lines():
                    if line == "data: [DONE]":
                        done = True
                    elif line.startswith("data: "):
                        chunk = json.loads(line[6:])
                        if "error" in chunk:
                            error = str(chunk["error"].get("code"))
                        elif chunk.get("usage"):
                            cost = usd_to_nano(chunk["usage"]["cost_usd"])
                if done and cost is not None:
                    return Outcome(started, 200, "ok", rid, cost)
                return Outcome(started, 200, f"clean:{error}" if error else "unclean", rid)
        except httpx.HTTPError:
            return Outcome(started, 0, "connection")

    async def _timed(self, client: httpx.AsyncClient, i: int) -> Outcome:
        outcome = await self._one(client, i)
        outcome.ended = time.monotonic()
        return outcome

    async def run(self) -> None:
        async with httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=self.concurrency)
        ) as client:
            counter = 0
            pending: set[asyncio.Task[Outcome]] = set()
            while not self.stop.is_set() or pending:
                while not self.stop.is_set() and len(pending) < self.concurrency:
                    pending.add(asyncio.create_task(self._timed(client, counter)))
                    counter += 1
                done, pending = await asyncio.wait(
                    pending, timeout=0.5, return_when=asyncio.FIRST_COMPLETED
                )
                self.outcomes.extend(t.result() for t in done)


def _classify(content: bytes) -> str:
    try:
        err = json.loads(content)["error"]
        return f"clean:{err['code']}" if err.get("message") else "unclean"
    except (ValueError, KeyError, TypeError):
        return "unclean"


def _first_success_after(outcomes: list[Outcome], t: float) -> float | None:
    times = [o.started for o in outcomes if o.kind == "ok" and o.started >= t]
    return min(times) - t if times else None


def inject(stack: Stack, name: str, hold_s: float) -> None:
    if name in PROVIDER_FAULTS:
        httpx.post(f"{stack.layout.simulator_url}/_sim/faults", json=PROVIDER_FAULTS[name])
        time.sleep(hold_s)
        httpx.delete(f"{stack.layout.simulator_url}/_sim/faults")
        return
    proc = stack.procs[name]
    proc.kill()
    time.sleep(hold_s)
    proc.start()


async def _ledger_check(stack: Stack, key_tenant: str, successes: list[Outcome]) -> dict[str, Any]:
    conn = await asyncpg.connect(stack.layout.postgres_dsn)
    try:
        rows = await conn.fetch(
            "SELECT request_id, charged_nano FROM usage WHERE tenant_id = $1", key_tenant
        )
        charged = {r["request_id"]: int(r["charged_nano"]) for r in rows}
        mismatched = [o.request_id for o in successes if charged.get(o.request_id) != o.cost_nano]
        balance = await conn.fetchval("SELECT balance_nano FROM tenants WHERE id = $1", key_tenant)
        entries = await conn.fetchval(
            "SELECT coalesce(sum(amount_nano), 0) FROM ledger_entries WHERE tenant_id = $1",
            key_tenant,
        )
        charges = await conn.fetchval(
            "SELECT count(*) FROM ledger_entries WHERE tenant_id = $1 AND kind = 'charge'",
            key_tenant,
        )
        return {
            "usage_rows": len(rows),
            "charge_entries": int(charges),
            "paid_rows": sum(1 for v in charged.values() if v > 0),
            "successes_not_charged_exactly": mismatched[:20],
            "successes_not_charged_exactly_count": len(mismatched),
            "balance_equals_entries": int(balance) == int(entries),
            "charged_total_nano": sum(charged.values()),
            "balance_nano": int(balance),
        }
    finally:
        await conn.close()


async def analytics_totals(stack: Stack, tenant: str) -> tuple[int, int] | None:
    """(charged_nano, requests) summed over every analytics sink; None while one cannot
    answer."""
    import grpc
    from tokaroo_proto.analytics.v1 import analytics_pb2, analytics_pb2_grpc

    now = int(time.time() * 1000)
    charged = requests = 0
    for port in stack.layout.ports("analytics"):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            try:
                s = await analytics_pb2_grpc.AnalyticsServiceStub(ch).GetUsageSummary(
                    analytics_pb2.UsageRequest(
                        tenant_id=tenant, start_unix_ms=now - 7_200_000, end_unix_ms=now + 3_600_000
                    ),
                    timeout=10,
                )
            except grpc.RpcError:
                return None
        charged += int(s.usage.charged_nano)
        requests += int(s.usage.requests)
    return charged, requests


def run_chaos(
    stack: Stack,
    faults: list[str],
    seconds_per_fault: float,
    concurrency: int = 8,
    settle_timeout_s: float = 90,
) -> dict[str, Any]:
    key = stack.new_tenant_key("100", name="chaos")
    tenant = stack.tenant_id(key)
    load = Load(stack.base_url, key, concurrency)
    runner = threading.Thread(target=lambda: asyncio.run(load.run()), daemon=True)
    runner.start()
    time.sleep(2)
    reports: list[FaultReport] = []
    for name in faults:
        started = time.monotonic()
        inject(stack, name, hold_s=min(2.0, seconds_per_fault / 2))
        ended = time.monotonic()
        time.sleep(max(seconds_per_fault - (ended - started), 1.0))
        reports.append(FaultReport(name, started, ended))
    time.sleep(2)
    load.stop.set()
    runner.join(timeout=60)
    outcomes = load.outcomes
    for report in reports:
        report.recovery_s = _first_success_after(outcomes, report.ended)
    # A dropped connection is expected for requests in flight or sent while the edge is down.
    edge_down = [(r.started - 30, r.ended + 5) for r in reports if r.name == "edge"]
    unclean = [
        o
        for o in outcomes
        if o.kind == "unclean"
        or (o.kind == "connection" and not any(a <= o.started <= b for a, b in edge_down))
    ]
    successes = [o for o in outcomes if o.kind == "ok"]
    deadline = time.monotonic() + settle_timeout_s
    while True:
        ledger = asyncio.run(_ledger_check(stack, tenant, successes))
        totals = asyncio.run(analytics_totals(stack, tenant))
        analytics = totals[0] if totals is not None else None
        settled = (
            ledger["successes_not_charged_exactly_count"] == 0
            and analytics == ledger["charged_total_nano"]
        )
        if settled or time.monotonic() > deadline:
            break
        time.sleep(1)
    return {
        "requests": len(outcomes),
        "succeeded": len(successes),
        "errors_by_kind": dict(Counter(o.kind for o in outcomes if o.kind != "ok")),
        "unclean_outcomes": len(unclean),
        "faults": [{"name": r.name, "recovery_s": r.recovery_s} for r in reports],
        "ledger": ledger,
        "analytics_charged_nano": analytics,
        "analytics_equals_ledger": analytics == ledger["charged_total_nano"],
        "balance_drop_nano": usd_to_nano("100") - ledger["balance_nano"],
        "client_visible_cost_nano": sum(o.cost_nano or 0 for o in successes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-per-fault", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("bench/results/chaos.json"))
    ns = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="tk-chaos-"))
    try:
        with running_stack(home) as stack:
            started = time.time()
            report = run_chaos(
                stack, PROCESS_FAULTS + list(PROVIDER_FAULTS), ns.seconds_per_fault, ns.concurrency
            )
            report["command"] = "make chaos  # python -m tests.chaos " + " ".join(
                sys.argv[1:] if argv is None else argv
            )
            report["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
            report["seconds_per_fault"] = ns.seconds_per_fault
    finally:
        shutil.rmtree(home, ignore_errors=True)
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    ok = (
        report["unclean_outcomes"] == 0
        and report["ledger"]["balance_equals_entries"]
        and report["ledger"]["successes_not_charged_exactly_count"] == 0
        and report["analytics_equals_ledger"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
