"""The authenticator: a short cache of the ledger's answer, and stale-if-error while the
ledger is unavailable (a key it accepted recently keeps working; a new or refused one not)."""

from __future__ import annotations

from typing import Any

import pytest
from tokaroo_common.errors import AuthenticationFailed, ServiceUnavailable
from tokaroo_edge import auth
from tokaroo_edge.auth import Authenticator
from tokaroo_proto.ledger.v1 import ledger_pb2


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
