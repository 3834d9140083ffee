"""The one way a service opens Valkey: a pool of at most `max_connections` on which a call
waits for a free connection (up to the socket timeout) instead of failing, as redis-py's
default pool does past 100 concurrent calls; a call on a connection that broke (Valkey
restarted) is tried again on a fresh one, `retries` times (redis-py's own retry), backing off
exponentially up to `backoff_cap_s` between tries when that is set: a caller that fails closed
(the balance hold) rides out a Valkey restart or failover of about a second that way instead
of refusing. What Tokaroo sends is safe to repeat: holds and mirror writes are idempotent (see
reservations)."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

# What a call to Valkey raises when Valkey is down, slow or refuses: callers that degrade
# (a cache miss, a skipped store) catch these and nothing else.
VALKEY_ERRORS = (RedisError, OSError, TimeoutError)


def as_bytes(value: object) -> bytes | None:
    """A GET's reply as bytes (None: absent), whatever the client decoded. Pure."""
    return value if value is None or isinstance(value, bytes) else str(value).encode()


def valkey_client(
    url: str,
    *,
    timeout_s: float,
    max_connections: int = 64,
    retries: int = 1,
    backoff_cap_s: float = 0.0,
) -> Redis:
    backoff = (
        ExponentialBackoff(cap=backoff_cap_s, base=backoff_cap_s / 16)
        if backoff_cap_s > 0
        else NoBackoff()
    )
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_s,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(backoff, retries),
        retry_on_error=[RedisConnectionError],
    )
    return Redis.from_pool(pool)  # closing the client closes its pool
