"""Partner systems' API tokens: issued by an administrator (command or admin action), shown once,
replaced by a new issue, revoked; a revoked or wrong token gets 401 in the one error shape."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import World


def with_token(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def issue(username: str, *args: str) -> str:
    out = StringIO()
    call_command("issue_api_token", username, *args, stdout=out)
    return out.getvalue()


def key_in(output: str) -> str:
    keys = re.findall(r"^[0-9a-f]{40}$", output, re.M)
    assert len(keys) == 1, output
    return keys[0]


def assert_refused(response) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": {"code": "authentication_failed", "message": "认证令牌无效。", "fields": {}}
    }


def test_command_issues_a_token_that_works_as_its_account(world: World) -> None:
    output = issue("dispatch")
    key = key_in(output)
    assert "只显示这一次" in output
    assert Token.objects.get(user=world.dispatcher).key == key
    response = with_token(key).get("/api/queues/dispatch/")
    assert response.status_code == 200
    # The token acts as its account, with its account's rights only.
    assert with_token(key).get("/api/board/").status_code == 403


def test_issuing_again_replaces_the_token(world: World) -> None:
    first = key_in(issue("dispatch"))
    second = key_in(issue("dispatch"))
    assert first != second
    assert_refused(with_token(first).get("/api/queues/dispatch/"))
    assert with_token(second).get("/api/queues/dispatch/").status_code == 200


def test_revoking_stops_the_token(world: World) -> None:
    key = key_in(issue("dispatch"))
    assert "已吊销" in issue("dispatch", "--revoke")
    assert not Token.objects.filter(user=world.dispatcher).exists()
    assert_refused(with_token(key).get("/api/queues/dispatch/"))
    assert "没有 API 令牌" in issue("dispatch", "--revoke")


def test_command_refuses_unknown_and_inactive_accounts(world: World) -> None:
    with pytest.raises(CommandError, match="没有用户名为 nobody 的账号"):
        issue("nobody")
    world.leader.is_active = False
    world.leader.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="账号未启用"):
        issue("leader")
    assert not Token.objects.filter(user=world.leader).exists()


def test_a_made_up_token_is_refused_even_where_visitors_may_read(world: World) -> None:
    assert_refused(with_token("0" * 40).get("/api/categories/"))
    assert APIClient().get("/api/categories/").status_code == 200


def test_a_partner_revokes_its_own_token(world: World) -> None:
    key = key_in(issue("dispatch"))
    assert with_token(key).post("/api/auth/token/revoke/").status_code == 204
    assert_refused(with_token(key).get("/api/queues/dispatch/"))


def test_partner_writes_need_no_csrf_token(world: World) -> None:
    key = key_in(issue("zhang"))
    client = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(
        "/api/cases/",
        {
            "kind": "complaint",
            "subject": "花园路路面坑洼",
            "body": "花园路与经三路交叉口路面出现大坑，请尽快维修。",
            "contact_phone": "13800138000",
        },
        format="json",
    )
    assert response.status_code == 201, response.content


# --- the admin -------------------------------------------------------------------------------


def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def test_admin_action_issues_a_token_shown_once(world: World) -> None:
    client = admin_client(world)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "issue_api_token", "_selected_action": [world.dispatcher.pk]},
        follow=True,
    )
    key = Token.objects.get(user=world.dispatcher).key
    assert key in response.content.decode()
    assert "之后不再显示" in response.content.decode()
    # The list shows since when an account has a token, never the key.
    listing = client.get("/admin/accounts/user/").content.decode()
    assert key not in listing
    # DRF's own token admin (which lists every key) is not there.
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_admin_action_revokes(world: World) -> None:
    key = key_in(issue("dispatch"))
    admin_client(world).post(
        "/admin/accounts/user/",
        {"action": "revoke_api_token", "_selected_action": [world.dispatcher.pk]},
    )
    assert_refused(with_token(key).get("/api/queues/dispatch/"))


def test_admin_action_skips_inactive_accounts(world: World) -> None:
    world.leader.is_active = False
    world.leader.save(update_fields=["is_active"])
    response = admin_client(world).post(
        "/admin/accounts/user/",
        {"action": "issue_api_token", "_selected_action": [world.leader.pk]},
        follow=True,
    )
    assert "未签发令牌" in response.content.decode()
    assert not Token.objects.filter(user=world.leader).exists()


def test_people_who_are_not_admins_cannot_issue(world: World) -> None:
    client = Client()
    client.force_login(world.dispatcher)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "issue_api_token", "_selected_action": [world.dispatcher.pk]},
    )
    assert response.status_code == 302  # to the admin's sign-in page
    assert not Token.objects.filter(user=world.dispatcher).exists()
