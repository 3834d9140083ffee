"""The gRPC CacheService: thin handlers over the exact cache."""

from __future__ import annotations

import grpc

from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc

from tokaroo_cache.exact import ExactCache

MISS = cache_pb2.LookupResponse(hit=False, outcome="miss")


class CacheServicer(cache_pb2_grpc.CacheServiceServicer):
    def __init__(self, exact: ExactCache, default_ttl_s: int) -> None:
        self._exact = exact
        self._ttl = default_ttl_s

    async def Lookup(self, request: cache_pb2.LookupRequest,  # noqa: N802
                     context: grpc.aio.ServicerContext) -> cache_pb2.LookupResponse:
        if request.policy == "none" or not request.tenant_id or not request.exact_key:
            return MISS
        body = await self._exact.get(request.tenant_id, request.exact_key)
        if body is None:
            return MISS
        return cache_pb2.LookupResponse(hit=True, outcome="exact", response_json=body,
                                        similarity=1.0)

    async def Store(self, request: cache_pb2.StoreRequest,  # noqa: N802
                    context: grpc.aio.ServicerContext) -> cache_pb2.StoreResponse:
        if request.policy == "none" or not request.tenant_id or not request.exact_key:
            return cache_pb2.StoreResponse(stored=False)
        ttl = request.ttl_seconds or self._ttl
        stored = await self._exact.put(request.tenant_id, request.exact_key,
                                       request.response_json, ttl)
        return cache_pb2.StoreResponse(stored=stored)

    async def InvalidateTenant(self, request: cache_pb2.InvalidateTenantRequest,  # noqa: N802
                               context: grpc.aio.ServicerContext
                               ) -> cache_pb2.InvalidateTenantResponse:
        deleted = await self._exact.invalidate_tenant(request.tenant_id)
        return cache_pb2.InvalidateTenantResponse(deleted=deleted)
