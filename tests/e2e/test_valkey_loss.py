"""Balance holds live in Valkey. kill -9 Valkey and lose its data (the stack runs it with an
append-only file; the test deletes it, as a failover to an empty replica would): while it is
down, and for one fence after (the longest a request that held before the loss can still
run), requests are refused with a clear 503 in the caller's dialect; then admission is
rebuilt from PostgreSQL. Nothing overspends: a tenant whose balance covers only a few
requests is never charged below zero, and balance = sum of entries."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import anthropic
import asyncpg
import openai
import pytest
from tokaroo_common.money import NANO_PER_USD

from tests.harness import Stack, running_stack

FENCE_S = 4  # TOKAROO_LEDGER_HOLD_FENCE_S: above the longest request (TOTAL_TIMEOUT_S)
TOTAL_TIMEOUT_S = 3


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="tk-vk-"))
    try:
        with running_stack(
            home,
            TOKAROO_LEDGER_HOLD_FENCE_S=str(FENCE_S),
            TOKAROO_TOTAL_TIMEOUT_S=str(TOTAL_TIMEOUT_S),
        ) as s:
            yield s
    finally:
        shutil.rmtree(home, ignore_errors=True)


def lose_valkey(stack: Stack) -> None:
    """kill -9 Valkey, delete its data, start it again (empty)."""
    stack.procs["valkey"].kill()
    wipe_valkey_data(stack)
    stack.procs["valkey"].start()


def wipe_valkey_data(stack: Stack) -> None:
    for path in (stack.layout.home / "valkey").glob("appendonly*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _ask(client: openai.OpenAI) -> tuple[int, str]:
    try:
        client.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": f"Name a colour. {time.monotonic_ns()}"}],
        )
        return 200, ""
    except openai.APIStatusError as exc:
        return exc.status_code, exc.message


async def _ledger(stack: Stack, tenant_id: str) -> tuple[int, int, int]:
    """Balance, the sum of entries and the charged requests, from one snapshot: read apart, a
    settlement committing between two reads would look like balance != entries."""
    conn = await asyncpg.connect(stack.layout.postgres_dsn)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT balance_nano FROM tenants WHERE id = $1::uuid) AS balance, "
            "(SELECT coalesce(sum(amount_nano), 0)::bigint FROM ledger_entries "
            "WHERE tenant_id = $1::uuid) AS entries, "
            "(SELECT count(*) FROM usage WHERE tenant_id = $1::uuid AND charged_nano > 0) "
            "AS charged",
            tenant_id,
        )
        assert row is not None
        return int(row["balance"]), int(row["entries"]), int(row["charged"])
    finally:
        await conn.close()


def test_a_valkey_loss_fails_closed_then_recovers(stack: Stack) -> None:
    key = stack.new_tenant_key(credit_usd="5", name="valkey-loss")
    tenant_id = stack.tenant_id(key)
    client = openai.OpenAI(
        base_url=stack.base_url,
        api_key=key,
        max_retries=0,
        timeout=30,
        default_headers={"x-tokaroo-cache-control": "no-cache"},
    )
    assert _ask(client) == (200, "")
    stack.procs["valkey"].kill()
    down = _ask(client)
    assert down[0] == 503, down
    wipe_valkey_data(stack)
    stack.procs["valkey"].start()
    statuses: list[tuple[int, str]] = []
    deadline = time.monotonic() + FENCE_S + 30
    while time.monotonic() < deadline:
        statuses.append(_ask(client))
        if statuses[-1][0] == 200:
            break
        time.sleep(0.3)
    assert statuses[-1][0] == 200, statuses[-5:]
    fenced = [s for s in statuses if s[0] == 503]
    assert fenced, "no request was refused while the holds were rebuilt"
    assert any("rebuilt" in message for _, message in fenced), fenced
    assert {code for code, _ in statuses} <= {200, 503}, statuses
    # The Anthropic dialect gets the refusal in its own shape (a fresh loss).
    lose_valkey(stack)
    anth = anthropic.Anthropic(
        base_url=stack.base_url.removesuffix("/v1"), api_key=key, max_retries=0
    )
    with pytest.raises(anthropic.APIStatusError) as info:
        anth.messages.create(
            model="auto", max_tokens=50, messages=[{"role": "user", "content": "Name a colour."}]
        )
    assert info.value.status_code == 503
    assert info.value.body["type"] == "error"  # type: ignore[index]
    assert "rebuilt" in info.value.message, info.value.message
    started = time.monotonic()
    while _ask(client)[0] != 200:
        assert time.monotonic() - started < FENCE_S + 20
        time.sleep(0.3)
    deadline = time.monotonic() + 30
    while True:
        balance, entries, charged = asyncio.run(_ledger(stack, tenant_id))
        if charged >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert balance == entries and 0 <= balance < 5 * NANO_PER_USD


def test_no_overdraft_across_a_valkey_loss(stack: Stack) -> None:
    """A balance that covers a few requests: however the loss falls, the charges stay within
    it (the fence keeps the lost holds' requests from being joined by new ones)."""
    key = stack.new_tenant_key(credit_usd="0.0002", name="small")
    tenant_id = stack.tenant_id(key)
    client = openai.OpenAI(
        base_url=stack.base_url,
        api_key=key,
        max_retries=0,
        timeout=30,
        default_headers={"x-tokaroo-cache-control": "no-cache"},
    )
    codes = [_ask(client)[0] for _ in range(3)]
    lose_valkey(stack)
    deadline = time.monotonic() + FENCE_S + 10
    while time.monotonic() < deadline:
        codes.append(_ask(client)[0])
        time.sleep(0.2)
    assert set(codes) <= {200, 402, 503}, codes
    assert 402 in codes, codes  # the balance ran out, and said so
    time.sleep(2)
    balance, entries, _ = asyncio.run(_ledger(stack, tenant_id))
    assert balance == entries and balance >= 0, (balance, codes)
