"""One GitHub budget for every worker: the token pool's state lives in Redis.

Per credential (a hash of the token, never the token) Redis keeps:
- `rh:gh:{id}:{resource}` — what GitHub last said of the primary limit (`remaining`, `limit`,
  `reset_at`) and a secondary-limit pause (`paused_until`);
- `rh:gh:{id}:sent:{rest|graphql}` — when its recent requests were sent (a sorted set), so no
  window of `window` seconds, wherever it starts, holds more than `per_window[kind]` requests
  (GitHub's secondary limit counts a point per request for reads: 900 a minute for REST, 2,000
  for GraphQL);
- `rh:gh:{id}:leases` — requests in flight, each a lease that expires after `lease_seconds`, so a
  process that dies holds nothing for long; at most `max_concurrent` at once (GitHub: 100).

`acquire` picks, in one atomic Lua script, the first credential that may send now and takes a
lease on it, or answers how long to wait. Every worker process on every machine draws from the
same budget. See docs/github.md for the limits.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass

PREFIX = "rh:gh"

_ACQUIRE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local per_window = tonumber(ARGV[3])
local max_concurrent = tonumber(ARGV[4])
local lease_until = tonumber(ARGV[5])
local lease = ARGV[6]
local margin = tonumber(ARGV[7])
local share = tonumber(ARGV[8])
local resource = ARGV[9]
local kind = ARGV[10]
local soonest, why = -1, ''
local function later(t, reason)
  if soonest < 0 or t < soonest then soonest = t; why = reason end
end
for i = 11, #ARGV do
  local id = ARGV[i]
  local state = KEYS[1] .. ':' .. id .. ':' .. resource
  local sent = KEYS[1] .. ':' .. id .. ':sent:' .. kind
  local leases = KEYS[1] .. ':' .. id .. ':leases'
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', sent, '-inf', now - window)
  local h = redis.call('HMGET', state, 'remaining', 'limit', 'reset_at', 'paused_until')
  local remaining, limit = tonumber(h[1]), tonumber(h[2])
  local reset_at, paused = tonumber(h[3]) or 0, tonumber(h[4]) or 0
  local free = true
  if paused > now then later(paused, 'secondary'); free = false end
  if free and remaining ~= nil and now < reset_at + margin then
    local floor = 0
    if limit ~= nil and share < 1 then floor = limit * (1 - share) end
    if remaining <= floor then
      if floor > 0 and remaining > 0 then later(reset_at + margin, 'share') else later(reset_at + margin, 'primary') end
      free = false
    end
  end
  if free and redis.call('ZCARD', leases) >= max_concurrent then
    local first = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
    later(tonumber(first[2]), 'concurrency'); free = false
  end
  if free and redis.call('ZCARD', sent) >= per_window then
    local oldest = redis.call('ZRANGE', sent, 0, 0, 'WITHSCORES')
    later(tonumber(oldest[2]) + window, 'pacing'); free = false
  end
  if free then
    redis.call('ZADD', sent, now, lease)
    redis.call('PEXPIRE', sent, math.ceil(window * 2000))
    redis.call('ZADD', leases, lease_until, lease)
    redis.call('PEXPIRE', leases, math.ceil((lease_until - now) * 2000) + 1000)
    if remaining ~= nil and remaining > 0 and now < reset_at + margin then
      redis.call('HINCRBY', state, 'remaining', -1)
    end
    return {i - 11, '0', ''}
  end
end
return {-1, tostring(soonest), why}
"""


def credential_id(secret: str | None, *, host: str) -> str:
    """A stable id for a credential: a hash, so no token is ever written to Redis."""
    return hashlib.sha256(f"{host}\0{secret or 'anonymous'}".encode()).hexdigest()[:20]


@dataclass
class Lease:
    credential: str
    id: str


class SharedBudget:
    """The budget of every credential, in Redis; `connection` is a redis-py client."""

    def __init__(self, connection, *, per_window: dict[str, int], window: float = 60.0,
                 max_concurrent: int = 100, lease_seconds: float = 60.0, reset_margin: float = 1.0,
                 clock=time.time) -> None:
        self.redis = connection
        self.per_window = per_window
        # A margin: GitHub counts a request when it arrives, we when we send it; arrival times
        # jitter by a few milliseconds, so a request sent exactly one window after another could
        # land inside GitHub's window.
        self.window = window + min(1.0, max(0.25, window * 0.02))
        self.max_concurrent = max_concurrent
        self.lease_seconds = lease_seconds
        self.reset_margin = reset_margin
        self.clock = clock
        self._acquire = connection.register_script(_ACQUIRE)

    def acquire(self, credentials: list[str], *, resource: str,
                share: float = 1.0) -> tuple[int, Lease | None, float, str]:
        """(index of the credential that may send, its lease, 0, '') or (-1, None, when to try
        again, why: 'primary', 'secondary', 'share', 'pacing' or 'concurrency'). Raises redis
        errors: the caller waits rather than send unpaced."""
        kind = "graphql" if resource == "graphql" else "rest"
        now = self.clock()
        lease = uuid.uuid4().hex
        index, wait, why = self._acquire(keys=[PREFIX], args=[
            repr(now), repr(self.window), self.per_window[kind], self.max_concurrent,
            repr(now + self.lease_seconds), lease, repr(self.reset_margin), repr(share), resource, kind,
            *credentials,
        ])
        index = int(index)
        if index < 0:
            return -1, None, float(wait), why.decode() if isinstance(why, bytes) else str(why)
        return index, Lease(credentials[index], lease), 0.0, ""

    def release(self, lease: Lease) -> None:
        self.redis.zrem(f"{PREFIX}:{lease.credential}:leases", lease.id)

    def record(self, credential: str, resource: str, *, remaining: int | None, limit: int | None,
               reset_at: float | None) -> None:
        """What GitHub said in its X-RateLimit-* headers."""
        values = {k: v for k, v in (("remaining", remaining), ("limit", limit), ("reset_at", reset_at))
                  if v is not None}
        if values:
            key = f"{PREFIX}:{credential}:{resource}"
            self.redis.hset(key, mapping=values)
            self.redis.expire(key, 24 * 3600)

    def exhaust(self, credential: str, resource: str, reset_at: float) -> None:
        self.record(credential, resource, remaining=0, limit=None, reset_at=reset_at)

    def pause(self, credential: str, until: float) -> None:
        """A secondary limit: this credential sends nothing before `until`, in any resource."""
        for resource in ("core", "graphql"):
            key = f"{PREFIX}:{credential}:{resource}"
            current = float(self.redis.hget(key, "paused_until") or 0)
            if until > current:
                self.redis.hset(key, "paused_until", until)
                self.redis.expire(key, 24 * 3600)

    def state(self, credential: str, resource: str) -> dict[str, float | None]:
        raw = self.redis.hgetall(f"{PREFIX}:{credential}:{resource}")
        values = {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}
        return {name: values.get(name) for name in ("remaining", "limit", "reset_at", "paused_until")}

    def in_flight(self, credential: str) -> int:
        key = f"{PREFIX}:{credential}:leases"
        self.redis.zremrangebyscore(key, "-inf", self.clock())
        return int(self.redis.zcard(key))
