"""Production settings: PostgreSQL, Redis, secrets from the environment; fails loudly without them."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, REST_FRAMEWORK, SECRET_KEY, env

DEBUG = False
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production (channel layer and cache).")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL in production.")

# Under ASGI, CONN_MAX_AGE leaks connections (FACTS.md): use psycopg 3's pool instead.
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": env.int("DB_POOL_MIN", default=2),
    "max_size": env.int("DB_POOL_MAX", default=10),
    "timeout": 10,
}

WENZHENG_EVENTS_IN_BACKGROUND = env.bool("WENZHENG_EVENTS_IN_BACKGROUND", default=True)
# Pages read the insight roll-ups as `refresh_rollups --every 60` left them (and say since when):
# recomputing a day of a large city costs more than a page may take.
WENZHENG_ROLLUP_REFRESH_ON_READ = env.int("WENZHENG_ROLLUP_REFRESH_ON_READ", default=0)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
# No script reads the CSRF cookie: forms carry the token, API clients use tokens.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind one reverse proxy (nginx) that appends the client's address to X-Forwarded-For; the
# throttles and the sign-in guard count per that address (backend/throttling.py).
REST_FRAMEWORK["NUM_PROXIES"] = env.int("WENZHENG_NUM_PROXIES", default=1)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The `preload` directive only allows submitting the domain to the browsers' HSTS preload
# list, which is a separate, deliberate step; False drops the directive.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
