"""`fast` follows the latency of every request, non-streamed ones included, on the real stack.

The router learns each deployment's slowness (observed / expected latency) from completion
events: for a non-streamed answer the whole latency is its time to first byte. Here:

1. Warm-up: one request to every chat model in the pool (the stack has seen each provider), then
   a few `fast` requests; provider X is the last one answering them.
2. X is made slow in the simulator (the `slow` rule: SLOW_MS before its first byte). `fast`
   requests are sent until X answers one of them: with a short half-life, `fast` traffic moves
   between providers whose estimates are close (an unrefreshed estimate decays), so X may not
   be the next one asked, but it is asked again soon. That one slow answer is enough: none of
   the next requests go to X, and they are all quick.
3. X recovers (the rule is cleared). `fast` keeps flowing to the others, whose estimates are
   refreshed by that traffic, while X's unrefreshed estimate decays (half-life set to 1 s for
   this stack, 30 s by default); X is tried again and receives `fast` traffic again.

Which provider answered is read from the simulator's per-provider request counts. Requests are
sequential with a short pause, as one client would send them: the completion event reaches the
router through NATS after the answer, so the pause keeps the test about the router's logic and
not about a race with the event bus. The stack is this module's own (its half-life and fault
rules are nobody else's).
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import Stack, running_stack

SLOW_MS = 1500
HALF_LIFE_S = 1.0
PAUSE_S = 0.15
NO_CACHE = {"x-tokaroo-cache-control": "no-cache"}


@pytest.fixture(scope="module")
def fast_stack() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="tk-fast-"))
    try:
        with running_stack(
            home,
            TOKAROO_SIM_SLOW_MS=str(SLOW_MS),
            TOKAROO_ROUTER_LATENCY_HALF_LIFE_S=str(HALF_LIFE_S),
        ) as stack:
            yield stack
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _counts(sim: httpx.Client) -> dict[str, int]:
    stats = sim.get("/_sim/stats").json()["requests"]
    return {
        p: sum(sum(outcomes.values()) for outcomes in models.values())
        for p, models in stats.items()
    }


class Client:
    def __init__(self, stack: Stack) -> None:
        self.api = httpx.Client(
            base_url=stack.base_url,
            timeout=60,
            headers={"Authorization": f"Bearer {stack.api_key}", **NO_CACHE},
        )
        self.sim = httpx.Client(base_url=stack.layout.simulator_url, timeout=10)

    def close(self) -> None:
        self.api.close()
        self.sim.close()

    def ask(self, model: str) -> str:
        return self.timed(model)[0]

    def timed(self, model: str) -> tuple[str, float]:
        """One non-streamed request: the provider that answered it and the seconds it took."""
        before = _counts(self.sim)
        start = time.monotonic()
        resp = self.api.post(
            "/chat/completions",
            json={
                "model": model,
                "stream": False,
                "messages": [{"role": "user", "content": f"Say hi ({uuid.uuid4().hex[:8]})"}],
            },
        )
        took = time.monotonic() - start
        assert resp.status_code == 200, resp.text
        assert resp.json()["model"] == model  # never the real model
        after = _counts(self.sim)
        served = [p for p, n in after.items() if n > before.get(p, 0)]
        assert len(served) == 1, (before, after)
        time.sleep(PAUSE_S)
        return served[0], took


@pytest.fixture
def client(fast_stack: Stack) -> Iterator[Client]:
    c = Client(fast_stack)
    c.sim.delete("/_sim/faults").raise_for_status()
    try:
        yield c
    finally:
        c.sim.delete("/_sim/faults")
        c.close()


def test_slow_provider_loses_fast_traffic_and_wins_it_back(client: Client) -> None:
    models = client.api.get("/models").json()["data"]
    for m in models:
        if "embedding" not in m["id"]:
            client.ask(m["id"])
    warm = [client.ask("fast") for _ in range(4)]
    slow = warm[-1]

    client.sim.post(
        "/_sim/faults", json={"kind": "slow", "provider": slow, "model": "*"}
    ).raise_for_status()
    until_slow: list[str] = []
    while slow not in until_slow and len(until_slow) < 30:
        until_slow.append(client.ask("fast"))
    assert slow in until_slow, f"{slow} was never asked while slow: {until_slow}"
    timed = [client.timed("fast") for _ in range(8)]
    during = [p for p, _ in timed]
    assert slow not in during, f"{slow} still got fast traffic after a slow answer: {during}"
    assert all(took < SLOW_MS / 2000 for _, took in timed)  # and they were quick

    client.sim.delete("/_sim/faults").raise_for_status()
    after: list[tuple[str, float]] = []
    deadline = time.monotonic() + 40 * HALF_LIFE_S
    while all(p != slow for p, _ in after) and time.monotonic() < deadline:
        after.append(client.timed("fast"))
    back = [took for p, took in after if p == slow]
    assert back, f"{slow} never got fast traffic back after recovering: {after}"
    assert back[0] < SLOW_MS / 2000  # it was retried and answered quickly: recovered
