"""The authenticator: a short cache of the ledger's answer, refreshed in the background near its
end and asked once per key however many requests wait, and stale-if-error while the ledger is
unavailable (a key it accepted recently keeps working; a new or refused one not)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tokaroo_common.errors import AuthenticationFailed, ServiceUnavailable
from tokaroo_edge import auth
from tokaroo_edge.auth import Authenticator
from tokaroo_proto.ledger.v1 import ledger_pb2

from .conftest import Clock


class Ledger:
    def __init__(self) -> None:
        self.down = False
        self.calls = 0

    async def Authenticate(
        self, request: ledger_pb2.AuthenticateRequest, **_: Any
    ) -> ledger_pb2.AuthenticateResponse:
        self.calls += 1
        if self.down:
            raise ServiceUnavailable("The ledger is temporarily unavailable. Please retry.")
        if request.key_hash == auth.hash_key("tok_good"):
            return ledger_pb2.AuthenticateResponse(
                ok=True, tenant_id="t", key_id="k", budget_nano=5, budget_period="day"
            )
        return ledger_pb2.AuthenticateResponse(ok=False)


async def test_the_answer_carries_the_keys_budget() -> None:
    principal = await Authenticator(Ledger(), 1.0).authenticate("tok_good")  # type: ignore[arg-type]
    assert (principal.tenant_id, principal.budget_nano, principal.budget_period) == ("t", 5, "day")


async def test_a_known_key_keeps_working_while_the_ledger_is_down() -> None:
    ledger = Ledger()
    authn = Authenticator(ledger, 0.0)  # type: ignore[arg-type]
    assert (await authn.authenticate("tok_good")).key_id == "k"
    ledger.down = True
    assert (await authn.authenticate("tok_good")).key_id == "k"
    assert ledger.calls == 2  # it asked, and fell back to what it knew
    with pytest.raises(ServiceUnavailable):
        await authn.authenticate("tok_never_seen")


async def test_a_refused_key_stays_refused_while_the_ledger_is_down() -> None:
    ledger = Ledger()
    authn = Authenticator(ledger, 0.0)  # type: ignore[arg-type]
    with pytest.raises(AuthenticationFailed):
        await authn.authenticate("tok_bad")
    ledger.down = True
    with pytest.raises(ServiceUnavailable):
        await authn.authenticate("tok_bad")


async def test_stale_answers_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger()
    authn = Authenticator(ledger, 0.0)  # type: ignore[arg-type]
    await authn.authenticate("tok_good")
    ledger.down = True
    monkeypatch.setattr(auth, "STALE_IF_ERROR_S", -1.0)
    with pytest.raises(ServiceUnavailable):
        await authn.authenticate("tok_good")


class SlowLedger(Ledger):
    """Answers only when `release` is set; `revoked` refuses every key from then on."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.release.set()
        self.revoked = False
        self.asked = 0

    async def Authenticate(
        self, request: ledger_pb2.AuthenticateRequest, **kw: Any
    ) -> ledger_pb2.AuthenticateResponse:
        self.asked += 1
        await self.release.wait()
        if self.revoked:
            return ledger_pb2.AuthenticateResponse(ok=False)
        return await super().Authenticate(request, **kw)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_requests_for_one_key_share_one_question() -> None:
    ledger = SlowLedger()
    ledger.release.clear()
    authn = Authenticator(ledger, 1.0)  # type: ignore[arg-type]
    waiting = [asyncio.create_task(authn.authenticate("tok_good")) for _ in range(10)]
    await settle()
    ledger.release.set()
    assert {p.key_id for p in await asyncio.gather(*waiting)} == {"k"}
    assert ledger.asked == 1


async def test_a_key_in_steady_use_is_refreshed_without_waiting() -> None:
    ledger, clock = SlowLedger(), Clock()
    authn = Authenticator(ledger, 1.0, clock=clock)  # type: ignore[arg-type]
    await authn.authenticate("tok_good")
    clock.now += 0.5
    await authn.authenticate("tok_good")
    assert ledger.asked == 1  # fresh: not asked
    ledger.release.clear()
    clock.now += 0.35  # the last fifth of the answer's second
    assert (await authn.authenticate("tok_good")).key_id == "k"  # did not wait for the ledger
    await settle()
    assert ledger.asked == 2  # asked in the background, once
    await authn.authenticate("tok_good")
    assert ledger.asked == 2
    ledger.release.set()
    await settle()
    clock.now += 0.5  # past the first answer's second, within the refreshed one's
    await authn.authenticate("tok_good")
    assert ledger.asked == 2


async def test_an_answer_is_never_used_past_its_ttl_so_revocation_still_takes_a_second() -> None:
    ledger, clock = SlowLedger(), Clock()
    authn = Authenticator(ledger, 1.0, clock=clock)  # type: ignore[arg-type]
    await authn.authenticate("tok_good")
    ledger.revoked = True
    clock.now += 0.9  # refreshes in the background: the refusal arrives with it
    await authn.authenticate("tok_good")
    await settle()
    with pytest.raises(AuthenticationFailed):
        await authn.authenticate("tok_good")
    # Without a request near its end, an answer expires and the next request waits for the
    # ledger's answer.
    other_ledger = SlowLedger()
    other = Authenticator(other_ledger, 1.0, clock=clock)  # type: ignore[arg-type]
    await other.authenticate("tok_good")
    other_ledger.revoked = True
    clock.now += 1.01
    with pytest.raises(AuthenticationFailed):
        await other.authenticate("tok_good")


async def test_a_request_that_leaves_does_not_cancel_the_shared_question() -> None:
    ledger = SlowLedger()
    ledger.release.clear()
    authn = Authenticator(ledger, 1.0)  # type: ignore[arg-type]
    leaving = asyncio.create_task(authn.authenticate("tok_good"))
    staying = asyncio.create_task(authn.authenticate("tok_good"))
    await settle()
    leaving.cancel()
    await settle()
    ledger.release.set()
    assert (await staying).key_id == "k" and leaving.cancelled()
    assert ledger.asked == 1


async def test_a_failed_refresh_leaves_the_answer_to_expire_then_stale_if_error() -> None:
    ledger, clock = Ledger(), Clock()
    authn = Authenticator(ledger, 1.0, clock=clock)  # type: ignore[arg-type]
    await authn.authenticate("tok_good")
    ledger.down = True
    clock.now += 0.9
    assert (await authn.authenticate("tok_good")).key_id == "k"
    await settle()
    clock.now += 0.5
    assert (await authn.authenticate("tok_good")).key_id == "k"  # stale-if-error
    assert ledger.calls == 3
