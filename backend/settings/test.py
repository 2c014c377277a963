"""Test settings: fast hasher, locmem mail; DATABASE_URL / REDIS_URL select PostgreSQL and Redis."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CHANNEL_LAYERS, REDIS_URL, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")
CLASSIFIER_MODEL_DIR = env("WENZHENG_MODEL_DIR", default=str(BASE_DIR / "var" / "test-models"))
LANGUAGE_CODE = "zh-hans"
WENZHENG_REFDATA_TTL = 0
WENZHENG_EVENTS_IN_BACKGROUND = False
WENZHENG_OPEN_DATA_DIR = str(BASE_DIR / "var" / "test-open-data")
WENZHENG_PUBLIC_STATS_CACHE_SECONDS = 0
WENZHENG_PUBLIC_LIST_CACHE_SECONDS = 0

if REDIS_URL:
    # A prefix per run: runs sharing one Redis never see each other's groups.
    import uuid

    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"wenzheng-test-{uuid.uuid4().hex[:8]}"  # type: ignore[index]
