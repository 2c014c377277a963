"""Production settings: `manage.py check --deploy` finds nothing, and pages carry the security
headers and cookie flags (the production values, applied to a test run)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
HOST = "wenzheng.example.gov.cn"
SECURITY_SETTINGS = [
    "DEBUG",
    "MIDDLEWARE",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "WENZHENG_CONTENT_SECURITY_POLICY",
]


def production_env() -> dict[str, str]:
    """What production needs, and nothing from this shell that could change it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "WENZHENG_", "DATABASE_", "REDIS_", "DB_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            # Only parsed: no connection is made by the checks.
            "DATABASE_URL": "postgres://wenzheng@127.0.0.1:5432/wenzheng",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    return env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env or production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issue() -> None:
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret() -> None:
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


@pytest.fixture(scope="module")
def production_values() -> dict[str, Any]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {SECURITY_SETTINGS!r}}}))"
    )
    result = run("-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings: Any, production_values: dict[str, Any]) -> Client:
    for name, value in production_values.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    settings.ALLOWED_HOSTS = [HOST]
    return Client(HTTP_HOST=HOST)


def cookie(response: Any, name: str) -> Any:
    assert name in response.cookies, list(response.cookies)
    return response.cookies[name]


def test_plain_http_is_sent_to_https(world: World, production: Client) -> None:
    response = production.get("/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/"


@pytest.mark.parametrize("path", ["/", "/login/", "/write/", "/api/categories/"])
def test_pages_carry_the_security_headers(world: World, production: Client, path: str) -> None:
    response = production.get(path, secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "object-src 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_https_seen_through_the_proxy_header(world: World, production: Client) -> None:
    response = production.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


def test_cookies_are_secure_and_http_only(world: World, production: Client) -> None:
    form = production.get("/login/", secure=True)
    csrf = cookie(form, "csrftoken")
    assert csrf["secure"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
    assert token is not None
    signed = production.post(
        "/login/",
        {
            "username": "zhang",
            "password": "pass-Word-123",
            "csrfmiddlewaretoken": token.group(1),
        },
        secure=True,
        HTTP_REFERER=f"https://{HOST}/login/",
    )
    assert signed.status_code == 302
    session = cookie(signed, "sessionid")
    assert session["secure"]
    assert session["httponly"]
    language = production.get("/language/en/", {"next": "/"}, secure=True)
    assert language.status_code == 302
    assert cookie(language, "django_language")["secure"]
    assert cookie(language, "django_language")["httponly"]
