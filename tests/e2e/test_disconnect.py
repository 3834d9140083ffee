"""A client that goes away in the middle of a chat completion: the request is recorded exactly
once and its balance hold is released, however early it leaves.

- Streamed, before the first byte: the upstream is slow to its first token (the simulator's
  `slow` rule), the client's socket closes while the edge waits for it.
- Not streamed, while the upstream is still working: the same, for a plain completion.
- Streamed, mid-way: the stream is paced (`TOKAROO_SIM_TOKENS_PER_SECOND`); the client reads a
  few chunks and leaves; it is billed the prompt and the tokens delivered, not the answer.

The stack is this module's own (paced streams, a long `slow` delay, fault rules that no other
test sees), and every test uses a fresh tenant, so its balance and usage are its request's
alone. The client closes its socket once the request's hold is in the ledger: the edge has
admitted the request and is waiting on the upstream, and no byte has reached the client.
Each request is found by its hold's request id (the edge never showed it to the client).
"Exactly once" is read three ways: one usage row for the tenant, the edge's own count of
completion events (`tokaroo_completions_total`), and the balance moving by that row's charge.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import grpc
import httpx
import pytest
import redis
from tokaroo_common.money import NANO_PER_USD
from tokaroo_common.reservations import tenant_keys
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

from tests.harness import Stack, running_stack

TOKENS_PER_SECOND = 10  # a simulated answer (12 to 40 tokens) streams for 1 to 4 s
SLOW_MS = 5000  # the upstream's time to its first byte under the `slow` rule
POLL_S = 0.05
# Generous: CI runs this on a loaded 2-core machine.
ADMIT_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 60.0
NO_CACHE = {"x-tokaroo-cache-control": "no-cache"}  # no lookup, no store: upstream every time
STORY = "Tell me a long story about a lighthouse keeper, in many sentences, please."

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float) -> T:
    """`probe()` until it returns something other than None; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:.0f} s")
        time.sleep(POLL_S)


@pytest.fixture(scope="module")
def paced() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="tk-disc-"))
    try:
        with running_stack(
            home,
            TOKAROO_SIM_TOKENS_PER_SECOND=str(TOKENS_PER_SECOND),
            TOKAROO_SIM_SLOW_MS=str(SLOW_MS),
        ) as stack:
            yield stack
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def sim(paced: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=paced.layout.simulator_url, timeout=10) as c:
        c.delete("/_sim/faults").raise_for_status()
        yield c
        c.delete("/_sim/faults")


@pytest.fixture
def slow_upstream(sim: httpx.Client) -> None:
    """Every upstream model call waits SLOW_MS before its first byte."""
    sim.post(
        "/_sim/faults", json={"kind": "slow", "model": "*", "provider": "*"}
    ).raise_for_status()


