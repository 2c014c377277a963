"""API rates: per address for visitors, per account for people and partner systems (token),
stricter scoped rates for writes; 429 in the one error shape, in Chinese, with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.api_tokens import api_token_issue
from interaction.models import Case
from tests.factories import World

MESSAGE = {
    "kind": "complaint",
    "subject": "花园路路面坑洼",
    "body": "花园路与经三路交叉口路面出现大坑，雨天积水，车辆经过很危险，请尽快维修。",
    "contact_phone": "13800138000",
}


@pytest.fixture
def rates(settings: Any):
    """Set some throttle rates for one test (the others keep their configured values)."""

    def set_rates(**scopes: str) -> None:
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **scopes}
        settings.REST_FRAMEWORK = rest

    return set_rates


def visitor(address: str = "203.0.113.7", **extra: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address, **extra)


def partner(world: World, user: Any = None, address: str = "203.0.113.50") -> APIClient:
    key = api_token_issue(user=user or world.dispatcher, actor=None)
    return APIClient(REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"Token {key}")


def assert_throttled(response: Any) -> int:
    """429 in the one shape with a Chinese message naming the seconds of Retry-After."""
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json() == {
        "error": {
            "code": "throttled",
            "message": f"请求过于频繁，请 {wait} 秒后再试。",
            "fields": {},
        }
    }
    return wait


def test_visitor_is_refused_past_the_rate_of_their_address(world: World, rates) -> None:
    rates(anon="3/min")
    client = visitor()
    for _ in range(3):
        assert client.get("/api/categories/").status_code == 200
    assert_throttled(client.get("/api/categories/"))
    # Another address has its own allowance.
    assert visitor("198.51.100.9").get("/api/categories/").status_code == 200


def test_a_forged_forwarded_for_header_does_not_open_a_new_bucket(world: World, rates) -> None:
    rates(anon="2/min")
    for n in range(2):
        response = visitor(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").get("/api/categories/")
        assert response.status_code == 200
    assert_throttled(visitor(HTTP_X_FORWARDED_FOR="10.0.0.99").get("/api/categories/"))


def test_behind_one_proxy_the_forwarded_address_is_the_client(
    world: World, rates, settings: Any
) -> None:
    rates(anon="1/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "127.0.0.1"
    first = visitor(proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = visitor(proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert first.get("/api/categories/").status_code == 200
    assert second.get("/api/categories/").status_code == 200
    assert_throttled(first.get("/api/categories/"))


def test_partner_token_is_throttled_per_account_not_per_address(world: World, rates) -> None:
    rates(user="3/min", anon="1000/min")
    client = partner(world)
    for _ in range(3):
        assert client.get("/api/queues/dispatch/").status_code == 200
    assert_throttled(client.get("/api/queues/dispatch/"))
    # The same account from another address shares the allowance ...
    key = Token.objects.get(user=world.dispatcher).key
    elsewhere = APIClient(REMOTE_ADDR="192.0.2.200", HTTP_AUTHORIZATION=f"Token {key}")
    assert_throttled(elsewhere.get("/api/queues/dispatch/"))
    # ... while another account and visitors from the same address keep theirs.
    assert partner(world, world.supervisor).get("/api/board/").status_code == 200
    assert visitor("203.0.113.50").get("/api/categories/").status_code == 200


def test_submitting_has_a_stricter_rate_than_reading(world: World, rates, settings) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    rates(submit="2/min", anon="1000/min")
    client = visitor()
    for _ in range(2):
        assert client.post("/api/cases/", MESSAGE, format="json").status_code == 201
    before = Case.objects.count()
    assert_throttled(client.post("/api/cases/", MESSAGE, format="json"))
    assert Case.objects.count() == before  # nothing saved
    # Reading the list is not a write: not counted, not refused.
    assert client.get("/api/cases/").status_code == 200


def test_submit_rate_counts_per_account_for_signed_in_citizens(world: World, rates, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    rates(submit="1/min")
    citizen = partner(world, world.citizen)
    assert citizen.post("/api/cases/", MESSAGE, format="json").status_code == 201
    assert_throttled(citizen.post("/api/cases/", MESSAGE, format="json"))
    other = partner(world, world.other_citizen)
    assert other.post("/api/cases/", MESSAGE, format="json").status_code == 201


def test_votes_have_their_own_scope(world: World, rates) -> None:
    from interaction.dialogue import services
    from tests.interaction.dialogue.conftest import make_dialogue

    rates(vote="1/min")
    dialogue = make_dialogue(world, state="collecting")
    first = services.question_ask(dialogue_id=dialogue.pk, actor=world.citizen, body="问题一？")
    second = services.question_ask(dialogue_id=dialogue.pk, actor=world.citizen, body="问题二？")
    for question in (first, second):
        services.question_approve(question_id=question.pk, actor=dialogue.moderator)
    voter = partner(world, world.other_citizen)
    assert voter.post(f"/api/dialogue-questions/{first.pk}/vote/").status_code == 200
    assert_throttled(voter.post(f"/api/dialogue-questions/{second.pk}/vote/"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.votes, second.votes) == (1, 0)


def test_the_english_message_when_asked_for(world: World, rates) -> None:
    rates(anon="1/min")
    client = visitor(HTTP_ACCEPT_LANGUAGE="en")
    client.get("/api/categories/")
    response = client.get("/api/categories/")
    wait = int(response["Retry-After"])
    assert response.json()["error"]["message"] == (
        f"Too many requests. Please try again in {wait} seconds."
    )


def test_rates_come_from_the_environment() -> None:
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='backend.settings.test'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['submit'], "
        "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['anon'])"
    )
    env = {
        **__import__("os").environ,
        "WENZHENG_THROTTLE_SUBMIT": "7/hour",
        "WENZHENG_THROTTLE_ANON": "99/min",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["7/hour", "99/min"], out.stderr


def test_a_previous_test_leaves_no_count_behind(world: World, rates) -> None:
    # The fixture in tests/conftest.py clears the cache: a rate of 1 allows the first call of
    # every test, whatever ran before on the same address.
    rates(anon="1/min")
    assert visitor().get("/api/categories/").status_code == 200


def test_throttled_answers_are_documented_with_retry_after() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            answer = operation["responses"]["429"]
            assert answer["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (method, path)
            assert "Retry-After" in answer["headers"], (method, path)


def test_similar_cases_lookup_keeps_its_own_rate(world: World, rates) -> None:
    rates(similar_anon="1/min", anon="1000/min")
    client = visitor()
    assert client.get("/api/similar/", {"subject": "路面坑洼"}).status_code == 200
    assert_throttled(client.get("/api/similar/", {"subject": "路面坑洼"}))
    assert client.get("/api/categories/").status_code == 200
