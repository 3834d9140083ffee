"""`tokaroo admin`: argument parsing (pure) and the commands against an in-process fake of the
ledger's gRPC API (a real gRPC server on a free port)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from decimal import Decimal
from typing import Any

import grpc
import pytest
from tokaroo_cli.admin import Adjust, CreateTenant, ListTenants, main, parse, usd
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

TENANT = "0190f1e2-0000-7000-8000-000000000001"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["tenant", "create", "--name", "acme"], CreateTenant("acme", 0, "default")),
        (
            ["tenant", "create", "--name", " acme ", "--credit-usd", "12.5", "--key-name", "ci"],
            CreateTenant("acme", 12_500_000_000, "ci"),
        ),
        (["tenant", "list"], ListTenants()),
        (
            ["credit", TENANT, "--usd", "0.1", "--reason", "goodwill"],
            Adjust(TENANT, 100_000_000, "goodwill"),
        ),
        (["debit", TENANT, "--usd", "0.000000001", "--reason", "fix"], Adjust(TENANT, -1, "fix")),
        (
            ["debit", TENANT.upper(), "--usd", "1e3", "--reason", "r"],
            Adjust(TENANT, -1_000_000_000_000, "r"),
        ),
    ],
)
def test_parse(argv: list[str], expected: object) -> None:
    assert parse(argv) == (expected, None)


def test_parse_ledger_addr() -> None:
    assert parse(["--ledger-addr", "ledger:1", "tenant", "list"]) == (ListTenants(), "ledger:1")


def test_money_is_exact() -> None:
    # 0.1 + 0.2 in float is 0.30000000000000004; as Decimal it stays exact.
    assert parse(["credit", TENANT, "--usd", "0.3", "--reason", "r"])[0] == Adjust(
        TENANT, 300_000_000, "r"
    )
    assert usd("19.999999999") == Decimal("19.999999999")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["tenant"],
        ["tenant", "create"],  # --name required
        ["tenant", "create", "--name", "  "],
        ["tenant", "create", "--name", "a", "--credit-usd", "-1"],
        ["credit", TENANT, "--usd", "10"],  # --reason required
        ["credit", TENANT, "--usd", "10", "--reason", ""],
        ["credit", "not-a-uuid", "--usd", "10", "--reason", "r"],
        ["credit", TENANT, "--usd", "0", "--reason", "r"],
        ["debit", TENANT, "--usd", "-5", "--reason", "r"],  # the sign is the command
        ["credit", TENANT, "--usd", "abc", "--reason", "r"],
        ["credit", TENANT, "--usd", "nan", "--reason", "r"],
        ["credit", TENANT, "--usd", "inf", "--reason", "r"],
        ["credit", TENANT, "--usd", "0.0000000001", "--reason", "r"],  # below 1 nano-USD
        ["credit", TENANT, "--usd", "1e12", "--reason", "r"],
        ["refund", TENANT, "--usd", "1", "--reason", "r"],
    ],
)
def test_parse_rejects(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse(argv)
    assert exit_.value.code == 2
    assert capsys.readouterr().err


class FakeLedger(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def CreateTenant(
        self, request: ledger_pb2.CreateTenantRequest, context: Any
    ) -> ledger_pb2.CreatedTenant:
        self.calls.append(("CreateTenant", request))
        return ledger_pb2.CreatedTenant(
            tenant_id=TENANT, key=ledger_pb2.CreatedKey(secret="tok_secret")
        )

    def ListTenants(
        self, request: ledger_pb2.ListTenantsRequest, context: Any
    ) -> ledger_pb2.ListTenantsResponse:
        self.calls.append(("ListTenants", request))
        return ledger_pb2.ListTenantsResponse(
            tenants=[
                ledger_pb2.TenantInfo(
                    id=TENANT,
                    name="acme",
                    balance_nano=12_345_000_000,
                    created_at_unix_ms=1_700_000_000_000,
                )
            ]
        )

    def Adjust(self, request: ledger_pb2.AdjustRequest, context: Any) -> ledger_pb2.Balance:
        self.calls.append(("Adjust", request))
        if request.amount_nano < -(10**12):
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION, "A debit may not take the balance below zero."
            )
        return ledger_pb2.Balance(
            tenant_id=request.tenant_id, balance_nano=5_000_000_000 + request.amount_nano
        )


@pytest.fixture
def ledger() -> Iterator[tuple[FakeLedger, str]]:
    fake = FakeLedger()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    ledger_pb2_grpc.add_LedgerServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield fake, f"127.0.0.1:{port}"
    finally:
        server.stop(None).wait()


def test_tenant_create_prints_id_and_key(
    ledger: tuple[FakeLedger, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, addr = ledger
    assert (
        main(["--ledger-addr", addr, "tenant", "create", "--name", "acme", "--credit-usd", "7.25"])
        == 0
    )
    out = capsys.readouterr().out
    assert TENANT in out and "tok_secret" in out
    [(name, request)] = fake.calls
    assert name == "CreateTenant"
    assert (request.name, request.initial_credit_nano, request.key_name) == (
        "acme",
        7_250_000_000,
        "default",
    )


def test_tenant_list(
    ledger: tuple[FakeLedger, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, addr = ledger
    monkeypatch.setenv("TOKAROO_LEDGER_ADDR", addr)  # the address from the environment
    assert main(["tenant", "list"]) == 0
    out = capsys.readouterr().out
    assert TENANT in out and "12.345000000" in out and "acme" in out
    assert "2023-11-14T22:13:20Z" in out


def test_credit_and_debit_use_unique_cause_ids(
    ledger: tuple[FakeLedger, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, addr = ledger
    assert (
        main(["--ledger-addr", addr, "credit", TENANT, "--usd", "2.5", "--reason", "goodwill"]) == 0
    )
    assert "7.500000000" in capsys.readouterr().out
    assert (
        main(["--ledger-addr", addr, "debit", TENANT, "--usd", "1", "--reason", "correction"]) == 0
    )
    assert "4.000000000" in capsys.readouterr().out
    requests = [r for _, r in fake.calls]
    assert [(r.amount_nano, r.reason) for r in requests] == [
        (2_500_000_000, "goodwill"),
        (-1_000_000_000, "correction"),
    ]
    causes = [r.cause_id for r in requests]
    assert all(c.startswith("admin:") for c in causes) and len(set(causes)) == 2


def test_ledger_errors_exit_1(
    ledger: tuple[FakeLedger, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, addr = ledger
    assert (
        main(["--ledger-addr", addr, "debit", TENANT, "--usd", "5000", "--reason", "too much"]) == 1
    )
    err = capsys.readouterr().err
    assert "FAILED_PRECONDITION" in err and "below zero" in err
