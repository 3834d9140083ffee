"""Graceful shutdown: SIGTERM in the middle of the work loses nothing.

- The edge, SIGTERMed while it relays a stream, stops accepting, lets the stream finish with
  its usage chunk and `[DONE]`, publishes (flushes) the event, and exits 0; the charge lands.
- The ledger, SIGTERMed while it settles a backlog of events, finishes and acks the batch in
  hand and exits 0; after a restart every event is settled exactly once.

The stack paces simulated streams (`TOKAROO_SIM_TOKENS_PER_SECOND`) so a stream lasts a few
seconds, well inside the edge's grace period.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from tokaroo_common.ids import new_request_id
from tokaroo_common.jetstream import COMPLETION_SUBJECT
from tokaroo_common.money import NANO_PER_USD
from tokaroo_proto.events.v1 import events_pb2

from tests.harness import Stack, running_stack

TOKENS_PER_SECOND = 20


@pytest.fixture(scope="module")
def paced() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="tk-sig-"))
    try:
        with running_stack(home, TOKAROO_SIM_TOKENS_PER_SECOND=str(TOKENS_PER_SECOND)) as stack:
            yield stack
    finally:
        shutil.rmtree(home, ignore_errors=True)


def wait_balance(stack: Stack, key: str, expected: Decimal, timeout: float = 30.0) -> Decimal:
    deadline = time.monotonic() + timeout
    current = stack.balance(key)
    while current != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        current = stack.balance(key)
    return current


def test_sigterm_mid_stream_finishes_the_stream_bills_it_and_exits_0(paced: Stack) -> None:
    stack = paced
    key = stack.new_tenant_key(credit_usd="5")
    before = stack.balance(key)
    edge = stack.procs["edge"]
    exit_codes: list[int | None] = []
    stopper = threading.Thread(target=lambda: exit_codes.append(edge.stop(timeout=30)))
    chunks: list[str] = []
    sigterm_at = done_at = 0.0
    with httpx.stream(
        "POST",
        f"{stack.base_url}/chat/completions",
        timeout=30,
        headers={"Authorization": f"Bearer {key}"},
        json={
            "model": "auto",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "Tell me a long story, slowly."}],
        },
    ) as resp:
        assert resp.status_code == 200
        for line in resp.iter_lines():
            if not line.startswith("data: "):
                continue
            chunks.append(line.removeprefix("data: "))
            if len(chunks) == 2:
                sigterm_at = time.monotonic()
                stopper.start()  # SIGTERM while the stream is in flight
                time.sleep(0.5)
                assert edge.running, "the edge must wait for the in-flight stream"
                assert httpx_refused(stack), "a draining edge must not accept new requests"
        done_at = time.monotonic()
    stopper.join(timeout=40)

    assert exit_codes == [0]
    assert chunks[-1] == "[DONE]"
    bodies = [json.loads(c) for c in chunks[:-1]]
    assert not any("error" in b for b in bodies)
    text = "".join(
        b["choices"][0]["delta"].get("content") or "" for b in bodies if b.get("choices")
    )
    assert len(text.split()) >= 5
    # The stream really went on across the SIGTERM (paced: most chunks came after it).
    assert len(bodies) >= 10 and done_at - sigterm_at > (len(bodies) - 4) / TOKENS_PER_SECOND
    cost = Decimal(bodies[-1]["usage"]["cost_usd"])
    assert cost > 0

    edge.start()  # waits until /readyz answers
    assert wait_balance(stack, key, before - cost) == before - cost


def httpx_refused(stack: Stack) -> bool:
    """True when a new request cannot get through (connection refused or 503)."""
    try:
        resp = httpx.get(f"http://127.0.0.1:{stack.layout.edge_port}/readyz", timeout=2)
    except httpx.TransportError:
        return True
    return resp.status_code == 503


async def _publish(url: str, events: list[events_pb2.CompletionEvent]) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for start in range(0, len(events), 500):
            await asyncio.gather(
                *(
                    js.publish(
                        COMPLETION_SUBJECT,
                        e.SerializeToString(),
                        timeout=10,
                        headers={"Nats-Msg-Id": e.request_id},
                    )
                    for e in events[start : start + 500]
                )
            )
    finally:
        await nc.close()


async def _settled(dsn: str, tenant_id: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS n, coalesce(sum(charged_nano), 0) AS c "
            "FROM usage WHERE tenant_id = $1::uuid",
            tenant_id,
        )
        return int(row["n"]), int(row["c"])
    finally:
        await conn.close()


def test_sigterm_mid_batch_settles_everything_exactly_once(paced: Stack) -> None:
    stack = paced
    key = stack.new_tenant_key(credit_usd="5")
    before = stack.balance(key)
    who = asyncio.run(stack.who(key))
    n, charge = 20000, 1000
    events = [
        events_pb2.CompletionEvent(
            request_id=new_request_id(),
            tenant_id=who.tenant_id,
            key_id=who.key_id,
            model_requested="auto",
            tier="instant",
            resolved_model="sim",
            provider="openai",
            input_tokens=10,
            output_tokens=5,
            charged_nano=charge,
            cache_outcome="miss",
            status="ok",
            attempts=1,
            created_at_unix_ms=int(time.time() * 1000),
            endpoint="chat.completions",
        )
        for _ in range(n)
    ]
    dsn = stack.layout.postgres_dsn
    ledger = stack.procs["ledger"]

    # The backlog is published while the ledger is down: running, it settles events as fast
    # as they are published, and there would be no backlog to interrupt.
    assert ledger.stop(timeout=30) == 0
    asyncio.run(_publish(stack.layout.nats_url, events))
    ledger.start()
    deadline = time.monotonic() + 60
    while asyncio.run(_settled(dsn, who.tenant_id))[0] == 0:
        assert time.monotonic() < deadline, "the ledger settles nothing"
        time.sleep(0.02)
    assert ledger.stop(timeout=30) == 0  # SIGTERM while the backlog is being settled
    at_stop, charged_at_stop = asyncio.run(_settled(dsn, who.tenant_id))
    print(f"settled at SIGTERM: {at_stop} of {n}")
    assert 0 < at_stop < n  # stopped in the middle of the backlog
    assert charged_at_stop == at_stop * charge  # every settled batch is whole

    asyncio.run(_publish(stack.layout.nats_url, events[:1000]))  # redelivered duplicates
    ledger.start()
    deadline = time.monotonic() + 60
    while asyncio.run(_settled(dsn, who.tenant_id))[0] < n and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # anything settled twice would show up now
    assert asyncio.run(_settled(dsn, who.tenant_id)) == (n, n * charge)
    expected = before - Decimal(n * charge) / NANO_PER_USD
    assert wait_balance(stack, key, expected) == expected
