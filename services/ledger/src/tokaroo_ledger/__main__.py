"""Ledger process: `python -m tokaroo_ledger serve` (migrations: `tokaroo-migrate --store ledger`).

serve: the gRPC LedgerService and (unless TOKAROO_LEDGER_SETTLE=false) the settlement consumer,
in one process. SIGTERM/SIGINT: report NOT_SERVING, stop accepting calls and finish those in
flight, let the current batch finish and be acked, drain NATS, close the pool."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta

from asyncpg import Pool  # type: ignore[import-untyped]
from nats.aio.client import Client as NATS
from tokaroo_common import lifecycle
from tokaroo_common.grpc_server import serving
from tokaroo_common.jetstream import (
    COMPLETION_SUBJECT,
    BatchHandler,
    ConsumerOptions,
    connect,
    run_pull_consumer,
)
from tokaroo_common.lifecycle import frozen_startup_heap, shutdown_event
from tokaroo_common.logs import setup_logging
from tokaroo_common.metrics import ConsumedEvents, ConsumerLag
from tokaroo_common.observability import Observability
from tokaroo_common.reservations import ReservationBook
from tokaroo_common.telemetry import traced_handler
from tokaroo_common.valkey import valkey_client
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

from tokaroo_ledger.config import LedgerSettings
from tokaroo_ledger.db import create_pool
from tokaroo_ledger.holds import HoldService
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.server import LedgerServicer
from tokaroo_ledger.settlement import DURABLE, Settler
from tokaroo_ledger.stripe_config import StripeSettings
from tokaroo_ledger.stripe_rpcs import StripeRpcs

SERVICE = ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name
log = logging.getLogger("tokaroo_ledger")


def consumer_options(settings: LedgerSettings) -> ConsumerOptions:
    # max_deliver=-1: a charge is never dropped after N failed attempts (e.g. while PostgreSQL
    # is down); bad events are terminated explicitly as poison instead.
    return ConsumerOptions(
        durable=DURABLE,
        subject=COMPLETION_SUBJECT,
        batch=settings.ledger_batch_size,
        batch_wait_s=settings.ledger_batch_wait_s,
        ack_wait_s=settings.ledger_ack_wait_s,
        max_deliver=-1,
    )


def settlement_handler(
    repo: LedgerRepository, book: ReservationBook, obs: Observability
) -> BatchHandler:
    """The settlement batch handler, counted and traced (each event joins its request's
    trace through the context in the message headers)."""
    handler = ConsumedEvents(obs.registry, DURABLE).counted(Settler(repo, book).handle)
    return traced_handler(obs.tracer("tokaroo_ledger.settlement"), DURABLE, handler)


def hold_service(pool: Pool, book: ReservationBook, settings: LedgerSettings) -> HoldService:
    return HoldService(pool, book, timedelta(seconds=settings.ledger_hold_fence_s))


async def serve(settings: LedgerSettings) -> None:
    stop = shutdown_event()
    obs = Observability.start("ledger", settings)
    pool = await create_pool(
        settings.postgres_dsn.get_secret_value(),
        min_size=settings.ledger_pool_min,
        max_size=settings.ledger_pool_max,
        wait_s=settings.ledger_db_connect_timeout_s,
    )
    stripe = StripeRpcs(pool, StripeSettings())
    redis = valkey_client(settings.redis_url, timeout_s=2)
    book = ReservationBook(redis)
    try:
        repo = LedgerRepository(pool)
        server = obs.grpc_server()
        ledger_pb2_grpc.add_LedgerServiceServicer_to_server(
            LedgerServicer(repo, hold_service(pool, book, settings), stripe), server
        )
        consumer: asyncio.Task[None] | None = None
        nc: NATS | None = None
        lag: asyncio.Task[None] | None = None
        async with serving(
            server,
            [SERVICE],
            f"{settings.bind_host}:{settings.ledger_grpc_port}",
            grace_s=settings.ledger_shutdown_grace_s,
        ):
            log.info(
                "ledger serving",
                extra={"port": settings.ledger_grpc_port, "settle": settings.ledger_settle},
            )
            if settings.ledger_settle:
                nc = await connect(settings.nats_url, "tokaroo-ledger")
                consumer = asyncio.create_task(
                    run_pull_consumer(
                        nc, consumer_options(settings), settlement_handler(repo, book, obs), stop
                    )
                )
                consumer.add_done_callback(lambda _: stop.set())  # it ends on stop or a bug
                if obs.metrics_on:
                    lag = asyncio.create_task(
                        ConsumerLag(obs.registry, DURABLE).poll(nc.jetstream(), stop)
                    )
            with frozen_startup_heap():  # startup is done
                await stop.wait()
            log.info("ledger stopping")
        if consumer is not None:
            await consumer  # returns once the batch in hand is settled and acked
        if lag is not None:
            await lag
        if nc is not None:
            await close_nats(nc)
    finally:
        await stripe.aclose()
        await redis.aclose()
        await pool.close()
        obs.close()
    log.info("ledger stopped")


async def close_nats(nc: NATS) -> None:
    """Flush and close once the consumer loop has returned (it removed its subscription).
    Nothing is lost: the loop confirmed (flush) the acks of its last batch and awaited every
    dead-letter publish before returning; what was pulled but not handled is redelivered."""
    with contextlib.suppress(Exception):  # NATS may already be gone
        await nc.flush(timeout=2)
    await nc.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tokaroo_ledger")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve gRPC and settle completion events (the default)")
    args = parser.parse_args(argv)
    settings = LedgerSettings()
    setup_logging("ledger", settings.log_level)
    if args.command in (None, "serve"):
        lifecycle.run(serve(settings))


if __name__ == "__main__":
    main()
