"""Where a request's route is decided: by the router service over gRPC, or in this process.

The decision is the router's own (`tokaroo_router.Decider`, the same code the router serves).
In process, the edge decides every request whose route needs no agent session: `fast`, `max`,
a pinned model and embeddings. `auto` chat keeps asking the router, which holds the sessions
shared by every replica (the model that holds a conversation's warm prompt prefix).

The in-process decider learns provider health (circuit breakers and the `fast` latency
estimate) from this process's own completions, the same observation the router makes from the
event stream: immediately, but from this replica's traffic only."""

from __future__ import annotations

from typing import Protocol

from tokaroo_proto.events.v1 import events_pb2
from tokaroo_proto.router.v1 import router_pb2, router_pb2_grpc
from tokaroo_router import Decider, uses_session

from tokaroo_edge.events import EventDraft
from tokaroo_edge.internal import call

RPC_TIMEOUT_S = 5.0


class Routing(Protocol):
    async def route(self, request: router_pb2.RouteRequest) -> router_pb2.RouteDecision: ...

    def recent(self, endpoint: str, model: str) -> router_pb2.RouteDecision | None:
        """This process's latest decision for requests of a kind (endpoint and model value),
        made here: what a hold can be sized on before a request's own decision is made. None
        when there is none yet, or only the router decides such requests."""
        ...


class RemoteRouting:
    """Every decision from the router service."""

    def __init__(
        self, stub: router_pb2_grpc.RouterServiceStub, timeout_s: float = RPC_TIMEOUT_S
    ) -> None:
        self._stub = stub
        self._timeout_s = timeout_s

    async def route(self, request: router_pb2.RouteRequest) -> router_pb2.RouteDecision:
        decision: router_pb2.RouteDecision = await call(
            self._stub.Route(request, timeout=self._timeout_s)
        )
        return decision

    def recent(self, endpoint: str, model: str) -> router_pb2.RouteDecision | None:
        return None


class LocalRouting:
    """Decisions without a session in this process, the others from `remote`. Also an
    event observer: each completion this process emits feeds the decider's health."""

    def __init__(self, decider: Decider, remote: Routing) -> None:
        self.decider = decider
        self._remote = remote
        self._recent: dict[tuple[str, str], router_pb2.RouteDecision] = {}

    async def route(self, request: router_pb2.RouteRequest) -> router_pb2.RouteDecision:
        if uses_session(request):
            return await self._remote.route(request)
        decision = self.decider.decide_now(request)
        # Keyed by model values the pool served (an unknown model raised above): bounded.
        self._recent[(request.endpoint, request.model)] = decision
        return decision

    def recent(self, endpoint: str, model: str) -> router_pb2.RouteDecision | None:
        return self._recent.get((endpoint, model))  # (the router's decisions are not kept)

    def observe(self, draft: EventDraft, event: events_pb2.CompletionEvent) -> None:
        self.decider.learn(event)
