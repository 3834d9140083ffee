"""The OpenAI Responses API: POST /v1/responses (object or event stream), GET and DELETE
/v1/responses/{id}. The body is translated to the canonical chat request (dialects.responses)
and served by the same flow as chat completions; a response with `store` (the default) is
kept per tenant by the cache service, for `previous_response_id` and GET."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson
from fastapi import APIRouter, Request

from tokaroo_edge import stored_responses
from tokaroo_edge.admission import Admission
from tokaroo_edge.body import read_model
from tokaroo_edge.deps import Auth, State, authenticated
from tokaroo_edge.dialects.responses import (
    ResponsesRequest,
    base_response,
    input_messages,
    items_to_messages,
    response_id,
    to_chat_request,
    to_response,
)
from tokaroo_edge.dialects.responses_stream import ResponsesStream
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.record import RecordedStream
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import ChatCompletionRequest, Message
from tokaroo_edge.serve import Json, serve_chat

router = APIRouter()

_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": ResponsesRequest.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
            }
        },
    }
}


@dataclass
class Responses:
    """Chat completions rendered as Responses API responses, kept when `store` is on."""

    clients: InternalClients
    tenant_id: str
    base: Json = field(default_factory=dict)
    store: bool = True
    turns: list[Message] = field(default_factory=list)  # the stored history and this input

    async def keep(self, response: Json) -> None:
        if self.store:
            messages = self.turns + items_to_messages(response["output"], "output")
            await stored_responses.keep(self.clients, self.tenant_id, response, messages)

    async def body(self, completion: Json, req: ChatCompletionRequest, request_id: str) -> Json:
        response = to_response(completion, self.base)
        await self.keep(response)
        return response

    def stream(
        self,
        chunks: AsyncIterator[Json],
        req: ChatCompletionRequest,
        adm: Admission,
        request_id: str,
    ) -> AsyncIterator[bytes]:
        return self._events(chunks, ResponsesStream(self.base))

    async def _events(
        self, chunks: AsyncIterator[Json], events: ResponsesStream
    ) -> AsyncIterator[bytes]:
        for frame in events.start():
            yield frame
        kept = False
        async for chunk in chunks:
            frames = events.feed(chunk)
            if events.final is not None and not kept:  # kept before the client hears of it
                kept = True
                await self.keep(events.final)
            for frame in frames:
                yield frame


@router.post("/v1/responses", openapi_extra=_BODY_SCHEMA, response_model=None)
async def create_response(request: Request) -> JsonResponse | RecordedStream:
    state, principal = await authenticated(request)
    render = Responses(state.clients, principal.tenant_id)

    async def read() -> ChatCompletionRequest:
        body = await read_model(request, ResponsesRequest, state.settings.max_body_bytes)
        history = await stored_responses.history(
            state.clients, principal.tenant_id, body.previous_response_id
        )
        req = to_chat_request(body, history)
        render.base = base_response(body, response_id(request.state.request_id), int(time.time()))
        render.store, render.turns = body.store, history + input_messages(body)
        return req

    return await serve_chat(request, state, principal, "responses", read, render)


@router.get("/v1/responses/{resp_id}", response_model=None)
async def get_response(resp_id: str, state: State, principal: Auth) -> JsonResponse:
    stored = await stored_responses.fetch(state.clients, principal.tenant_id, resp_id)
    return JsonResponse(orjson.loads(stored.response_json))


@router.delete("/v1/responses/{resp_id}", response_model=None)
async def delete_response(resp_id: str, state: State, principal: Auth) -> JsonResponse:
    await stored_responses.remove(state.clients, principal.tenant_id, resp_id)
    return JsonResponse({"id": resp_id, "object": "response.deleted", "deleted": True})
