"""Open-data tests: each test gets its own open-data directory and a fresh cache (throttle
counters and cached statistics live there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def open_data_dir(settings, tmp_path: Path) -> Path:
    directory = tmp_path / "open-data"
    settings.WENZHENG_OPEN_DATA_DIR = str(directory)
    return directory


@pytest.fixture(autouse=True)
def _many_submissions(settings) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()
    yield
    cache.clear()
