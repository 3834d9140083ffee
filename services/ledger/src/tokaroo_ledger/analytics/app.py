"""Process wiring for the analytics entry points: sink, serve, or sink + serve.

With the embedded engine (`chdb:` DSN) only one process may own the data directory, so the
local stack runs `run` (sink and query API in one process sharing one client); against a
ClickHouse server, `sink` and `serve` are separate Deployments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from tokaroo_common.grpc_server import serving
from tokaroo_common.jetstream import ConsumerOptions, connect
from tokaroo_common.lifecycle import shutdown_event
from tokaroo_common.metrics import ConsumerLag, StatsCollector
from tokaroo_common.observability import Observability
from tokaroo_proto.analytics.v1 import analytics_pb2_grpc

from tokaroo_ledger.analytics.config import AnalyticsSettings
from tokaroo_ledger.analytics.migrate import migrate
from tokaroo_ledger.analytics.queries import UsageQueries
from tokaroo_ledger.analytics.server import SERVICE, AnalyticsServicer
from tokaroo_ledger.analytics.sink import AnalyticsSink
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_ledger.analytics.writer import EventWriter

log = logging.getLogger("tokaroo_ledger.analytics")


def sink_options(s: AnalyticsSettings) -> ConsumerOptions:
    return ConsumerOptions(
        durable=s.analytics_durable,
        batch=s.analytics_batch_max,
        batch_wait_s=s.analytics_batch_max_wait_s,
        fetch_size=s.analytics_fetch_size,
        ack_wait_s=s.analytics_ack_wait_s,
        max_deliver=s.analytics_max_deliver,
        nak_delay_s=s.analytics_nak_delay_s,
    )


@contextlib.asynccontextmanager
async def warehouse(s: AnalyticsSettings, *, auto_migrate: bool) -> AsyncIterator[Warehouse]:
    wh = await asyncio.to_thread(
        Warehouse.open, s.clickhouse_dsn.get_secret_value(), s.clickhouse_database
    )
    try:
        if auto_migrate:
            await migrate(wh)
        yield wh
    finally:
        wh.close()


async def _sink(
    s: AnalyticsSettings, wh: Warehouse, stop: asyncio.Event, obs: Observability
) -> None:
    nc = await connect(s.nats_url, "analytics-sink")
    sink = AnalyticsSink(
        nc,
        EventWriter(wh),
        sink_options(s),
        tracer=obs.tracer("tokaroo_ledger.analytics"),
    )
    obs.registry.register(
        StatsCollector("tokaroo_analytics_sink", "Analytics sink totals", lambda: vars(sink.stats))
    )
    lag = (
        asyncio.create_task(
            ConsumerLag(obs.registry, s.analytics_durable).poll(nc.jetstream(), stop)
        )
        if obs.metrics_on
        else None
    )
    log.info("analytics sink consuming", extra={"durable": s.analytics_durable})
    try:
        await sink.run(stop)
    finally:
        if lag is not None:
            lag.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag
        # close, not drain: a finished batch is already acked, and what is still in flight
        # is unacked and will be redelivered (and deduplicated) anyway.
        await nc.close()
        log.info("analytics sink stopped", extra={"stats": vars(sink.stats)})


async def _serve(
    s: AnalyticsSettings, wh: Warehouse, stop: asyncio.Event, obs: Observability
) -> None:
    server = obs.grpc_server()
    analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(
        AnalyticsServicer(UsageQueries(wh)), server
    )
    async with serving(
        server,
        [SERVICE],
        f"{s.bind_host}:{s.analytics_grpc_port}",
        grace_s=s.analytics_shutdown_grace_s,
    ):
        log.info("analytics serving", extra={"port": s.analytics_grpc_port})
        await stop.wait()


async def run(s: AnalyticsSettings, *, sink: bool, serve: bool) -> None:
    stop = shutdown_event()
    obs = Observability.start("analytics", s)
    try:
        async with warehouse(s, auto_migrate=s.analytics_auto_migrate) as wh:
            tasks = []
            if sink:
                tasks.append(_sink(s, wh, stop, obs))
            if serve:
                tasks.append(_serve(s, wh, stop, obs))
            await asyncio.gather(*tasks)
    finally:
        obs.close()
