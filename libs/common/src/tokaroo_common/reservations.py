"""Balance holds in Valkey: the book every edge replica reserves against, kept by the ledger.

PostgreSQL stays the book of record. Valkey holds a mirror of each tenant's balance and of
each key's settled spend, and the live holds, all under one hash tag per tenant so that one
Lua script sees them atomically:

    tk:res:{<tenant>}:acct     hash  bal, ver (the balance version it mirrors), seen (the
                                     newest version settled), held (sum of live holds),
                                     fence (ms: refuse holds until then, after a rebuild)
    tk:res:{<tenant>}:holds    hash  request id -> "<amount>:<key id>"
    tk:res:{<tenant>}:exp      zset  request id scored by its expiry (ms)
    tk:res:{<tenant>}:kheld    hash  key id -> sum of that key's live holds
    tk:res:{<tenant>}:k:<key>  hash  day, day_start, month, month_start, total (settled spend)

A hold: available = mirrored balance - live holds; for a key with a budget, its period's
settled spend + its live holds + this amount must stay within the budget. A tenant whose
mirror is absent (never loaded, or Valkey lost it) answers `cold`, and the ledger loads it
from PostgreSQL (`load`) before holding. Settlement applies each committed batch (`apply`):
the new absolute balance, written only when its version is newer, and the release of the
settled requests' holds, in one script per tenant. Amounts are integers (nano-USD); Lua
compares them as doubles, exact below 2**53 nano-USD (about 9 million USD)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from tokaroo_common.errors import ServiceUnavailable
from tokaroo_common.valkey import as_bytes
from tokaroo_common.valkey_pipe import ValkeyPipe, checked, script_command, script_reply

EPOCH_KEY = "tk:res:epoch"
_SWEEP = 200  # expired holds dropped per call, at most
_IDLE_TTL_MS = 7 * 24 * 3600 * 1000  # a tenant's mirror unused this long is dropped

_RELEASE = """
local function release(rid)
  local h = redis.call('HGET', KEYS[2], rid)
  if not h then return end
  local amount, key = string.match(h, '^(%d+):(.*)$')
  redis.call('HDEL', KEYS[2], rid)
  redis.call('ZREM', KEYS[3], rid)
  if amount == '0' then return end  -- (Valkey refuses '-0' as an integer)
  redis.call('HINCRBY', KEYS[1], 'held', '-' .. amount)
  if key ~= '' then
    if redis.call('HINCRBY', KEYS[4], key, '-' .. amount) <= 0 then
      redis.call('HDEL', KEYS[4], key)
    end
  end
end
local function touch(n)
  for i = 1, n do redis.call('PEXPIRE', KEYS[i], @IDLE@) end
end
"""

# KEYS: acct, holds, exp, kheld, key spend. ARGV: request id, amount, now ms, ttl ms, key id
# ('' none), budget (-1 none), period (day|month|total), the period's first day number.
# Returns {status, available, key spent, key held}; status ok|balance|key_budget|cold|fenced
# (for fenced, `available` is the ms left).
_HOLD = (
    _RELEASE
    + """
local bal = redis.call('HGET', KEYS[1], 'bal')
if not bal then return {'cold', 0, 0, 0} end
local now = tonumber(ARGV[3])
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if fence > now then return {'fenced', fence - now, 0, 0} end
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, @SWEEP@)) do
  release(rid)
end
release(ARGV[1])
local amount = tonumber(ARGV[2])
local available = tonumber(bal) - tonumber(redis.call('HGET', KEYS[1], 'held') or '0')
local key = ARGV[5]
local budget = tonumber(ARGV[6])
local spent, kheld = 0, 0
if key ~= '' and budget >= 0 then
  local period = ARGV[7]
  local s = redis.call('HMGET', KEYS[5], period, period .. '_start')
  if not s[1] then return {'cold', 0, 0, 0} end
  if period == 'total' or tonumber(s[2] or '0') >= tonumber(ARGV[8]) then
    spent = tonumber(s[1])
  end
  kheld = tonumber(redis.call('HGET', KEYS[4], key) or '0')
  if spent + kheld + amount > budget then return {'key_budget', available, spent, kheld} end
