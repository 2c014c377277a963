"""Settings shared by every environment. Environment variables configure what differs."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "backend.accounts",
    "backend.organisation",
    "interaction",
    "interaction.hotspots",
    "interaction.insights",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.middleware.ContentSecurityPolicyMiddleware",
]
# Pages may not be framed by any site; what a page may load and where its forms may post.
# Scripts only from our own files: no page has an inline script or handler (an injected
# `<script>` or `onerror=` would not run even if escaping ever failed).
X_FRAME_OPTIONS = "DENY"
WENZHENG_CONTENT_SECURITY_POLICY = env(
    "WENZHENG_CONTENT_SECURITY_POLICY",
    default=(
        "script-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'"
    ),
)

ROOT_URLCONF = "backend.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'wenzheng.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; a busy timeout instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Writers take the lock when the transaction begins: two people acting on one case
            # are serialised instead of failing with "database is locked" half-way.
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["backend.accounts.auth_backends.PhoneOrEmailBackend"]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # redis-py 8 defaults break RedisChannelLayer (see FACTS.md): no socket timeout, a big pool.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 2000}],
                "group_expiry": 300,
                "prefix": env("CHANNELS_PREFIX", default="wenzheng"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "backend.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_PREFIX", default="wenzheng"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="wenzheng@localhost")

REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with `WWW-Authenticate: Token`
    # (with the session first DRF would answer 403). The session still works for the pages'
    # own calls, with CSRF checked.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.exceptions.api_exception_handler",
    # Rates (backend/throttling.py): per IP for visitors, per account for people and partner
    # systems, stricter scopes for writes and sign-in. "N/s", "N/min", "N/hour" or "N/day".
    "DEFAULT_THROTTLE_CLASSES": [
        "backend.throttling.RequestRates",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("WENZHENG_THROTTLE_ANON", default="120/min"),
        "user": env("WENZHENG_THROTTLE_USER", default="600/min"),
        "submit": env("WENZHENG_THROTTLE_SUBMIT", default="10/min"),
        "vote": env("WENZHENG_THROTTLE_VOTE", default="30/min"),
        "support": env("WENZHENG_THROTTLE_SUPPORT", default="30/min"),
        "login": env("WENZHENG_THROTTLE_LOGIN", default="10/min"),
        "similar_anon": env("WENZHENG_THROTTLE_SIMILAR_ANON", default="30/min"),
        "similar_user": env("WENZHENG_THROTTLE_SIMILAR_USER", default="60/min"),
    },
    # Reverse proxies in front of the application that append to X-Forwarded-For (0: none, the
    # socket's address is the client's). Production sets 1 (nginx).
    "NUM_PROXIES": env.int("WENZHENG_NUM_PROXIES", default=0),
}
# Failed sign-ins (page and API): after this many for one account, or from one address, within
# the window, sign-in is refused until the window has passed (backend/accounts/login_guard.py).
WENZHENG_LOGIN_MAX_FAILURES = env.int("WENZHENG_LOGIN_MAX_FAILURES", default=5)
WENZHENG_LOGIN_MAX_FAILURES_PER_IP = env.int("WENZHENG_LOGIN_MAX_FAILURES_PER_IP", default=30)
WENZHENG_LOGIN_LOCKOUT_SECONDS = env.int("WENZHENG_LOGIN_LOCKOUT_SECONDS", default=900)
SPECTACULAR_SETTINGS = {
    "TITLE": "Wenzheng API",
    "DESCRIPTION": (
        "Mayor's mailbox and live dialogue of the Wenzheng platform.\n\n"
        "**Authentication.** Partner systems send `Authorization: Token <key>`; an administrator "
        "issues the key (`manage.py issue_api_token <username>`), shown once. The site's pages "
        "use the session cookie and send the CSRF token with every write. Reads of public data "
        "need no account.\n\n"
        '**Errors** always have one shape: `{"error": {"code", "message", "fields"}}`, '
        "the message in the request's language (Simplified Chinese by default, "
        "`Accept-Language: en` for English).\n\n"
        "**Rates.** Visitors are throttled per IP address, accounts per account; submitting "
        "messages, votes and sign-in have stricter rates. Over the rate: 429 with `Retry-After`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.schema.add_common_responses",
    ],
    # Choice sets named once, whatever other serializers call a field of the same name.
    "ENUM_NAME_OVERRIDES": {"CaseKindEnum": "interaction.models.Kind"},
    # Swagger UI and Redoc are served from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Wenzheng domain settings -------------------------------------------------------------
# Where the classifier keeps its versioned models.
CLASSIFIER_MODEL_DIR = env("WENZHENG_MODEL_DIR", default=str(BASE_DIR / "var" / "models"))
# User dictionaries for the tokenizer, written by us.
CLASSIFIER_USER_DICTS = [
    str(BASE_DIR / "fixtures" / "classifier" / "user_dict.txt"),
    str(BASE_DIR / "fixtures" / "demo_city" / "places_dict.txt"),
]
# SMS gateway: the default backend writes messages to the log.
WENZHENG_SMS_BACKEND = env("WENZHENG_SMS_BACKEND", default="interaction.sms.LogSmsBackend")
# Intake limits.
WENZHENG_MAX_SUBMISSIONS_PER_HOUR = env.int("WENZHENG_MAX_SUBMISSIONS_PER_HOUR", default=5)
WENZHENG_MAX_ATTACHMENT_BYTES = env.int("WENZHENG_MAX_ATTACHMENT_BYTES", default=5 * 1024 * 1024)
WENZHENG_MAX_ATTACHMENTS = env.int("WENZHENG_MAX_ATTACHMENTS", default=5)
# Seconds a process keeps reference data (catalogue, calendar, settings) before re-reading it.
WENZHENG_REFDATA_TTL = env.int("WENZHENG_REFDATA_TTL", default=30)
# Deliver real-time events from a background thread (never delays the request that caused them).
WENZHENG_EVENTS_IN_BACKGROUND = env.bool("WENZHENG_EVENTS_IN_BACKGROUND", default=False)
# Insights (考核/通报): cases a department needs before it is ranked; the standard of the report.
WENZHENG_RANKING_MIN_CASES = env.int("WENZHENG_RANKING_MIN_CASES", default=5)
WENZHENG_STANDARD_SATISFACTION = env.float("WENZHENG_STANDARD_SATISFACTION", default=0.85)
WENZHENG_STANDARD_REPLY_RATE = env.float("WENZHENG_STANDARD_REPLY_RATE", default=0.92)
# Hot issues (interaction/hotspots/hotness.py has the formula): hotness weights as "name=value,…"
# (messages=1,citizens=2,support=1,repeats=1.5) and half-life in days; the grouping's resemblance
# threshold and time window (classifier/grouping/engine.py); groups shown from this many cases.
WENZHENG_HOT_WEIGHTS = env("WENZHENG_HOT_WEIGHTS", default="")
WENZHENG_HOT_HALF_LIFE_DAYS = env.float("WENZHENG_HOT_HALF_LIFE_DAYS", default=14.0)
WENZHENG_HOT_THRESHOLD = env.float("WENZHENG_HOT_THRESHOLD", default=0.35)
WENZHENG_HOT_WINDOW_DAYS = env.float("WENZHENG_HOT_WINDOW_DAYS", default=365.0)
WENZHENG_HOT_MIN_CASES = env.int("WENZHENG_HOT_MIN_CASES", default=2)
# Insight roll-ups: a page that finds at most this many audit rows not yet rolled up processes
# them before reading (0: never; `manage.py refresh_rollups --every 60` keeps them fresh anyway).
WENZHENG_ROLLUP_REFRESH_ON_READ = env.int("WENZHENG_ROLLUP_REFRESH_ON_READ", default=2000)
# Open data (政务公开): where `manage.py export_open_data` writes the daily files the open-data
# page serves; the public address of the site written into them (empty: paths only); how many
# seconds the public statistics of a period are cached.
WENZHENG_OPEN_DATA_DIR = env("WENZHENG_OPEN_DATA_DIR", default=str(BASE_DIR / "var" / "open-data"))
WENZHENG_PUBLIC_BASE_URL = env("WENZHENG_PUBLIC_BASE_URL", default="")
WENZHENG_PUBLIC_STATS_CACHE_SECONDS = env.int("WENZHENG_PUBLIC_STATS_CACHE_SECONDS", default=300)
# Seconds the rendered pages and counts of the public list stay cached (0: never). Any change to
# the published cases or the masking rules empties that cache at once (privacy/listing.py).
WENZHENG_PUBLIC_LIST_CACHE_SECONDS = env.int("WENZHENG_PUBLIC_LIST_CACHE_SECONDS", default=300)
# PostgreSQL time allowed to the queries of one page of the public list (0: no limit); a search
# too broad for it gets a page saying so instead of holding a worker.
WENZHENG_PUBLIC_LIST_TIMEOUT_MS = env.int("WENZHENG_PUBLIC_LIST_TIMEOUT_MS", default=2000)
# Reply quality (classifier/reply_quality.py has the formula): weights of the sub-scores and the
# thresholds under which a reply is flagged weak, as "name=value,…"; names not given keep the
# defaults (weights relevance=0.35,completeness=0.35,interpretability=0.15,timeliness=0.15;
# weak overall=0.4,relevance=0.2,completeness=0.25).
WENZHENG_REPLY_QUALITY_WEIGHTS = env("WENZHENG_REPLY_QUALITY_WEIGHTS", default="")
WENZHENG_REPLY_QUALITY_WEAK = env("WENZHENG_REPLY_QUALITY_WEAK", default="")
