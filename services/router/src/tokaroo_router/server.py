"""The gRPC RouterService: thin translation between protobuf and the decision
(`decide.Decider`, which the edge also runs in process for requests without a session)."""

from __future__ import annotations

from typing import Any

import grpc
from tokaroo_common.errors import TokarooError, abort_grpc
from tokaroo_proto.router.v1 import router_pb2, router_pb2_grpc

from tokaroo_router.decide import Decider, PoolHolder

__all__ = ["PoolHolder", "RouterServicer"]


class RouterServicer(router_pb2_grpc.RouterServiceServicer):
    """Serves `decider`'s decisions; `observe` feeds its provider health (e.g. from
    completion events)."""

    def __init__(self, decider: Decider) -> None:
        self.decider = decider

    def observe(
        self, provider: str, model: str, *, ok: bool, slowness: float | None = None
    ) -> None:
        """One completion's outcome for a (provider, upstream model) deployment."""
        self.decider.observe(provider, model, ok=ok, slowness=slowness)

    async def Route(
        self, request: router_pb2.RouteRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> router_pb2.RouteDecision:
        try:
            return await self.decider.decide(request)
        except TokarooError as exc:
            await abort_grpc(context, exc)
            raise  # abort_grpc raises; this line is never reached

    async def ListModels(
        self, request: router_pb2.ListModelsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> router_pb2.ListModelsResponse:
        pool = self.decider.pools.current
        return router_pb2.ListModelsResponse(
            models=[
                router_pb2.PublicModel(
                    id=m.id,
                    owned_by=m.owned_by,
                    created=m.created,
                    input_usd_per_1m=str(m.input_per_1m),
                    output_usd_per_1m=str(m.output_per_1m),
                )
                for m in pool.models
                if m.providers
            ]
        )  # none: its provider is not configured