end
if available <= 0 or available < amount then return {'balance', available, spent, kheld} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ':' .. key)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[1])
redis.call('HINCRBY', KEYS[1], 'held', ARGV[2])
if key ~= '' then redis.call('HINCRBY', KEYS[4], key, ARGV[2]) end
touch(4)
return {'ok', available, spent, kheld}
"""
)

_SPEND = """
local function write_spend(k, base)
  redis.call('HSET', k, 'day', ARGV[base], 'day_start', ARGV[base + 1],
             'month', ARGV[base + 2], 'month_start', ARGV[base + 3], 'total', ARGV[base + 4])
  redis.call('PEXPIRE', k, @IDLE@)
end
"""

# KEYS: acct, holds, exp, kheld, then one spend hash per key. ARGV: version, balance, the
# number of keys, 5 spend values per key (day, day_start, month, month_start, total), then
# the request ids whose holds are released. The balance and spends are written only when the
# mirror is loaded and the version is newer; releases always apply.
_APPLY = (
    _RELEASE
    + _SPEND
    + """
local ver = tonumber(ARGV[1])
local cur = redis.call('HMGET', KEYS[1], 'ver', 'seen', 'bal')
if (not cur[2]) or ver > tonumber(cur[2]) then redis.call('HSET', KEYS[1], 'seen', ARGV[1]) end
local n = tonumber(ARGV[3])
if cur[3] and ver > tonumber(cur[1] or '-1') then
  redis.call('HSET', KEYS[1], 'bal', ARGV[2], 'ver', ARGV[1])
  for i = 1, n do write_spend(KEYS[4 + i], 4 + (i - 1) * 5) end
end
for i = 4 + n * 5, #ARGV do release(ARGV[i]) end
if cur[3] then touch(4) else redis.call('PEXPIRE', KEYS[1], @IDLE@) end
return 1
"""
)

# KEYS: acct, holds, exp, kheld, and the key's spend hash when ARGV[4] = 1. ARGV: version,
# balance, fence (ms), has key, 5 spend values. Refuses ('stale') a snapshot older than what
# the mirror holds or has seen settled; recounts the live holds from the holds hash.
_LOAD = (
    _RELEASE
    + _SPEND
    + """
local ver = tonumber(ARGV[1])
local cur = redis.call('HMGET', KEYS[1], 'ver', 'seen')
if ver < tonumber(cur[1] or '-1') or ver < tonumber(cur[2] or '-1') then return 'stale' end
local held = 0
local kheld = {}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local amount, key = string.match(all[i + 1], '^(%d+):(.*)$')
  held = held + tonumber(amount)
  if key ~= '' then kheld[key] = (kheld[key] or 0) + tonumber(amount) end
end
redis.call('DEL', KEYS[4])
for key, amount in pairs(kheld) do redis.call('HSET', KEYS[4], key, string.format('%d', amount)) end
redis.call('HSET', KEYS[1], 'bal', ARGV[2], 'ver', ARGV[1], 'held', string.format('%d', held),
           'fence', ARGV[3])
if ARGV[4] == '1' then write_spend(KEYS[5], 5) end
touch(4)
return 'ok'
"""
)


@dataclass(frozen=True)
class KeySpend:
    """A key's settled spend (nano-USD) in its current day and month and in total; the day
    numbers say which day and month (see tokaroo_common.periods.day_number)."""

    key_id: str
    day: int = 0
    day_start: int = 0
    month: int = 0
    month_start: int = 0
    total: int = 0

    def args(self) -> list[int]:
        return [self.day, self.day_start, self.month, self.month_start, self.total]


@dataclass(frozen=True)
class Snapshot:
    """A tenant's balance at one version, and the spend of some of its keys, read from
    PostgreSQL in one transaction."""

    tenant_id: str
    balance_nano: int
    version: int
    keys: tuple[KeySpend, ...] = ()


@dataclass(frozen=True)
class Settled:
    """What one committed settlement batch means for one tenant's mirror."""

    snapshot: Snapshot
    request_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class KeyBudget:
    """The key's cap as the edge knows it from authentication."""

    key_id: str
    budget_nano: int | None = None  # None: no budget (its holds are still counted)
    period: str = "month"
    period_start_day: int = 0


