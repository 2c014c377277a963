"""Failed sign-ins: refused for a while per account and per address, on the page and at the API's
token endpoint; a success clears the account's count; the messages never tell whether an
account exists."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts import login_guard
from tests.factories import World

PASSWORD = "pass-Word-123"  # tests.factories.make_user
LOCKED = "登录失败次数过多，请等待 15 分钟后再试。"
WRONG = "请输入一个正确的用户名和密码。注意，两者都区分大小写。"
API_WRONG = "账号或密码不正确，请检查后重试。"


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.WENZHENG_LOGIN_MAX_FAILURES = 5
    settings.WENZHENG_LOGIN_MAX_FAILURES_PER_IP = 12
    settings.WENZHENG_LOGIN_LOCKOUT_SECONDS = 900


def sign_in(username: str, password: str, address: str = "203.0.113.7") -> Any:
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def errors_of(response: Any) -> list[str]:
    html = response.content.decode()
    return [unescape(m) for m in re.findall(r"<li>([^<]*)</li>", html.split("<form", 1)[-1])]


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_page_refuses_an_account_after_five_failures_even_with_the_right_password(world: World):
    for _ in range(5):
        response = sign_in("zhang", "wrong")
        assert response.status_code == 200
        assert WRONG in errors_of(response)
    refused = sign_in("zhang", PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert LOCKED in errors_of(refused)
    assert not signed_in(refused)
    # Another account from the same address is not locked by these five.
    assert signed_in(sign_in("li", PASSWORD))


def test_unknown_account_gets_exactly_the_same_answers(world: World):
    answers = {}
    for name in ("zhang", "nobody-at-all"):
        steps = [sign_in(name, "wrong", address=f"198.51.100.{len(answers)}") for _ in range(6)]
        answers[name] = [(r.status_code, errors_of(r)) for r in steps]
    assert answers["zhang"] == answers["nobody-at-all"]
    assert answers["zhang"][-1] == (429, [LOCKED])


def test_a_successful_sign_in_clears_the_count(world: World):
    for _ in range(4):
        sign_in("zhang", "wrong")
    assert signed_in(sign_in("zhang", PASSWORD))
    for _ in range(4):
        assert sign_in("zhang", "wrong").status_code == 200
    assert signed_in(sign_in("zhang", PASSWORD))


def test_one_address_is_refused_after_too_many_failures_across_accounts(world: World):
    for n in range(12):
        sign_in(f"guess{n}", "wrong", address="192.0.2.66")
    refused = sign_in("zhang", PASSWORD, address="192.0.2.66")
    assert refused.status_code == 429
    assert LOCKED in errors_of(refused)
    # The account itself is fine from anywhere else.
    assert signed_in(sign_in("zhang", PASSWORD, address="192.0.2.67"))


def test_the_lock_ends_after_the_lockout(world: World, monkeypatch: pytest.MonkeyPatch):
    now = [1_000_000.0]
    monkeypatch.setattr(login_guard.time, "time", lambda: now[0])
    for _ in range(5):
        sign_in("zhang", "wrong")
    now[0] += 600
    refused = sign_in("zhang", PASSWORD)
    assert refused["Retry-After"] == "300"
    assert "请等待 5 分钟后再试" in errors_of(refused)[0]
    now[0] += 301
    assert signed_in(sign_in("zhang", PASSWORD))


def test_phone_and_email_count_for_the_name_typed(world: World):
    # The counter follows what was typed: five failures with the phone number lock that name.
    phone = world.citizen.phone
    for _ in range(5):
        sign_in(phone, "wrong")
    assert sign_in(phone, PASSWORD).status_code == 429


# --- the API's token endpoint --------------------------------------------------------------


def obtain(username: str, password: str, address: str = "203.0.113.7", **extra: Any) -> Any:
    return APIClient(REMOTE_ADDR=address, **extra).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_api_gives_a_token_that_authenticates(world: World):
    response = obtain("dispatch", PASSWORD)
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "dispatch"
    assert body["role"] == "dispatcher"
    assert Token.objects.get(user=world.dispatcher).key == body["token"]
    queue = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}").get("/api/queues/dispatch/")
    assert queue.status_code == 200


def test_api_refuses_wrong_and_unknown_alike_then_locks(world: World):
    wrong = obtain("zhang", "wrong")
    unknown = obtain("nobody-at-all", "wrong", address="198.51.100.1")
    assert wrong.status_code == unknown.status_code == 400
    assert (
        wrong.json()
        == unknown.json()
        == {"error": {"code": "invalid_credentials", "message": API_WRONG, "fields": {}}}
    )
    for _ in range(4):
        obtain("zhang", "wrong")
    locked = obtain("zhang", PASSWORD)
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert locked.json() == {"error": {"code": "login_locked", "message": LOCKED, "fields": {}}}
    assert not Token.objects.filter(user=world.citizen).exists()


def test_page_and_api_share_the_count(world: World):
    for _ in range(3):
        sign_in("zhang", "wrong")
    for _ in range(2):
        obtain("zhang", "wrong")
    assert sign_in("zhang", PASSWORD).status_code == 429


def test_api_success_clears_the_count(world: World):
    for _ in range(4):
        obtain("zhang", "wrong")
    assert obtain("zhang", PASSWORD).status_code == 201
    for _ in range(4):
        assert obtain("zhang", "wrong").status_code == 400
    assert obtain("zhang", PASSWORD).status_code == 201


def test_api_sign_in_rate_per_address(world: World, settings: Any):
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "login": "2/min"}
    settings.REST_FRAMEWORK = rest
    assert obtain("dispatch", PASSWORD).status_code == 201
    assert obtain("dispatch", PASSWORD).status_code == 201
    third = obtain("dispatch", PASSWORD)
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "throttled"
    assert obtain("dispatch", PASSWORD, address="198.51.100.20").status_code == 201


def test_api_missing_fields_use_the_error_shape(world: World):
    response = APIClient().post("/api/auth/token/", {"username": "zhang"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == ["password"]


def test_inactive_account_gets_no_token(world: World):
    world.supervisor.is_active = False
    world.supervisor.save(update_fields=["is_active"])
    response = obtain("supervisor", PASSWORD)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == API_WRONG
