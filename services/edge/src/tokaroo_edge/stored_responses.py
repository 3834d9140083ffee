"""The edge's side of stored Responses API responses: load the turns of a
`previous_response_id`, keep a finished response, read and delete one. Always scoped by the
caller's tenant; the cache service answers NOT_FOUND for another tenant's id as for an
unknown one, and this module turns that into OpenAI's 404."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from tokaroo_common.errors import NotFound, ServiceUnavailable
from tokaroo_proto.responses.v1 import responses_pb2, responses_pb2_grpc

from tokaroo_edge.conversation import to_conversation
from tokaroo_edge.internal import InternalClients, call
from tokaroo_edge.schemas import Message

log = logging.getLogger(__name__)
Json = dict[str, Any]
RPC_TIMEOUT_S = 5.0


def _stub(clients: InternalClients) -> responses_pb2_grpc.ResponseStoreStub:
    if clients.responses is None:
        raise ServiceUnavailable("Stored responses are not available on this gateway.")
    return clients.responses


async def fetch(
    clients: InternalClients, tenant_id: str, resp_id: str, param: str | None = None
) -> responses_pb2.StoredResponse:
    """The tenant's stored response; 404 (OpenAI-shaped) when unknown, expired or not its."""
    try:
        got = await call(
            _stub(clients).Get(
                responses_pb2.GetRequest(tenant_id=tenant_id, response_id=resp_id),
                timeout=RPC_TIMEOUT_S,
            )
        )
    except NotFound as exc:
        what = "Previous response" if param else "Response"
        raise NotFound(f"{what} with id '{resp_id}' not found.", param=param) from exc
    stored: responses_pb2.StoredResponse = got.response
    return stored


async def history(
    clients: InternalClients, tenant_id: str, previous_id: str | None
) -> list[Message]:
    """The whole conversation `previous_id` ended (its answer included), as chat messages."""
    if not previous_id:
        return []
    stored = await fetch(clients, tenant_id, previous_id, "previous_response_id")
    return [Message.model_validate(m) for m in orjson.loads(stored.messages_json)]


async def keep(
    clients: InternalClients, tenant_id: str, response: Json, messages: list[Message]
) -> None:
    """Store a finished response with the conversation it ends. A store that fails does not
    fail the answer (it was delivered and billed): it is logged, and a later chain on this
    id gets a 404."""
    stored = responses_pb2.StoredResponse(
        tenant_id=tenant_id,
        response_id=str(response["id"]),
        conversation=to_conversation(messages),
        messages_json=orjson.dumps([m.model_dump(exclude_none=True) for m in messages]),
        response_json=orjson.dumps(response),
    )
    try:
        await call(
            _stub(clients).Put(responses_pb2.PutRequest(response=stored), timeout=RPC_TIMEOUT_S)
        )
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning(
            "storing a response failed", extra={"tenant_id": tenant_id, "error": type(exc).__name__}
        )


async def remove(clients: InternalClients, tenant_id: str, resp_id: str) -> None:
    try:
        await call(
            _stub(clients).Delete(
                responses_pb2.DeleteRequest(tenant_id=tenant_id, response_id=resp_id),
                timeout=RPC_TIMEOUT_S,
            )
        )
    except NotFound as exc:
        raise NotFound(f"Response with id '{resp_id}' not found.") from exc
