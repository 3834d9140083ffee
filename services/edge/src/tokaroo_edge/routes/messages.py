"""Anthropic's Messages API: POST /v1/messages (also with `?beta=true`, as Claude Code sends
it), POST /v1/messages/count_tokens and Claude Code's `HEAD /api/hello`. The body is
translated to the canonical chat request and served by the same flow as chat completions;
every error on these routes is Anthropic-shaped. `anthropic-version` and `anthropic-beta`
headers are accepted whatever their value."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from tokaroo_edge.admission import Admission
from tokaroo_edge.body import read_model
from tokaroo_edge.conversation import to_conversation
from tokaroo_edge.deps import Auth, State, authenticated
from tokaroo_edge.dialects import anthropic
from tokaroo_edge.dialects.anthropic_answer import MessageStream, message_id, messages_sse
from tokaroo_edge.dialects.anthropic_answer import to_message as render_message
from tokaroo_edge.errors import dialect_route
from tokaroo_edge.record import RecordedStream
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.serve import Json, serve_chat
from tokaroo_edge.tokens import count_prompt_tokens

router = APIRouter(route_class=dialect_route(anthropic.error_body))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with its `$defs` references replaced by their (non-recursive) targets."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _body_schema(model: type[anthropic.CountTokensRequest]) -> dict[str, Any]:
    """The request body in the OpenAPI document (what the schema fuzz generates from),
    self-contained."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }


def _stops(req: ChatCompletionRequest) -> list[str]:
    return [req.stop] if isinstance(req.stop, str) else list(req.stop or [])


class Messages:
    """Chat completions rendered as Anthropic messages."""

    async def body(self, completion: Json, req: ChatCompletionRequest, request_id: str) -> Json:
        return render_message(completion, request_id=request_id, model=req.model, stops=_stops(req))

    def stream(
        self,
        chunks: AsyncIterator[Json],
        req: ChatCompletionRequest,
        adm: Admission,
        request_id: str,
    ) -> AsyncIterator[bytes]:
        return messages_sse(
            chunks, MessageStream(message_id(request_id), req.model, adm.prompt_tokens, _stops(req))
        )


@router.post(
    "/v1/messages", openapi_extra=_body_schema(anthropic.MessagesRequest), response_model=None
)
async def messages(request: Request) -> JsonResponse | RecordedStream:
    state, principal = await authenticated(request)

    async def read() -> ChatCompletionRequest:
        body = await read_model(request, anthropic.MessagesRequest, state.settings.max_body_bytes)
        return anthropic.to_chat_request(body)

    return await serve_chat(request, state, principal, "messages", read, Messages())


@router.post(
    "/v1/messages/count_tokens",
    openapi_extra=_body_schema(anthropic.CountTokensRequest),
    response_model=None,
)
async def count_tokens(request: Request, state: State, principal: Auth) -> JsonResponse:
    body = await read_model(request, anthropic.CountTokensRequest, state.settings.max_body_bytes)
    req = anthropic.to_chat_request(body)
    tokens = count_prompt_tokens(state.completer.encoder, to_conversation(req.messages), req.tools)
    return JsonResponse({"input_tokens": tokens})


@router.head("/api/hello", include_in_schema=False)
async def hello() -> Response:
    """Claude Code's connectivity check."""
    return Response(status_code=200)
