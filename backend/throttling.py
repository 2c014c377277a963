"""Request rates for the REST API: per IP for visitors, per account for signed-in people and
partner systems (token), and stricter scoped rates for writes and sign-in.

Every rate lives in `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (settings/base.py), read from the
`WENZHENG_THROTTLE_*` environment variables. Counters live in the default cache (Redis in
production, so all workers share them). A refused request gets 429 with `Retry-After` and the one
error shape (`backend.exceptions`).

Which address is "the client": `REST_FRAMEWORK["NUM_PROXIES"]` (`WENZHENG_NUM_PROXIES`) says how
many reverse proxies in front of the application append to `X-Forwarded-For`; 0 trusts only the
socket's address, so a client cannot pick its own bucket by sending the header.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .cache import RedisCache

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes named in the settings
    from rest_framework.views import APIView

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address as the throttles see it (honours `NUM_PROXIES`)."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def _signed_in(request: Request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class RequestRates(BaseThrottle):
    """The API's general rates and a view's write rate, checked together.

    - visitors without an account: one bucket per client address (scope `anon_scope`);
    - signed-in people and partner systems (session or token): one per account (`user_scope`);
    - writes (POST/PUT/PATCH/DELETE) to a view that names `write_throttle_scope` (e.g. "submit",
      "vote", "support"): a stricter rate on top, per account or, for visitors, per address.
      Reads of the same view are neither counted nor refused.

    Each bucket keeps the times of its recent requests, as DRF's `SimpleRateThrottle` does
    (a sliding window); a refused request counts in no bucket. See `record_hit`.
    """

    anon_scope = "anon"
    user_scope = "user"
    cache_format = SimpleRateThrottle.cache_format

    def __init__(self) -> None:
        self._wait: float | None = None

    def buckets(self, request: Request, view: APIView) -> list[tuple[str, str]]:
        """(scope, cache key) of every bucket this request counts in."""
        signed_in = _signed_in(request)
        ident: Any = request.user.pk if signed_in else self.get_ident(request)
        scopes = [self.user_scope if signed_in else self.anon_scope]
        write_scope = getattr(view, "write_throttle_scope", None)
        if write_scope and request.method in WRITE_METHODS:
            scopes.append(write_scope)
        return [(s, self.cache_format % {"scope": s, "ident": ident}) for s in scopes]

    def allow_request(self, request: Request, view: APIView) -> bool:
        buckets = [(key, *_parse_rate(scope)) for scope, key in self.buckets(request, view)]
        self._wait = record_hit(buckets, now=time.time())
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


Bucket = tuple[str, int, int]  # cache key, requests allowed, in so many seconds


def record_hit(buckets: Sequence[Bucket], *, now: float) -> float | None:
    """Count a request `now` in every bucket if each still has room; else count it nowhere and
    return the seconds to wait (as DRF: the time left in the fullest window, spread over the
    requests it still allows).

    With the Redis cache (production) this is one server-side script: one round trip, atomic
    across workers, each bucket a sorted set of request times. With any other cache (tests, a
    single process) the same rule over `get_many` / `set_many` of time lists."""
    if not buckets:
        return None
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _record_hit_in_redis(backend, buckets, now)
    histories = backend.get_many([key for key, _n, _s in buckets])
    kept: dict[str, list[float]] = {}
    waits = []
    for key, allowed, seconds in buckets:
        history = [t for t in histories.get(key, ()) if t > now - seconds]
        if len(history) >= allowed:
            left = seconds - (now - history[-1]) if history else seconds
            waits.append(left / max(1, allowed - len(history) + 1))
        kept[key] = [now, *history]
    if waits:
        return max(waits)
    backend.set_many(kept, timeout=max(seconds for _key, _n, seconds in buckets))
    return None


# KEYS: the buckets' sorted sets. ARGV: now, a unique member for this request, then requests
# allowed and seconds for each bucket. Returns the wait as a string, or nil when counted.
_HIT_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = -1
for i, key in ipairs(KEYS) do
  local allowed = tonumber(ARGV[1 + 2 * i])
  local seconds = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - seconds)
  local count = redis.call('ZCARD', key)
  if count >= allowed then
    local left = seconds
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
    if oldest then left = seconds - (now - tonumber(oldest)) end
    wait = math.max(wait, left / math.max(1, allowed - count + 1))
  end
end
if wait >= 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('EXPIRE', key, tonumber(ARGV[2 + 2 * i]))
end
return nil
"""


def _record_hit_in_redis(
    backend: RedisCache, buckets: Sequence[Bucket], now: float
) -> float | None:
    client = backend._cache.get_client(write=True)
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_HIT_SCRIPT)
    keys = [backend.make_and_validate_key(key) for key, _n, _s in buckets]
    args: list[str | int] = [repr(now), f"{now!r}:{secrets.token_hex(6)}"]
    for _key, allowed, seconds in buckets:
        args += [allowed, seconds]
    wait = script(keys=keys, args=args)
    return None if wait is None else float(wait)


_scripts: dict[int, Any] = {}


def _configured_rate(scope: str) -> str:
    """A scope's rate ("10/min") in the settings, read when the request comes (DRF binds its
    settings at import; tests and deployments change them)."""
    try:
        return str(api_settings.DEFAULT_THROTTLE_RATES[scope])
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"No rate for the throttle scope {scope!r} in DEFAULT_THROTTLE_RATES."
        ) from exc


def _parse_rate(scope: str) -> tuple[int, int]:
    """(requests, seconds) of a scope's rate."""
    allowed, period = _configured_rate(scope).split("/")
    return int(allowed), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


class LoginThrottle(RequestRates):
    """Sign-in attempts through the API, per client address (scope `login`), whether or not
    the request carries an account."""

    def buckets(self, request: Request, view: APIView) -> list[tuple[str, str]]:
        return [("login", self.cache_format % {"scope": "login", "ident": self.get_ident(request)})]
