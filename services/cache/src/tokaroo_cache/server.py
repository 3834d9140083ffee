"""The gRPC CacheService: thin handlers over CachePolicy."""

from __future__ import annotations

from typing import Any

import grpc
from tokaroo_common.valkey import VALKEY_ERRORS
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc

from tokaroo_cache.policy import CachePolicy
from tokaroo_cache.semantic import DB_ERRORS


class CacheServicer(cache_pb2_grpc.CacheServiceServicer):
    def __init__(self, core: CachePolicy) -> None:
        self._core = core

    async def Lookup(
        self, request: cache_pb2.LookupRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> cache_pb2.LookupResponse:
        out = await self._core.lookup(
            request.tenant_id,
            request.exact_key,
            request.policy,
            request.model,
            request.conversation,
            request.shape,
            semantic_only=request.semantic_only,
        )
        return cache_pb2.LookupResponse(
            hit=out.hit, outcome=out.outcome, response_json=out.body, similarity=out.similarity
        )

    async def Store(
        self, request: cache_pb2.StoreRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> cache_pb2.StoreResponse:
        stored = await self._core.store(
            request.tenant_id,
            request.exact_key,
            request.policy,
            request.model,
            request.response_json,
            request.conversation,
            request.shape,
            request.answer,
            request.ttl_seconds,
            semantic_only=request.semantic_only,
        )
        return cache_pb2.StoreResponse(stored=stored)

    async def InvalidateTenant(
        self,
        request: cache_pb2.InvalidateTenantRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> cache_pb2.InvalidateTenantResponse:
        if not request.tenant_id:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "tenant_id is required")
        try:
            deleted = await self._core.invalidate(request.tenant_id, request.older_than_unix_ms)
        except (*VALKEY_ERRORS, *DB_ERRORS) as exc:
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, f"cache store unavailable: {type(exc).__name__}"
            )
        return cache_pb2.InvalidateTenantResponse(deleted=deleted)
