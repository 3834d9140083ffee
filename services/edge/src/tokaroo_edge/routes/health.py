"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tokaroo_edge.deps import State
from tokaroo_edge.responses import JsonResponse

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> JsonResponse:
    return JsonResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(state: State) -> JsonResponse:
    checks: dict[str, bool] = {"draining": not state.draining, "nats": state.outbox.connected}
    for name, channel in zip(("router", "cache", "ledger"), state.clients.channels, strict=True):
        try:
            stub: Any = health_pb2_grpc.HealthStub(channel)  # the stubs' types are sync-only
            resp = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
            checks[name] = resp.status == health_pb2.HealthCheckResponse.SERVING
        except Exception:  # noqa: BLE001 - any failure means not ready
            checks[name] = False
    ok = all(checks.values())
    return JsonResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
    )
