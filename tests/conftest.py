"""Shared fixtures. With WENZHENG_REQUIRE_SERVICES=1 (CI), PostgreSQL and Redis must answer."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.factories import World, make_world


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("WENZHENG_REQUIRE_SERVICES") != "1":
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        raise pytest.UsageError("WENZHENG_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")
    import psycopg
    import redis

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except Exception as exc:
        raise pytest.UsageError(f"PostgreSQL cannot be reached: {exc}") from exc
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5).ping()
    except Exception as exc:
        raise pytest.UsageError(f"Redis cannot be reached: {exc}") from exc


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with `make test-postgres`)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture(autouse=True)
def _media(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    # Open-data files (load_demo_city exports some) never land in the repository's var/.
    settings.WENZHENG_OPEN_DATA_DIR = str(tmp_path / "open-data")  # type: ignore[attr-defined,operator]


@pytest.fixture(autouse=True)
def _no_model(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """By default no classifier model exists: tests that need one train it explicitly."""
    from interaction import classification

    settings.CLASSIFIER_MODEL_DIR = str(tmp_path_factory.mktemp("models"))  # type: ignore[attr-defined]
    classification.reset()


@pytest.fixture(autouse=True)
def _fresh_cache() -> object:
    """Each test starts with an empty cache: API throttles and sign-in failure counters never
    carry over from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> object:
    """Each test gets its own channel layer instance (Redis layers bind to one event loop)."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
