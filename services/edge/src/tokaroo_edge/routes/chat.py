"""POST /v1/chat/completions."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request

from tokaroo_edge.admission import Admission
from tokaroo_edge.body import read_model
from tokaroo_edge.deps import authenticated
from tokaroo_edge.record import RecordedStream
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.serve import Json, serve_chat
from tokaroo_edge.sse import chat_completions_sse

router = APIRouter()

_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": ChatCompletionRequest.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
            }
        },
    }
}


class ChatCompletions:
    """The pipeline's answers are chat completions already."""

    async def body(self, completion: Json, req: ChatCompletionRequest, request_id: str) -> Json:
        return completion

    def stream(
        self,
        chunks: AsyncIterator[Json],
        req: ChatCompletionRequest,
        adm: Admission,
        request_id: str,
    ) -> AsyncIterator[bytes]:
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        return chat_completions_sse(chunks, include_usage)


@router.post("/v1/chat/completions", openapi_extra=_BODY_SCHEMA, response_model=None)
async def chat_completions(request: Request) -> JsonResponse | RecordedStream:
    state, principal = await authenticated(request)

    async def read() -> ChatCompletionRequest:
        return await read_model(request, ChatCompletionRequest, state.settings.max_body_bytes)

    return await serve_chat(request, state, principal, "chat.completions", read, ChatCompletions())
