"""The gRPC ResponseStore: thin handlers over ResponseStore. A missing tenant or id is
INVALID_ARGUMENT; an unknown, expired or another tenant's id is NOT_FOUND (the same answer,
so ids cannot be probed across tenants); a database failure is UNAVAILABLE."""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
from tokaroo_proto.responses.v1 import responses_pb2, responses_pb2_grpc

from tokaroo_cache.responses_store import ResponseStore, to_ms
from tokaroo_cache.semantic import DB_ERRORS

Context = grpc.aio.ServicerContext[Any, Any]


async def _require(context: Context, tenant_id: str, response_id: str) -> None:
    if not tenant_id or not response_id:
        await context.abort(
            grpc.StatusCode.INVALID_ARGUMENT, "tenant_id and response_id are required"
        )


async def _unavailable(context: Context, exc: BaseException) -> NoReturn:
    await context.abort(
        grpc.StatusCode.UNAVAILABLE, f"response store unavailable: {type(exc).__name__}"
    )
    raise AssertionError("abort returned")  # pragma: no cover - abort always raises


async def _not_found(context: Context, response_id: str) -> NoReturn:
    await context.abort(grpc.StatusCode.NOT_FOUND, f"No response found with id '{response_id}'.")
    raise AssertionError("abort returned")  # pragma: no cover - abort always raises


class ResponseStoreServicer(responses_pb2_grpc.ResponseStoreServicer):
    def __init__(self, store: ResponseStore) -> None:
        self._store = store

    async def Put(
        self, request: responses_pb2.PutRequest, context: Context
    ) -> responses_pb2.PutResponse:
        r = request.response
        await _require(context, r.tenant_id, r.response_id)
        try:
            expires = await self._store.put(
                r.tenant_id,
                r.response_id,
                r.conversation,
                r.messages_json,
                r.response_json,
                request.ttl_seconds,
            )
        except DB_ERRORS as exc:
            await _unavailable(context, exc)
        return responses_pb2.PutResponse(expires_at_unix_ms=to_ms(expires))

    async def Get(
        self, request: responses_pb2.GetRequest, context: Context
    ) -> responses_pb2.GetResponse:
        await _require(context, request.tenant_id, request.response_id)
        try:
            stored = await self._store.get(request.tenant_id, request.response_id)
        except DB_ERRORS as exc:
            await _unavailable(context, exc)
        if stored is None:
            await _not_found(context, request.response_id)
        return responses_pb2.GetResponse(
            response=responses_pb2.StoredResponse(
                tenant_id=stored.tenant_id,
                response_id=stored.response_id,
                conversation=stored.conversation,
                messages_json=stored.messages_json,
                response_json=stored.response_json,
                created_at_unix_ms=to_ms(stored.created_at),
                expires_at_unix_ms=to_ms(stored.expires_at),
            )
        )

    async def Delete(
        self, request: responses_pb2.DeleteRequest, context: Context
    ) -> responses_pb2.DeleteResponse:
        await _require(context, request.tenant_id, request.response_id)
        try:
            deleted = await self._store.delete(request.tenant_id, request.response_id)
        except DB_ERRORS as exc:
            await _unavailable(context, exc)
        if not deleted:
            await _not_found(context, request.response_id)
        return responses_pb2.DeleteResponse(deleted=True)
