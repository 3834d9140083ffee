"""gRPC clients of the internal services, created once per process (in the app lifespan),
each balanced over every replica of its service (tokaroo_common.grpc_channel)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import grpc
from tokaroo_common.errors import ERROR_CODE_METADATA, from_grpc
from tokaroo_common.grpc_channel import internal_channel
from tokaroo_proto.cache.v1 import cache_pb2_grpc
from tokaroo_proto.ledger.v1 import ledger_pb2_grpc
from tokaroo_proto.responses.v1 import responses_pb2_grpc
from tokaroo_proto.router.v1 import router_pb2_grpc

T = TypeVar("T")


@dataclass
class InternalClients:
    router: router_pb2_grpc.RouterServiceStub
    cache: cache_pb2_grpc.CacheServiceStub
    ledger: ledger_pb2_grpc.LedgerServiceStub
    channels: tuple[grpc.aio.Channel, ...]
    responses: responses_pb2_grpc.ResponseStoreStub | None = None  # served by the cache

    @staticmethod
    def connect(
        router_addr: str,
        cache_addr: str,
        ledger_addr: str,
        *,
        interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
    ) -> InternalClients:
        def channel(addr: str) -> grpc.aio.Channel:
            return internal_channel(addr, interceptors=interceptors)

        rc, cc, lc = channel(router_addr), channel(cache_addr), channel(ledger_addr)
        return InternalClients(
            router_pb2_grpc.RouterServiceStub(rc),
            cache_pb2_grpc.CacheServiceStub(cc),
            ledger_pb2_grpc.LedgerServiceStub(lc),
            (rc, cc, lc),
            responses=responses_pb2_grpc.ResponseStoreStub(cc),
        )

    async def close(self) -> None:
        for ch in self.channels:
            await ch.close()


async def call(awaitable: Awaitable[T]) -> T:
    """Await an internal RPC, turning gRPC errors into Tokaroo errors."""
    try:
        return await awaitable
    except grpc.aio.AioRpcError as exc:
        code = next(
            (str(v) for k, v in (exc.trailing_metadata() or ()) if k == ERROR_CODE_METADATA), None
        )
        raise from_grpc(exc.code(), exc.details(), code) from exc
