"""The request path's endpoints on plain Starlette routes: the same answers, errors in the
route's own dialect, the metrics' route label, 405 for another method, and the OpenAPI
document unchanged."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from starlette.requests import Request
from tokaroo_common.errors import InvalidRequest
from tokaroo_common.metrics import HttpMetrics, HttpMetricsMiddleware
from tokaroo_edge import errors
from tokaroo_edge.dialects import anthropic
from tokaroo_edge.hot_routes import PlainRoute, plain_routes, serve_first
from tokaroo_edge.responses import JsonResponse

openai_router = APIRouter()
anthropic_router = APIRouter(route_class=errors.dialect_route(anthropic.error_body))


@openai_router.post("/v1/chat/completions", response_model=None)
async def chat(request: Request) -> JsonResponse:
    body = await request.json()
    if body.get("bad"):
        raise InvalidRequest("bad body", param="bad")
    return JsonResponse({"route": "chat", "echo": body})


@anthropic_router.post("/v1/messages", response_model=None)
async def messages(request: Request) -> JsonResponse:
    raise InvalidRequest("bad message", param="messages")


@openai_router.get("/v1/models")
async def models() -> JsonResponse:
    return JsonResponse({"data": []})


def build(*, plain: bool) -> tuple[FastAPI, CollectorRegistry]:
    app = FastAPI()
    errors.install(app)
    for router in (openai_router, anthropic_router):
        app.include_router(router)
    if plain:
        serve_first(app, plain_routes((openai_router, anthropic_router), (chat, messages)))
    registry = CollectorRegistry()
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(registry))
    return app, registry


def test_plain_routes_take_path_methods_and_error_shape_from_the_fastapi_routes() -> None:
    routes = plain_routes((openai_router, anthropic_router), (messages, chat))
    assert [(r.path, r.methods, type(r)) for r in routes] == [
        ("/v1/messages", {"POST"}, PlainRoute),
        ("/v1/chat/completions", {"POST"}, PlainRoute),
    ]
    assert routes[0].error_shape is anthropic.error_body  # type: ignore[attr-defined]
    assert not hasattr(routes[1], "error_shape")
    assert not any(r.include_in_schema for r in routes)
    with pytest.raises(ValueError, match="models"):
        plain_routes((anthropic_router,), (models,))
    with pytest.raises(ValueError, match="request alone"):
        plain_routes((openai_router,), (models,))  # takes nothing: FastAPI's to call


@pytest.mark.parametrize("plain", [False, True])
def test_answers_errors_and_labels_are_those_of_the_fastapi_routes(plain: bool) -> None:
    app, registry = build(plain=plain)
    with TestClient(app) as client:
        ok = client.post("/v1/chat/completions", json={"x": 1})
        assert (ok.status_code, ok.json()) == (200, {"route": "chat", "echo": {"x": 1}})
        bad = client.post("/v1/chat/completions", json={"bad": True})
        assert bad.status_code == 400
        assert bad.json()["error"]["param"] == "bad"  # OpenAI's shape
        anth = client.post("/v1/messages", json={})
        assert anth.status_code == 400
        assert anth.json() == {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "bad message"},
        }
        wrong = client.get("/v1/chat/completions")
        assert wrong.status_code == 405
        assert "error" in wrong.json()
        assert client.get("/v1/models").json() == {"data": []}
        schema = client.get("/openapi.json").json()
        assert set(schema["paths"]) == {"/v1/chat/completions", "/v1/messages", "/v1/models"}
    served = registry.get_sample_value(
        "tokaroo_http_requests_total",
        {"method": "POST", "route": "/v1/chat/completions", "status": "200"},
    )
    assert served == 1.0


def test_the_plain_route_is_the_one_that_serves() -> None:
    app, _ = build(plain=True)
    first, second = app.router.routes[:2]
    assert isinstance(first, PlainRoute) and first.path == "/v1/chat/completions"
    assert isinstance(second, PlainRoute) and not isinstance(second, APIRoute)
