"""The Redis cache keeps one redis-py client per connection pool and still behaves as Django's
(runs whenever REDIS_URL is set, as in `make test-postgres`)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings

from backend.cache import RedisCache


@pytest.fixture
def redis_cache() -> Iterator[RedisCache]:
    url = settings.REDIS_URL or os.environ.get("REDIS_URL", "")
    if not url:
        if os.environ.get("WENZHENG_REQUIRE_SERVICES") == "1":
            pytest.fail("WENZHENG_REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("REDIS_URL is not set")
    cache = RedisCache(url, {"KEY_PREFIX": f"wztest-cache-{uuid.uuid4().hex[:8]}"})
    yield cache
    cache.clear()


def test_one_client_serves_every_call_and_thread(redis_cache: RedisCache) -> None:
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(redis_cache._cache.get_client()))
    thread.start()
    thread.join()
    assert seen == [client]


def test_it_behaves_as_the_django_cache(redis_cache: RedisCache) -> None:
    assert redis_cache.get("missing") is None
    redis_cache.set("a", {"n": 1}, timeout=30)
    assert redis_cache.get("a") == {"n": 1}
    assert redis_cache.add("a", 2) is False
    redis_cache.set("hits", 1)
    assert redis_cache.incr("hits") == 2
    redis_cache.set_many({"b": 2, "c": 3})
    assert redis_cache.get_many(["a", "b", "c", "z"]) == {"a": {"n": 1}, "b": 2, "c": 3}
    redis_cache.delete_many(["a", "b"])
    assert redis_cache.get_many(["a", "b", "c"]) == {"c": 3}


def test_rates_in_redis_count_and_refuse_as_the_cache_rule(
    redis_cache: RedisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The throttles' one-round-trip script in Redis gives the answers of the rule over the
    Django cache (backend.throttling.record_hit): room, refusal with the same wait, a refused
    request counted nowhere, room again once the window has passed."""
    from django.core.cache.backends.locmem import LocMemCache

    from backend import throttling

    def answers(backend: object) -> list[float | None]:
        monkeypatch.setattr(throttling, "caches", {"default": backend})
        anon, submit = "throttle_anon_203.0.113.7", "throttle_submit_203.0.113.7"
        both = [(anon, 5, 60), (submit, 2, 60)]
        return [
            throttling.record_hit(both, now=1000.0),
            throttling.record_hit(both, now=1010.0),
            throttling.record_hit(both, now=1020.0),  # submit is full: refused, counted nowhere
            throttling.record_hit([(anon, 5, 60)], now=1030.0),
            throttling.record_hit([(anon, 5, 60)], now=1040.0),
            throttling.record_hit([(anon, 5, 60)], now=1042.0),
            throttling.record_hit([(anon, 5, 60)], now=1045.0),  # anon full: 1000 … 1042
            throttling.record_hit(both, now=1061.0),  # 1000 has left both windows
        ]

    in_redis = answers(redis_cache)
    assert in_redis == answers(LocMemCache("rates", {}))
    assert in_redis == [None, None, 40.0, None, None, None, 15.0, None]
