"""A per-process cache for small reference data read on every request (settings row, calendar
overrides, deadline policies, the dispatch catalogue, the gazetteer).

Entries live `WENZHENG_REFDATA_TTL` seconds (0 disables the cache, as in tests). A change made
through the platform clears this process's cache at once; other processes see it within the TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

T = TypeVar("T")

_lock = threading.Lock()
_entries: dict[str, tuple[float, Any]] = {}


def cached(key: str, loader: Callable[[], T]) -> T:
    ttl = getattr(settings, "WENZHENG_REFDATA_TTL", 0)
    if ttl <= 0:
        return loader()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and now - entry[0] < ttl:
        value: T = entry[1]
        return value
    value = loader()
    with _lock:
        _entries[key] = (now, value)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
