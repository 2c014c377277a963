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