class Db:
    """The ledger's tables and the reservation book, read directly (a sync facade over one
    asyncpg connection and one Valkey connection)."""

    def __init__(self, dsn: str, redis_url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._conn: asyncpg.Connection = self._loop.run_until_complete(asyncpg.connect(dsn))
        self._valkey = redis.Redis.from_url(redis_url)

    def close(self) -> None:
        self._loop.run_until_complete(self._conn.close())
        self._loop.close()
        self._valkey.close()

    def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(self._loop.run_until_complete(self._conn.fetch(sql, *args)))

    def holds(self, tenant_id: str) -> dict[str, int]:
        """The tenant's live holds (the request ones: the probes below hold 0)."""
        _, holds, expiries, _ = tenant_keys(tenant_id)
        live = {
            rid
            for rid, _ in self._valkey.zrangebyscore(
                expiries, time.time() * 1000, "+inf", withscores=True
            )
        }
        out = {}
        for rid, value in self._valkey.hgetall(holds).items():
            amount = int(value.split(b":", 1)[0])
            if rid in live and amount > 0:
                out[rid.decode()] = amount
        return out

    def usage(self, tenant_id: str) -> list[asyncpg.Record]:
        return self._fetch(
            "SELECT request_id, status, error_code, streamed, input_tokens, "
            "output_tokens, charged_nano FROM usage WHERE tenant_id = $1::uuid",
            tenant_id,
        )


@pytest.fixture(scope="module")
def db(paced: Stack) -> Iterator[Db]:
    d = Db(paced.layout.postgres_dsn, paced.layout.redis_url)
    try:
        yield d
    finally:
        d.close()


def available_nano(stack: Stack, tenant_id: str) -> int:
    """Balance minus live holds, as the ledger's admission control sees it: the answer of a
    zero hold (which holds nothing and expires in a second)."""

    async def probe() -> int:
        async with grpc.aio.insecure_channel(stack.layout.ledger_addr) as ch:
            resp = await ledger_pb2_grpc.LedgerServiceStub(ch).Hold(
                ledger_pb2.HoldRequest(
                    tenant_id=tenant_id,
                    request_id=f"probe-{uuid.uuid4()}",
                    amount_nano=0,
                    ttl_ms=1000,
                ),
                timeout=10,
            )
            return int(resp.available_nano)

    return asyncio.run(probe())


def balance_nano(stack: Stack, key: str) -> int:
    return int(stack.balance(key) * NANO_PER_USD)


_COMPLETIONS = re.compile(r"^tokaroo_completions_total\{([^}]*)\}\s+([0-9.e+]+)$", re.MULTILINE)


def edge_events(stack: Stack) -> int:
    """Completion events the edge has emitted for chat completions (its own metric)."""
    text = httpx.get(f"http://127.0.0.1:{stack.layout.edge_port}/metrics", timeout=10).text
    return int(
        sum(
            float(v)
            for labels, v in _COMPLETIONS.findall(text)
            if 'endpoint="chat.completions"' in labels
        )
    )


def usage_api(stack: Stack, key: str) -> list[dict[str, Any]]:
    resp = httpx.get(
        f"{stack.base_url}/usage",
        params={"limit": "100"},
        timeout=10,
        headers={"Authorization": f"Bearer {key}"},
    )
    resp.raise_for_status()
    rows: list[dict[str, Any]] = resp.json()["data"]
    return rows


@dataclass
class Tenant:
    key: str
    id: str
    balance_nano: int
    events_before: int


def fresh_tenant(stack: Stack) -> Tenant:
    key = stack.new_tenant_key(credit_usd="5", name="disconnect")
    tenant_id = stack.tenant_id(key)
    before = balance_nano(stack, key)
    assert available_nano(stack, tenant_id) == before  # nothing held yet
    return Tenant(key, tenant_id, before, edge_events(stack))


def raw_request(stack: Stack, key: str, body: dict[str, Any]) -> socket.socket:
    """POST /v1/chat/completions on a bare socket, so the test decides when it closes."""
    payload = json.dumps(body).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{stack.layout.edge_port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"x-tokaroo-cache-control: no-cache\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", stack.layout.edge_port), timeout=10)
    sock.sendall(head.encode() + payload)
    return sock


def nothing_received(sock: socket.socket) -> bool:
    """No byte arrived, and the edge has not closed the connection either."""
    sock.setblocking(False)
    try:
        sock.recv(1)  # a byte, or b"": the edge closed the connection
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)
    return False


def leave_before_first_byte(
    stack: Stack, db: Db, tenant: Tenant, body: dict[str, Any]
) -> tuple[str, int]:
    """Send the request, wait until the edge holds its estimate (admitted, the upstream
    working), check no byte came back, close the socket. The request id and the hold."""
    sock = raw_request(stack, tenant.key, body)
    try:
        holds = wait_for(
            "the request's balance hold", lambda: db.holds(tenant.id) or None, ADMIT_TIMEOUT_S
        )
        assert len(holds) == 1, holds
        assert nothing_received(sock), "the edge answered before the upstream's first byte"
    finally:
        sock.close()
    [(request_id, held)] = holds.items()
    return request_id, held


def recorded_once(stack: Stack, db: Db, tenant: Tenant, request_id: str) -> asyncpg.Record:
    """Wait until the request is settled and its hold gone; check it is recorded exactly once
    and the balance moved by exactly its charge. Its usage row."""

    def settled() -> list[asyncpg.Record] | None:
        rows = db.usage(tenant.id)
        return rows if rows and request_id not in db.holds(tenant.id) else None

    rows = wait_for(
        f"the usage row of {request_id} and its hold's release", settled, SETTLE_TIMEOUT_S
    )
    assert [r["request_id"] for r in rows] == [request_id]
    [row] = rows
    api_rows = usage_api(stack, tenant.key)
    assert [r["id"] for r in api_rows] == [request_id]
    assert api_rows[0]["status"] == (row["status"] or "ok")
    # The ledger's answer: the charge came off the balance, and nothing is held any more.
    assert balance_nano(stack, tenant.key) == tenant.balance_nano - row["charged_nano"]
    assert available_nano(stack, tenant.id) == tenant.balance_nano - row["charged_nano"]
    assert db.holds(tenant.id) == {}
    assert edge_events(stack) == tenant.events_before + 1, "one completion event, not more"
    return row


