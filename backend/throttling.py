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

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes named in the settings
    from rest_framework.views import APIView

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address as the throttles see it (honours `NUM_PROXIES`)."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def _signed_in(request: Request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class _Rate(SimpleRateThrottle):
    """Reads its rate from the settings when the request comes (DRF binds them at import)."""

    scope: str | None = None

    def get_rate(self) -> str | None:
        if not self.scope:
            return None
        try:
            return str(api_settings.DEFAULT_THROTTLE_RATES[self.scope])
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"No rate for the throttle scope {self.scope!r} in DEFAULT_THROTTLE_RATES."
            ) from exc


class AnonThrottle(_Rate):
    """Visitors without an account: one bucket per client address (scope `anon`)."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if _signed_in(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserThrottle(_Rate):
    """Signed-in people and partner systems (session or token): one bucket per account
    (scope `user`)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not _signed_in(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class WriteThrottle(_Rate):
    """A stricter rate for one kind of write, on top of the general ones.

    A view names its scope in `write_throttle_scope` (e.g. "submit", "vote", "support"); only
    POST/PUT/PATCH/DELETE count, so a view that also lists (GET) is not slowed down. The bucket
    is the account for signed-in people, the client address for visitors.
    """

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = getattr(view, "write_throttle_scope", None)
        if not self.scope or request.method not in WRITE_METHODS:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        ident: Any = request.user.pk if _signed_in(request) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginThrottle(_Rate):
    """Sign-in attempts through the API, per client address (scope `login`)."""

    scope = "login"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
