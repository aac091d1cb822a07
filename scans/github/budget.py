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
from dataclasses import dataclass, field

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
local count = tonumber(ARGV[11])
local soonest, why = -1, ''
local function later(t, reason)
  if soonest < 0 or t < soonest then soonest = t; why = reason end
end
for i = 12, #ARGV do
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
  local grant = count
  if free then
    local flying = redis.call('ZCARD', leases)
    if flying >= max_concurrent then
      local first = redis.call('ZRANGE', leases, 0, 0, 'WITHSCORES')
      later(tonumber(first[2]), 'concurrency'); free = false
    else
      grant = math.min(grant, max_concurrent - flying)
    end
  end
  if free then
    local recent = redis.call('ZCARD', sent)
    if recent >= per_window then
      local oldest = redis.call('ZRANGE', sent, 0, 0, 'WITHSCORES')
      later(tonumber(oldest[2]) + window, 'pacing'); free = false
    else
      grant = math.min(grant, per_window - recent)
    end
  end
  if free then
    local counted = remaining ~= nil and remaining > 0 and now < reset_at + margin
    if counted then
      local floor = 0
      if limit ~= nil and share < 1 then floor = limit * (1 - share) end
      grant = math.max(1, math.min(grant, math.floor(remaining - floor)))
    end
    for n = 1, grant do
      redis.call('ZADD', sent, now, lease .. ':' .. n)
      redis.call('ZADD', leases, lease_until, lease .. ':' .. n)
    end
    redis.call('PEXPIRE', sent, math.ceil(window * 2000))
    redis.call('PEXPIRE', leases, math.ceil((lease_until - now) * 2000) + 1000)
    if counted then
      redis.call('HINCRBY', state, 'remaining', -grant)
    end
    return {i - 12, tostring(grant), ''}
  end
end
return {-1, tostring(soonest), why}
"""


# What GitHub said of a credential's primary limit. Within one window (the same reset time) the
# remaining count only goes down: what GitHub reports does not yet count the slots granted since
# (a batch, or a grant taken while its answer was on its way), so it must not raise ours.
_LIMITS = """
local h = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at')
local remaining, limit, reset_at = ARGV[1], ARGV[2], ARGV[3]
if remaining ~= '' and h[1] and h[2] and reset_at ~= '' and tonumber(h[2]) == tonumber(reset_at) then
  remaining = tostring(math.min(tonumber(h[1]), tonumber(remaining)))
end
if remaining ~= '' then redis.call('HSET', KEYS[1], 'remaining', remaining) end
if limit ~= '' then redis.call('HSET', KEYS[1], 'limit', limit) end
if reset_at ~= '' then redis.call('HSET', KEYS[1], 'reset_at', reset_at) end
redis.call('EXPIRE', KEYS[1], 86400)
return 1
"""


def credential_id(secret: str | None, *, host: str) -> str:
    """A stable id for a credential: a hash, so no token is ever written to Redis."""
    return hashlib.sha256(f"{host}\0{secret or 'anonymous'}".encode()).hexdigest()[:20]


@dataclass
class Lease:
    credential: str
    id: str


@dataclass
class Settlements:
    """What answered requests left to write: their leases to give back, and the latest that
    GitHub said of each credential's primary limit ((credential, resource) -> remaining, limit, reset_at)."""

    leases: list[Lease] = field(default_factory=list)
    limits: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.leases or self.limits)

    def note(self, credential: str, resource: str, *, remaining: int | None, limit: int | None,
             reset_at: float | None) -> None:
        values = {k: v for k, v in (("remaining", remaining), ("limit", limit), ("reset_at", reset_at))
                  if v is not None}
        if not values:
            return
        known = self.limits.setdefault((credential, resource), {})
        if "remaining" in values and "remaining" in known and known.get("reset_at") == values.get("reset_at"):
            values["remaining"] = min(known["remaining"], values["remaining"])  # answers overtake each other
        known.update(values)