@pytest.fixture(scope="module")
def whole_answer(paced: Stack) -> dict[str, Any]:
    """The usage of the whole streamed answer to STORY, read to its end by another tenant
    (the simulator's answer depends on the conversation only)."""
    key = paced.new_tenant_key(credit_usd="5", name="disconnect-whole")
    resp = httpx.post(
        f"{paced.base_url}/chat/completions",
        timeout=120,
        headers={"Authorization": f"Bearer {key}", **NO_CACHE},
        json={
            "model": "auto",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": STORY}],
        },
    )
    assert resp.status_code == 200, resp.text
    chunks = [
        json.loads(line[6:])
        for line in resp.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    usage: dict[str, Any] = chunks[-1]["usage"]
    assert usage["completion_tokens"] >= 8, usage  # long enough to leave in the middle
    return usage


def test_stream_left_before_the_first_byte(
    paced: Stack, db: Db, whole_answer: dict[str, Any], slow_upstream: None
) -> None:
    tenant = fresh_tenant(paced)
    started = time.monotonic()
    request_id, held = leave_before_first_byte(
        paced,
        db,
        tenant,
        {
            "model": "auto",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": STORY}],
        },
    )
    assert held > 0
    row = recorded_once(paced, db, tenant, request_id)
    print(
        f"stream left before its first byte: {dict(row)}, "
        f"settled {time.monotonic() - started:.1f} s after the request"
    )
    assert row["streamed"]
    # The edge notices the client leave while it waits for the first token, stops the
    # upstream call and records the request: nothing was delivered, nothing is billed.
    assert row["status"] == "error", dict(row)
    assert row["error_code"] == "client_closed", dict(row)
    assert row["output_tokens"] == 0 and row["charged_nano"] == 0, dict(row)
    assert held > 0


def test_completion_left_while_the_upstream_works(
    paced: Stack, db: Db, slow_upstream: None
) -> None:
    tenant = fresh_tenant(paced)
    started = time.monotonic()
    request_id, held = leave_before_first_byte(
        paced, db, tenant, {"model": "auto", "messages": [{"role": "user", "content": STORY}]}
    )
    assert held > 0
    row = recorded_once(paced, db, tenant, request_id)
    print(
        f"completion left while the upstream worked: {dict(row)}, "
        f"settled {time.monotonic() - started:.1f} s after the request"
    )
    assert not row["streamed"]
    # The edge stops the upstream call when the client leaves and records the departure:
    # the answer nobody could read is not billed.
    assert row["status"] == "error", dict(row)
    assert row["error_code"] == "client_closed", dict(row)
    assert row["output_tokens"] == 0 and row["charged_nano"] == 0, dict(row)


def test_stream_left_mid_way_bills_what_was_delivered(
    paced: Stack, db: Db, whole_answer: dict[str, Any], sim: httpx.Client
) -> None:
    full = whole_answer
    tenant = fresh_tenant(paced)
    seen: list[dict[str, Any]] = []
    request_id = ""
    started = time.monotonic()
    with (
        httpx.Client(timeout=60) as client,
        client.stream(
            "POST",
            f"{paced.base_url}/chat/completions",
            headers={"Authorization": f"Bearer {tenant.key}", **NO_CACHE},
            json={
                "model": "auto",
                "stream": True,
                "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": STORY}],
            },
        ) as resp,
    ):
        assert resp.status_code == 200
        request_id = resp.headers["x-request-id"]
        for line in resp.iter_lines():
            if line.startswith("data: "):
                assert line != "data: [DONE]", "the stream ended before the client left"
                seen.append(json.loads(line[6:]))
                if len(seen) == 3:
                    break  # leaving the block closes the connection
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in seen if c["choices"])
    assert text
    row = recorded_once(paced, db, tenant, request_id)
    print(
        f"stream left after {len(seen)} chunks: {dict(row)} (whole answer: {full}), "
        f"settled {time.monotonic() - started:.1f} s after the request"
    )
    assert row["streamed"]
    assert row["status"] == "partial", dict(row)
    assert row["error_code"] == "client_closed", dict(row)
    assert row["input_tokens"] == full["prompt_tokens"]
    # Billed the tokens delivered: some, and far fewer than the whole answer's.
    assert 0 < row["output_tokens"] < full["completion_tokens"] // 2, (dict(row), full)
    assert 0 < row["charged_nano"] < Decimal(full["cost_usd"]) * NANO_PER_USD
