"""The request path's Valkey commands on one multiplexed connection.

Per command, redis-py spends several times the cost of the command itself in its own
machinery: a pool checkout under a timeout, a retry wrapper, packing in Python (on the bench VM
about 250 µs of CPU for a GET, against 90 µs for the same GET written on an asyncio protocol
and parsed by hiredis: `bench/valkey_calls.py`). `ValkeyPipe` is that protocol: every caller's
commands are written to one connection as they are made, and since Valkey answers in order,
each reply goes to the oldest caller still waiting. It serves the few commands a request
makes (the balance hold with the exact-cache read, the exact-cache read and store, a key's
rate limits); everything else keeps redis-py (`tokaroo_common.valkey`).

Failure: a call that finds Valkey down, or whose connection breaks, raises `ConnectionError`;
one that gets no reply within `timeout_s` raises `TimeoutError` and drops the connection (the
calls waiting on it fail too). Both are in `VALKEY_ERRORS`. Nothing here retries: the callers
fall back to their redis-py path, whose retries ride out a Valkey restart. An error reply
(`NOSCRIPT`, a script's `error_reply`) comes back as a `hiredis.ReplyError` in the replies;
`checked` turns it into an exception (`LOADING`, a restarted Valkey still reading its data,
into ConnectionError)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import hiredis
from redis.commands.core import AsyncScript
from redis.exceptions import ResponseError

Arg = str | bytes | int
Command = Sequence[Arg]


def encode(commands: Sequence[Command]) -> bytes:
    """Commands as RESP arrays of bulk strings, back to back. Pure."""
    out: list[bytes] = []
    for command in commands:
        out.append(b"*%d\r\n" % len(command))
        for arg in command:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n" % len(data))
            out.append(data)
            out.append(b"\r\n")
    return b"".join(out)


def checked(reply: Any) -> Any:
    """A reply from the pipe, or ResponseError (a RedisError, as from redis-py) if it is an
    error reply. A Valkey that has just restarted and is still loading its data answers
    `LOADING`: that is ConnectionError, as for a Valkey that is down (redis-py's
    BusyLoadingError is a connection error too, which its retries wait out)."""
    if isinstance(reply, hiredis.ReplyError):
        if str(reply).startswith("LOADING"):
            raise ConnectionError(f"Valkey is still loading its data: {reply}")
        raise ResponseError(str(reply))
    return reply


def script_command(script: AsyncScript, keys: Sequence[str], args: Sequence[Any]) -> Command:
    """A redis-py registered script as an EVALSHA for the pipe. Pure."""
    return ("EVALSHA", script.sha, len(keys), *keys, *args)


async def script_reply(
    reply: Any, script: AsyncScript, keys: Sequence[str], args: Sequence[Any]
) -> Any:
    """The reply of `script_command` from the pipe. If Valkey lost the script (a restart),
    the script runs again through redis-py, which loads it; another error reply raises
    ResponseError (a RedisError, as from redis-py)."""
    if isinstance(reply, hiredis.ReplyError):
        if str(reply).startswith("NOSCRIPT"):
            return await script(keys=list(keys), args=list(args))
    return checked(reply)


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    db: int = 0
    username: str | None = None
    password: str | None = None

    @staticmethod
    def supported(url: str) -> bool:
        """Plain TCP (`redis://`); TLS (`rediss://`) and unix sockets stay on redis-py. Pure."""
        return urlsplit(url).scheme == "redis"

    @classmethod
    def from_url(cls, url: str) -> Endpoint:
        """`redis://[[user]:password@]host[:port][/db]`, as redis-py reads it. Pure."""
        parts = urlsplit(url)
        if parts.scheme != "redis":
            raise ValueError(f"not a redis:// URL: {parts.scheme}://")
        db = parts.path.strip("/")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=int(db) if db else 0,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def handshake(self) -> list[Command]:
        """What a new connection sends before any call: AUTH, SELECT (when needed). Pure."""
        out: list[Command] = []
        if self.password is not None:
            out.append(("AUTH", *((self.username,) if self.username else ()), self.password))
        if self.db:
            out.append(("SELECT", self.db))
        return out


class _Connection(asyncio.Protocol):
    """One connection: replies are handed to the waiters in the order the commands went."""

    def __init__(self) -> None:
        self._reader = hiredis.Reader()
        self._waiters: deque[asyncio.Future[Any]] = deque()
        self._transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def send(self, commands: Sequence[Command]) -> list[asyncio.Future[Any]]:
        if self.closed or self._transport is None:
            raise ConnectionError("the Valkey connection is closed")
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in commands]
        self._waiters.extend(futures)
        self._transport.write(encode(commands))
        return futures

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        while True:
            try:
                reply = self._reader.gets()
            except hiredis.ProtocolError as exc:
                self.drop(ConnectionError(f"unreadable reply from Valkey: {exc}"))
                return
            if reply is False:
                return
            if not self._waiters:
                self.drop(ConnectionError("a reply from Valkey that nobody asked for"))
                return
            waiter = self._waiters.popleft()
            if not waiter.done():  # its caller may have timed out
                waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionError(f"the Valkey connection was lost: {exc!r}"))

    def drop(self, exc: Exception) -> None:
        """Close the connection; every call waiting on it fails with `exc`."""
        self._fail(exc)
        if self._transport is not None:
            self._transport.abort()

    def _fail(self, exc: Exception) -> None:
        self.closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)


class ValkeyPipe:
    """One lazily opened connection per event loop, shared by every concurrent caller."""

    def __init__(self, url: str, *, timeout_s: float) -> None:
        self._endpoint = Endpoint.from_url(url)
        self._timeout = timeout_s
        self._conn: _Connection | None = None
        self._opening = asyncio.Lock()

    async def execute(self, *commands: Command) -> list[Any]:
        """The commands' replies, in order, from one write (error replies as
        `hiredis.ReplyError`). Raises ConnectionError or TimeoutError (see the module)."""
        conn: _Connection | None = None
        try:
            async with asyncio.timeout(self._timeout):
                conn = await self._connection()
                futures = conn.send(commands)
                return [await f for f in futures]
        except TimeoutError:
            if conn is not None:
                conn.drop(TimeoutError("Valkey did not answer in time"))
            raise

    async def run_script(
        self, script: AsyncScript, keys: Sequence[str], args: Sequence[Any]
    ) -> Any:
        """A redis-py registered script, run on the pipe (see `script_reply`)."""
        (reply,) = await self.execute(script_command(script, keys, args))
        return await script_reply(reply, script, keys, args)

    async def aclose(self) -> None:
        if self._conn is not None:
            self._conn.drop(ConnectionError("the Valkey pipe was closed"))
            self._conn = None

    async def _connection(self) -> _Connection:
        conn = self._conn
        if conn is not None and not conn.closed:
            return conn
        async with self._opening:
            if self._conn is not None and not self._conn.closed:
                return self._conn
            loop = asyncio.get_running_loop()
            try:
                _, opened = await loop.create_connection(
                    _Connection, self._endpoint.host, self._endpoint.port
                )
            except OSError as exc:  # refused, unreachable, a name that does not resolve
                raise ConnectionError(f"cannot connect to Valkey: {exc}") from exc
            handshake = self._endpoint.handshake()
            if handshake:
                for reply in await asyncio.gather(*opened.send(handshake)):
                    if isinstance(reply, hiredis.ReplyError):
                        opened.drop(ConnectionError(f"Valkey refused the handshake: {reply}"))
                        raise ConnectionError(f"Valkey refused the handshake: {reply}")
            self._conn = opened
            return opened