class SharedBudget:
    """The budget of every credential, in Redis; `connection` is a redis-py client."""

    def __init__(self, connection, *, per_window: dict[str, int], window: float = 60.0,
                 max_concurrent: int = 100, lease_seconds: float = 60.0, reset_margin: float = 1.0,
                 clock=time.time) -> None:
        self.redis = connection
        self.per_window = per_window
        # A margin: GitHub counts a request when it arrives, we when we grant it; a grant is sent
        # within scans.github.grants.GRANT_TTL (0.15 s) and arrival times jitter by a few milliseconds,
        # so a request sent exactly one window after another could land inside GitHub's window.
        self.window = window + min(1.0, max(0.25, window * 0.02))
        self.max_concurrent = max_concurrent
        self.lease_seconds = lease_seconds
        self.reset_margin = reset_margin
        self.clock = clock
        self._acquire = connection.register_script(_ACQUIRE)
        self._limits = connection.register_script(_LIMITS)

    def acquire(self, credentials: list[str], *, resource: str,
                share: float = 1.0) -> tuple[int, Lease | None, float, str]:
        """(index of the credential that may send, its lease, 0, '') or (-1, None, when to try
        again, why: 'primary', 'secondary', 'share', 'pacing' or 'concurrency'). Raises redis
        errors: the caller waits rather than send unpaced."""
        index, leases, wait, why = self.acquire_many(credentials, resource=resource, share=share)
        return index, (leases[0] if leases else None), wait, why

    def acquire_many(self, credentials: list[str], *, resource: str, share: float = 1.0, count: int = 1,
                     settled: Settlements | None = None) -> tuple[int, list[Lease], float, str]:
        """Up to `count` sends from the first credential that may send now: (its index, a lease for
        each, 0, ''), or (-1, [], when to try again, why). Every grant is counted as sent now, so it
        must be sent at once (scans/github/grants.py keeps to that). What `settled` holds (the leases of
        answered requests and what GitHub said of the limits) is written in the same round trip."""
        kind = "graphql" if resource == "graphql" else "rest"
        now = self.clock()
        lease = uuid.uuid4().hex
        args = [repr(now), repr(self.window), self.per_window[kind], self.max_concurrent,
                repr(now + self.lease_seconds), lease, repr(self.reset_margin), repr(share), resource, kind,
                max(1, count), *credentials]
        if settled:
            pipe = self.redis.pipeline(transaction=False)
            self._write_settled(pipe, settled)
            self._acquire(keys=[PREFIX], args=args, client=pipe)
            index, granted, why = pipe.execute()[-1]
        else:
            index, granted, why = self._acquire(keys=[PREFIX], args=args)
        index = int(index)
        if index < 0:
            return -1, [], float(granted), why.decode() if isinstance(why, bytes) else str(why)
        return index, [Lease(credentials[index], f"{lease}:{n}") for n in range(1, int(granted) + 1)], 0.0, ""

    def settle_all(self, settled: Settlements) -> None:
        """Write what `settled` holds (when no acquire is coming to carry it)."""
        if settled:
            pipe = self.redis.pipeline(transaction=False)
            self._write_settled(pipe, settled)
            pipe.execute()

    def _write_settled(self, pipe, settled: Settlements) -> None:
        by_credential: dict[str, list[str]] = {}
        for lease in settled.leases:
            by_credential.setdefault(lease.credential, []).append(lease.id)
        for credential, ids in by_credential.items():
            pipe.zrem(f"{PREFIX}:{credential}:leases", *ids)
        for (credential, resource), values in settled.limits.items():
            self._limits(keys=[f"{PREFIX}:{credential}:{resource}"],
                         args=[repr(values[name]) if name in values else ""
                               for name in ("remaining", "limit", "reset_at")],
                         client=pipe)

    def release(self, lease: Lease) -> None:
        self.settle_all(Settlements(leases=[lease]))

    def record(self, credential: str, resource: str, *, remaining: int | None, limit: int | None,
               reset_at: float | None) -> None:
        """What GitHub said in its X-RateLimit-* headers."""
        settled = Settlements()
        settled.note(credential, resource, remaining=remaining, limit=limit, reset_at=reset_at)
        self.settle_all(settled)

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
