"""Public pages: home with the published Q&A, the published case, sign-in, registration,
language, notifications, and the rule that no page loads anything from another host."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from backend.accounts.models import Role, User
from interaction.models import Notification
from tests.factories import World, submit

from .conftest import (
    approved,
    assert_no_external_assets,
    dispatched,
    drafted,
    handling_case,
    page,
    replied,
    text,
)


def test_home_lists_published_cases_and_searches_by_subject(client, world: World):
    lamp = replied(world, subject="花园路路灯不亮")
    noise = replied(world, subject="夜间施工噪音扰民")
    unpublished = replied(world, subject="小区停车难", allow_publish=False)
    response = page(client, None, "/")
    body = text(response)
    assert lamp.subject in body
    assert noise.subject in body
    assert unpublished.subject not in body
    assert reverse("frontend:write") in body

    searched = text(page(client, None, "/?q=路灯"))
    assert lamp.subject in searched
    assert noise.subject not in searched


def test_published_case_is_public_without_the_writers_identity(client, world: World):
    case = replied(world, contact_name="张先生", contact_phone="13800138000")
    response = page(client, None, case.get_absolute_url())
    body = text(response)
    assert response.status_code == 200
    assert case.subject in body
    assert "已安排施工队" in body  # the published reply
    assert "13800138000" not in body
    assert "张先生" not in body
    assert 'name="do_evaluate"' not in body  # a visitor cannot rate


def test_unpublished_case_is_not_found_for_visitors_and_other_citizens(client, world: World):
    case = handling_case(world)
    assert page(client, None, case.get_absolute_url()).status_code == 404
    assert page(client, world.other_citizen, case.get_absolute_url()).status_code == 404


def test_login_sends_each_role_to_its_own_page(client, world: World):
    for username, target in [
        ("zhang", "frontend:my-cases"),
        ("dispatch", "frontend:dispatch-queue"),
        ("roads_liaison", "frontend:inbox"),
        ("roads_head", "frontend:approvals"),
        ("supervisor", "frontend:board"),
        ("leader", "frontend:board"),
    ]:
        client.logout()
        response = client.post("/login/", {"username": username, "password": "pass-Word-123"})
        assert response.status_code == 302, username
        assert response["Location"] == reverse(target), username


def test_login_with_phone_number(client, world: World):
    response = client.post(
        "/login/", {"username": world.citizen.phone, "password": "pass-Word-123"}
    )
    assert response["Location"] == reverse("frontend:my-cases")


def test_logout_needs_post_and_signs_out(client, world: World):
    client.force_login(world.citizen)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert page(client, None, "/my/cases/").status_code == 302


def test_register_creates_a_citizen_and_signs_in(client, world: World):
    response = client.post(
        "/register/",
        {
            "display_name": "王女士",
            "phone": "137 1234 5678",
            "email": "",
            "password1": "Lao-Wang-2024!",
            "password2": "Lao-Wang-2024!",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:my-cases")
    user = User.objects.get(phone="13712345678")
    assert user.role == Role.CITIZEN
    assert user.display_name == "王女士"
    assert user.check_password("Lao-Wang-2024!")
    assert client.get("/my/cases/").status_code == 200


def test_register_refuses_a_phone_already_used_and_keeps_the_input(client, world: World, english):
    response = client.post(
        "/register/",
        {
            "display_name": "冒名者",
            "phone": world.citizen.phone,
            "password1": "Lao-Wang-2024!",
            "password2": "Lao-Wang-2024!",
        },
    )
    body = text(response)
    assert response.status_code == 200
    assert "An account with this phone number already exists." in body
    assert 'value="冒名者"' in body
    assert User.objects.filter(display_name="冒名者").count() == 0


def test_register_needs_a_phone_or_an_email(client, world: World, english):
    response = client.post(
        "/register/", {"password1": "Lao-Wang-2024!", "password2": "Lao-Wang-2024!"}
    )
    assert "Give a mobile phone number or an e-mail address." in text(response)


def test_chinese_is_the_default_language(client, world: World):
    body = text(page(client, None, "/"))
    assert '<html lang="zh-hans">' in body


def test_accept_language_switches_to_english(client, world: World):
    body = text(page(client, None, "/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in body
    assert "Published questions and answers" in body


def test_language_links_switch_to_english_and_back(client, world: World):
    home = text(page(client, None, "/write/"))
    assert '<span aria-current="true" lang="zh-hans">简体中文</span>' in home
    assert 'href="/language/en/?next=/write/"' in home
    response = client.get("/language/en/", {"next": "/write/"})
    assert response.status_code == 302
    assert response["Location"] == "/write/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["samesite"] == (settings.LANGUAGE_COOKIE_SAMESITE or "")
    assert "no-cache" in response["Cache-Control"]
    assert '<html lang="en">' in text(client.get("/write/"))
    back = client.get("/language/zh-hans/", {"next": "/"})
    assert back.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-hans">' in text(client.get("/"))


def test_language_links_refuse_unknown_languages_and_foreign_addresses(client, world: World):
    assert client.get("/language/fr/").status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    for elsewhere in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.get("/language/en/", {"next": elsewhere})
        assert response["Location"] == "/", elsewhere
    assert client.get("/language/en/")["Location"] == "/"
    assert client.post("/language/en/").status_code == 405


def test_notification_centre_lists_and_marks_read(client, world: World):
    case = dispatched(world)
    notes = Notification.objects.filter(recipient=world.liaison)
    assert notes.filter(read_at__isnull=True).count() == 1
    body = text(page(client, world.liaison, "/notifications/"))
    assert case.tracking_no in body
    assert "data-unread>1<" in body
    response = client.post("/notifications/read/")
    assert response.status_code == 302
    assert notes.filter(read_at__isnull=True).count() == 0


def test_notification_centre_needs_sign_in(client, world: World):
    response = page(client, None, "/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


@pytest.mark.parametrize(
    "who",
    ["visitor", "citizen", "dispatcher", "liaison", "head", "supervisor", "leader"],
)
def test_no_page_loads_anything_from_another_host(client, world: World, who: str):
    submitted = submit(world.citizen)
    case = drafted(world)
    ready = approved(world, subject="另一件事情")
    user = None if who == "visitor" else getattr(world, who)
    urls = ["/", "/login/", "/register/", "/write/"]
    if user is not None:
        urls += ["/notifications/"]
    urls += {
        "citizen": ["/my/cases/", case.get_absolute_url()],
        "dispatcher": [
            "/dispatch/queue/",
            "/dispatch/reviews/",
            submitted.get_absolute_url(),
            ready.get_absolute_url(),
        ],
        "liaison": ["/department/inbox/", case.get_absolute_url()],
        "head": ["/department/approvals/", case.get_absolute_url()],
        "supervisor": ["/supervision/board/", case.get_absolute_url()],
        "leader": ["/supervision/board/"],
    }.get(who, [])
    for url in urls:
        response = page(client, user, url)
        assert response.status_code in (200, 302), url
        if response.status_code == 200:
            assert_no_external_assets(response)


def test_static_assets_are_ours(client, world: World):
    from django.contrib.staticfiles import finders

    for name in ("frontend/site.css", "frontend/site.js"):
        path = finders.find(name)
        assert path, name
        with open(path, encoding="utf-8") as handle:
            content = handle.read()
        assert "https://" not in content
        assert "http://" not in content


def test_the_site_icon_is_served_for_browsers_that_ask_for_favicon(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/frontend/icon.svg"


def test_rows_of_the_public_list_escape_every_value(world: World):
    import datetime as dt

    from django.utils import translation

    from frontend.views.public import rows_html
    from interaction.privacy.listing import ListRow

    row = ListRow(
        tracking_no="2612AB",
        subject='<script>alert("x")</script>路灯',
        replied_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        category="道路 & 桥梁",
        department="",
        district="东区",
        url="/cases/2612AB/",
        replied_on="2026-12-01",
    )
    with translation.override("zh-hans"):
        html = rows_html([row, row])
    assert html.count('<li class="case-card" data-case="2612AB">') == 2
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;路灯" in html
    assert '<div class="meta muted">道路 &amp; 桥梁 · 东区 · 答复于 2026-12-01</div>' in html
    assert rows_html([]) == ""
