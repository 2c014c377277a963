"""Failed sign-ins: after too many for one account, or from one address, sign-in is refused for a
while — on the sign-in page and at the API's token endpoint alike.

Counters live in the default cache (shared by all workers in production), keyed by a hash of the
name typed (so an unknown name counts like a real one: the refusal says nothing about whether an
account exists) and by the client address. A successful sign-in clears the account's counter;
the address's counter runs out on its own (clearing it on success would let someone with one
account reset it between guesses at others). While refused, even the right password is refused.

Limits: `WENZHENG_LOGIN_MAX_FAILURES` per account, `WENZHENG_LOGIN_MAX_FAILURES_PER_IP` per
address, within and for `WENZHENG_LOGIN_LOCKOUT_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

logger = logging.getLogger("wenzheng.security")

PREFIX = "wz:login-failures"


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{PREFIX}:{kind}:{digest}"


def locked_message(seconds: int) -> str:
    """The one message for a refused sign-in (the same for an account and for an address)."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-in attempts. Please wait %(minutes)d minute and try again.",
        "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


@dataclass
class LoginGuard:
    """The failure counters of one sign-in attempt: the name typed and the client address."""

    identifier: str
    address: str

    @property
    def _keys(self) -> list[tuple[str, int]]:
        name = (self.identifier or "").strip().lower()
        return [
            (_key("account", name), settings.WENZHENG_LOGIN_MAX_FAILURES),
            (_key("address", self.address or "-"), settings.WENZHENG_LOGIN_MAX_FAILURES_PER_IP),
        ]

    def locked_for(self) -> int:
        """Seconds until sign-in is allowed again (0: allowed now)."""
        now = time.time()
        wait = 0.0
        for key, limit in self._keys:
            entry = cache.get(key)
            if entry and entry[0] >= limit and entry[1] > now:
                wait = max(wait, entry[1] - now)
        return math.ceil(wait)

    def failed(self) -> None:
        """Count a failed attempt; the one that reaches the limit starts a full lock-out."""
        now = time.time()
        window = settings.WENZHENG_LOGIN_LOCKOUT_SECONDS
        for key, limit in self._keys:
            entry = cache.get(key)
            count, until = (0, now + window) if not entry or entry[1] <= now else entry
            count += 1
            if count == limit:
                until = now + window
                logger.warning("sign-in locked after %d failures (%s)", count, key.split(":")[2])
            cache.set(key, (count, until), timeout=max(1, math.ceil(until - now)))

    def succeeded(self) -> None:
        cache.delete(self._keys[0][0])
