"""The edge's stored-responses calls against a fake ResponseStore: every call names the
caller's tenant, an id the store does not find (unknown or another tenant's) is OpenAI's 404
naming `previous_response_id` when chaining, and a failed store does not fail the answer."""

from __future__ import annotations

from typing import Any

import grpc
import orjson
import pytest
from tokaroo_common.errors import NotFound
from tokaroo_edge import stored_responses
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.schemas import Message
from tokaroo_proto.responses.v1 import responses_pb2


class NotFoundRpc(grpc.aio.AioRpcError):
    def __init__(self) -> None:
        super().__init__(
            grpc.StatusCode.NOT_FOUND,
            grpc.aio.Metadata(),
            grpc.aio.Metadata(),
            details="No response found",
        )


class FakeStore:
    """Keyed by (tenant, id), as the real one."""

    def __init__(self, fail_puts: bool = False) -> None:
        self.rows: dict[tuple[str, str], responses_pb2.StoredResponse] = {}
        self.fail_puts = fail_puts

    async def Put(
        self, request: responses_pb2.PutRequest, timeout: float = 0
    ) -> responses_pb2.PutResponse:
        if self.fail_puts:
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNAVAILABLE,
                grpc.aio.Metadata(),
                grpc.aio.Metadata(),
                details="down",
            )
        r = request.response
        self.rows[(r.tenant_id, r.response_id)] = r
        return responses_pb2.PutResponse(expires_at_unix_ms=1)

    async def Get(
        self, request: responses_pb2.GetRequest, timeout: float = 0
    ) -> responses_pb2.GetResponse:
        row = self.rows.get((request.tenant_id, request.response_id))
        if row is None:
            raise NotFoundRpc()
        return responses_pb2.GetResponse(response=row)

    async def Delete(
        self, request: responses_pb2.DeleteRequest, timeout: float = 0
    ) -> responses_pb2.DeleteResponse:
        if self.rows.pop((request.tenant_id, request.response_id), None) is None:
            raise NotFoundRpc()
        return responses_pb2.DeleteResponse(deleted=True)


def clients(store: Any) -> InternalClients:
    return InternalClients(None, None, None, (), responses=store)  # type: ignore[arg-type]


TURNS = [
    Message(role="user", content="Hi"),
    Message(
        role="assistant",
        content=None,
        tool_calls=[
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    ),
]


async def test_keep_then_chain_within_the_tenant_only() -> None:
    store = FakeStore()
    c = clients(store)
    await stored_responses.keep(c, "tenant-a", {"id": "resp_1", "object": "response"}, TURNS)
    row = store.rows[("tenant-a", "resp_1")]
    assert [t.role for t in row.conversation.turns] == [3, 4]  # user, assistant
    assert row.conversation.turns[1].tool_calls[0].id == "call_1"
    assert orjson.loads(row.response_json)["id"] == "resp_1"
    history = await stored_responses.history(c, "tenant-a", "resp_1")
    assert [m.model_dump(exclude_none=True) for m in history] == [
        m.model_dump(exclude_none=True) for m in TURNS
    ]
    with pytest.raises(NotFound) as err:
        await stored_responses.history(c, "tenant-b", "resp_1")
    assert err.value.param == "previous_response_id" and "resp_1" in err.value.message
    with pytest.raises(NotFound):
        await stored_responses.fetch(c, "tenant-b", "resp_1")
    with pytest.raises(NotFound):
        await stored_responses.remove(c, "tenant-b", "resp_1")
    await stored_responses.remove(c, "tenant-a", "resp_1")
    assert not store.rows


async def test_no_previous_id_is_no_history_and_a_failed_store_is_logged() -> None:
    assert await stored_responses.history(clients(FakeStore()), "t", None) == []
    await stored_responses.keep(
        clients(FakeStore(fail_puts=True)), "t", {"id": "resp_x"}, TURNS
    )  # does not raise
