"""`tokaroo admin`: operator commands over the ledger's gRPC API, for self-hosters without
Stripe. Money is parsed as Decimal USD and sent as integer nano-USD, never through float.

    tokaroo admin tenant create --name N [--credit-usd X] [--key-name K]
    tokaroo admin tenant list
    tokaroo admin credit TENANT_ID --usd X --reason R
    tokaroo admin debit  TENANT_ID --usd X --reason R

The ledger address: --ledger-addr, else TOKAROO_LEDGER_ADDR (default 127.0.0.1:50053)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import grpc
from pydantic_settings import BaseSettings
from tokaroo_common.grpc_channel import internal_channel
from tokaroo_common.money import format_usd, usd_to_nano
from tokaroo_common.settings import LEDGER_GRPC_PORT, SETTINGS_CONFIG, local_addr
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

TIMEOUT_S = 10
MAX_USD = Decimal(10**9)


class AdminSettings(BaseSettings):
    model_config = SETTINGS_CONFIG

    ledger_addr: str = local_addr(LEDGER_GRPC_PORT)


@dataclass(frozen=True)
class CreateTenant:
    name: str
    credit_nano: int
    key_name: str


@dataclass(frozen=True)
class ListTenants:
    pass


@dataclass(frozen=True)
class Adjust:
    tenant_id: str
    amount_nano: int  # > 0 credit, < 0 debit
    reason: str


Command = CreateTenant | ListTenants | Adjust


def usd(text: str, *, allow_zero: bool = False) -> Decimal:
    """A positive USD amount with at most 9 decimals (nano-USD), exactly."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal amount: {text!r}") from None
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise argparse.ArgumentTypeError(f"the amount must be {'>= 0' if allow_zero else '> 0'}")
    if value > MAX_USD:
        raise argparse.ArgumentTypeError(f"the amount must be at most {MAX_USD} USD")
    if value != value.quantize(Decimal("1e-9")):
        raise argparse.ArgumentTypeError("at most 9 decimals (1 nano-USD)")
    return value


def _credit_usd(text: str) -> Decimal:
    return usd(text, allow_zero=True)


def _tenant_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a tenant id: {text!r}") from None


def _text(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tokaroo admin", description="Tenant and balance administration."
    )
    parser.add_argument("--ledger-addr", help="ledger gRPC address (TOKAROO_LEDGER_ADDR)")
    sub = parser.add_subparsers(dest="group", required=True)

    tenant = sub.add_parser("tenant", help="create or list tenants").add_subparsers(
        dest="action", required=True
    )
    create = tenant.add_parser("create", help="create a tenant; prints its id and first key")
    create.add_argument("--name", required=True, type=_text)
    create.add_argument(
        "--credit-usd",
        type=_credit_usd,
        default=Decimal(0),
        help="initial credit in USD (default 0)",
    )
    create.add_argument("--key-name", type=_text, default="default")
    tenant.add_parser("list", help="list tenants with their balances")

    for action, help_text in (
        ("credit", "add USD to a tenant's balance"),
        ("debit", "remove USD from a tenant's balance"),
    ):
        adjust = sub.add_parser(action, help=help_text)
        adjust.add_argument("tenant_id", type=_tenant_id)
        adjust.add_argument("--usd", required=True, type=usd)
        adjust.add_argument("--reason", required=True, type=_text)
    return parser


def parse(argv: list[str]) -> tuple[Command, str | None]:
    """The command and the --ledger-addr override; exits 2 on bad arguments (argparse)."""
    ns = build_parser().parse_args(argv)
    command: Command
    if ns.group == "tenant" and ns.action == "create":
        command = CreateTenant(ns.name, usd_to_nano(ns.credit_usd), ns.key_name)
    elif ns.group == "tenant":
        command = ListTenants()
    else:
        sign = 1 if ns.group == "credit" else -1
        command = Adjust(ns.tenant_id, sign * usd_to_nano(ns.usd), ns.reason)
    return command, ns.ledger_addr


async def execute(command: Command, stub: ledger_pb2_grpc.LedgerServiceStub) -> list[str]:
    """Run one command against the ledger; return the lines to print."""
    if isinstance(command, CreateTenant):
        created = await stub.CreateTenant(
            ledger_pb2.CreateTenantRequest(
                name=command.name,
                initial_credit_nano=command.credit_nano,
                key_name=command.key_name,
            ),
            timeout=TIMEOUT_S,
        )
        return [f"tenant_id {created.tenant_id}", f"api_key   {created.key.secret}"]
    if isinstance(command, ListTenants):
        listed = await stub.ListTenants(ledger_pb2.ListTenantsRequest(), timeout=TIMEOUT_S)
        lines = [f"{'ID':36}  {'BALANCE_USD':>20}  {'CREATED':20}  NAME"]
        lines += [
            f"{t.id:36}  {format_usd(t.balance_nano):>20}  "
            f"{_when(t.created_at_unix_ms):20}  {t.name}"
            for t in listed.tenants
        ]
        return lines
    balance = await stub.Adjust(
        ledger_pb2.AdjustRequest(
            tenant_id=command.tenant_id,
            amount_nano=command.amount_nano,
            reason=command.reason,
            cause_id=f"admin:{uuid.uuid4()}",
        ),
        timeout=TIMEOUT_S,
    )
    return [
        f"tenant_id   {balance.tenant_id or command.tenant_id}",
        f"balance_usd {format_usd(balance.balance_nano)}",
    ]


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _run(command: Command, addr: str) -> list[str]:
    async with internal_channel(addr) as channel:
        stub = ledger_pb2_grpc.LedgerServiceStub(channel)
        return await execute(command, stub)


def main(argv: list[str]) -> int:
    command, addr_override = parse(argv)
    addr = addr_override or AdminSettings().ledger_addr
    try:
        lines = asyncio.run(_run(command, addr))
    except grpc.aio.AioRpcError as exc:
        print(
            f"tokaroo admin: ledger at {addr}: {exc.code().name}: {exc.details()}", file=sys.stderr
        )
        return 1
    for line in lines:
        print(line)
    return 0