@dataclass(frozen=True)
class HoldOutcome:
    status: str  # ok | balance | key_budget | cold | fenced
    available_nano: int = 0
    key_spent_nano: int = 0
    key_held_nano: int = 0
    retry_after_ms: int = 0  # fenced: how long holds stay refused

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def fenced_error(retry_after_ms: int) -> ServiceUnavailable:
    """The 503 while holds are refused after the book was rebuilt (see HoldOutcome)."""
    seconds = max(1, -(-retry_after_ms // 1000))
    return ServiceUnavailable(
        "Balance checks are being rebuilt after a restart of the reservation store; requests "
        f"are refused meanwhile so that none can overspend. Retry in {seconds} s.",
        retry_after=seconds,
    )


def _tag(tenant_id: str) -> str:
    return f"tk:res:{{{tenant_id}}}"


def tenant_keys(tenant_id: str) -> list[str]:
    """acct, holds, exp and kheld of a tenant. Pure."""
    base = _tag(tenant_id)
    return [f"{base}:acct", f"{base}:holds", f"{base}:exp", f"{base}:kheld"]


def spend_key(tenant_id: str, key_id: str) -> str:
    return f"{_tag(tenant_id)}:k:{key_id}"


def hold_keys(tenant_id: str, key: KeyBudget | None) -> list[str]:
    """KEYS of the hold script: the tenant's, then the key's spend (the acct again for none).
    Pure."""
    keys = tenant_keys(tenant_id)
    keys.append(spend_key(tenant_id, key.key_id) if key is not None else keys[0])
    return keys


def hold_args(
    request_id: str, amount: int, now_ms: int, ttl_ms: int, key: KeyBudget | None
) -> list[Any]:
    """ARGV of the hold script. Pure."""
    if key is None:
        return [request_id, amount, now_ms, ttl_ms, "", -1, "total", 0]
    budget = -1 if key.budget_nano is None else key.budget_nano
    return [
        request_id,
        amount,
        now_ms,
        ttl_ms,
        key.key_id,
        budget,
        key.period,
        key.period_start_day,
    ]


def apply_args(settled: Settled) -> tuple[list[str], list[Any]]:
    """KEYS and ARGV of the apply script for one tenant. Pure."""
    snap = settled.snapshot
    keys = tenant_keys(snap.tenant_id) + [spend_key(snap.tenant_id, k.key_id) for k in snap.keys]
    args: list[Any] = [snap.version, snap.balance_nano, len(snap.keys)]
    for spend in snap.keys:
        args.extend(spend.args())
    args.extend(settled.request_ids)
    return keys, args


def outcome(reply: Sequence[Any]) -> HoldOutcome:
    """The hold script's reply as a HoldOutcome. Pure."""
    status = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
    numbers = [int(v) for v in reply[1:4]]
    if status == "fenced":
        return HoldOutcome(status, retry_after_ms=numbers[0])
    return HoldOutcome(status, numbers[0], numbers[1], numbers[2])


def _script(source: str) -> str:
    return source.replace("@IDLE@", str(_IDLE_TTL_MS)).replace("@SWEEP@", str(_SWEEP))


class ReservationBook:
    """The Valkey side of balance holds (see the module docstring). Redis errors propagate:
    callers fail closed."""

    def __init__(self, redis: Redis, pipe: ValkeyPipe | None = None) -> None:
        """With `pipe`, a request's hold (and its read) go on it first: a connection or
        timeout failure there falls back to `redis`, whose retries ride out a restart (a
        hold placed again on its request id replaces the first)."""
        self._redis = redis
        self._pipe = pipe
        self._hold = redis.register_script(_script(_HOLD))
        self._apply = redis.register_script(_script(_APPLY))
        self._load = redis.register_script(_script(_LOAD))

    async def hold(
        self,
        tenant_id: str,
        request_id: str,
        amount: int,
        *,
        now_ms: int,
        ttl_ms: int,
        key: KeyBudget | None = None,
    ) -> HoldOutcome:
        keys = hold_keys(tenant_id, key)
        args = hold_args(request_id, amount, now_ms, ttl_ms, key)
        if self._pipe is not None:
            with contextlib.suppress(ConnectionError, TimeoutError):
                return outcome(await self._pipe.run_script(self._hold, keys, args))
        return outcome(await self._hold(keys=keys, args=args))

    async def hold_and_get(
        self,
        tenant_id: str,
        request_id: str,
        amount: int,
        *,
        now_ms: int,
        ttl_ms: int,
        key: KeyBudget | None = None,
        get: str,
    ) -> tuple[HoldOutcome, bytes | None]:
        """`hold`, and a GET of the key `get` in the same round trip (the request path reads
        its exact-cache entry beside its hold). The script runs by its SHA: a pipeline's own
        script check would cost a round trip more. If Valkey lost the script (a restart), the
        hold runs again alone, which loads it."""
        keys = hold_keys(tenant_id, key)
        args = hold_args(request_id, amount, now_ms, ttl_ms, key)
        if self._pipe is not None:
            with contextlib.suppress(ConnectionError, TimeoutError):
                reply, value = await self._pipe.execute(
                    script_command(self._hold, keys, args), ("GET", get)
                )
                held = await script_reply(reply, self._hold, keys, args)
                return outcome(held), checked(value)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.evalsha(self._hold.sha, len(keys), *keys, *args)
            pipe.get(get)
            reply, value = await pipe.execute(raise_on_error=False)
        if isinstance(value, Exception):
            raise value
        if isinstance(reply, NoScriptError):
            reply = await self._hold(keys=keys, args=args)
        elif isinstance(reply, Exception):
            raise reply
        return outcome(reply), as_bytes(value)

    async def apply(self, batch: Sequence[Settled]) -> None:
        """Mirror each tenant's committed batch and release its settled holds."""
        if not batch:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for settled in batch:
                keys, args = apply_args(settled)
                await self._apply(keys=keys, args=args, client=pipe)
            await pipe.execute()

    async def load(self, snapshot: Snapshot, fence_ms: int) -> bool:
        """Write a tenant's mirror (and its first key's spend) from PostgreSQL; False when the
        mirror already holds or has seen something newer (read again and retry)."""
        keys = tenant_keys(snapshot.tenant_id)
        args: list[Any] = [snapshot.version, snapshot.balance_nano, fence_ms]
        if snapshot.keys:
            keys.append(spend_key(snapshot.tenant_id, snapshot.keys[0].key_id))
            args.append(1)
            args.extend(snapshot.keys[0].args())
        else:
            args.extend([0, 0, 0, 0, 0, 0])
        reply = await self._load(keys=keys, args=args)
        return (reply.decode() if isinstance(reply, bytes) else str(reply)) == "ok"

    async def epoch(self, candidate: str) -> str:
        """The identity of this Valkey's data set: set once (to `candidate`) when absent, so a
        Valkey that lost its data shows a new epoch."""
        await self._redis.set(EPOCH_KEY, candidate, nx=True)
        value = await self._redis.get(EPOCH_KEY)
        if value is None:  # pragma: no cover - deleted between the two calls
            return candidate
        return value.decode() if isinstance(value, bytes) else str(value)
