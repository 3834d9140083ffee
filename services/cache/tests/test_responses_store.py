"""The stored-responses table and its gRPC API against a real, migrated PostgreSQL: round
trips, replacement, expiry, deletion, and tenancy (another tenant's id is not found, never
read, replaced or deleted)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import grpc
import pytest
from tokaroo_cache.responses_server import ResponseStoreServicer
from tokaroo_cache.responses_store import ResponseStore
from tokaroo_cache.semantic import create_pool
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb
from tokaroo_proto.responses.v1 import responses_pb2, responses_pb2_grpc

A, B = "tenant-a", "tenant-b"
CONV = cpb.Conversation(
    turns=[
        cpb.Turn(role=cpb.ROLE_USER, parts=[cpb.ContentPart(text="hi")]),
        cpb.Turn(role=cpb.ROLE_ASSISTANT, parts=[cpb.ContentPart(text="hello")]),
    ]
)


@pytest.fixture
async def pool(session_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(session_dsn, min_size=0)
    yield p
    await p.close()


@pytest.fixture
def store(pool: asyncpg.Pool) -> ResponseStore:
    return ResponseStore(pool, default_ttl_s=3600, max_ttl_s=7200)


async def test_round_trip_and_replacement(store: ResponseStore) -> None:
    await store.put(A, "resp_1", CONV, b"[]", b'{"v": 1}', 0)
    got = await store.get(A, "resp_1")
    assert got is not None and got.conversation == CONV and got.response_json == b'{"v": 1}'
    assert 3500 < (got.expires_at - got.created_at).total_seconds() <= 3600
    await store.put(A, "resp_1", CONV, b"[]", b'{"v": 2}', 60)
    got = await store.get(A, "resp_1")
    assert got is not None and got.response_json == b'{"v": 2}'


def test_ttl_default_and_bound(store: ResponseStore) -> None:
    assert store.ttl(0) == 3600 and store.ttl(10) == 10 and store.ttl(10**9) == 7200


async def test_another_tenants_id_is_not_found(store: ResponseStore) -> None:
    await store.put(A, "resp_private", CONV, b"[]", b'{"tenant": "a"}', 0)
    assert await store.get(B, "resp_private") is None
    assert await store.delete(B, "resp_private") is False
    # B storing the same id creates B's own row; A's is untouched.
    await store.put(B, "resp_private", CONV, b"[]", b'{"tenant": "b"}', 0)
    a, b = await store.get(A, "resp_private"), await store.get(B, "resp_private")
    assert a is not None and a.response_json == b'{"tenant": "a"}'
    assert b is not None and b.response_json == b'{"tenant": "b"}'


async def test_expired_rows_are_never_read(store: ResponseStore, pool: asyncpg.Pool) -> None:
    await store.put(A, "resp_old", CONV, b"[]", b"{}", 0)
    await pool.execute(
        "UPDATE stored_responses SET expires_at = now() - interval '1 second' "
        "WHERE tenant_id = $1 AND response_id = $2",
        A,
        "resp_old",
    )
    assert await store.get(A, "resp_old") is None
    assert await store.delete(A, "resp_old") is False


async def test_delete(store: ResponseStore) -> None:
    await store.put(A, "resp_del", CONV, b"[]", b"{}", 0)
    assert await store.delete(A, "resp_del") is True
    assert await store.get(A, "resp_del") is None


async def test_grpc_not_found_across_tenants(store: ResponseStore) -> None:
    server = grpc.aio.server()
    responses_pb2_grpc.add_ResponseStoreServicer_to_server(ResponseStoreServicer(store), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = responses_pb2_grpc.ResponseStoreStub(channel)
            put = await stub.Put(
                responses_pb2.PutRequest(
                    response=responses_pb2.StoredResponse(
                        tenant_id=A,
                        response_id="resp_grpc",
                        conversation=CONV,
                        messages_json=b"[]",
                        response_json=b'{"id": "resp_grpc"}',
                    )
                )
            )
            assert put.expires_at_unix_ms > 0
            got = await stub.Get(responses_pb2.GetRequest(tenant_id=A, response_id="resp_grpc"))
            assert got.response.conversation == CONV
            for call in (
                stub.Get(responses_pb2.GetRequest(tenant_id=B, response_id="resp_grpc")),
                stub.Delete(responses_pb2.DeleteRequest(tenant_id=B, response_id="resp_grpc")),
            ):
                with pytest.raises(grpc.aio.AioRpcError) as err:
                    await call
                assert err.value.code() == grpc.StatusCode.NOT_FOUND
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.Get(responses_pb2.GetRequest(tenant_id="", response_id="resp_grpc"))
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        await server.stop(None)
