"""CSRF: every POST form carries the token — in every template, and on every page each role is
shown — and a POST without it is refused, for pages and for session-authenticated API calls
(partner systems with tokens need none)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from interaction.dialogue.models import Dialogue
from interaction.models import Case, CaseEvent
from interaction.states import Status
from tests.factories import World
from tests.interaction.dialogue.conftest import make_dialogue
from tests.interaction.scenarios import reach

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    p
    for base in ("frontend", "interaction", "backend")
    for p in (ROOT / base).rglob("*.html")
    if "templates" in p.parts
)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
POST = re.compile(r"""method\s*=\s*["']?post""", re.I)


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_post_form_in_a_template_has_the_csrf_token(template: Path) -> None:
    source = template.read_text(encoding="utf-8")
    for attributes, body in FORM.findall(source):
        if POST.search(attributes):
            assert "{% csrf_token %}" in body, f"{template}: <form{attributes}> has no csrf_token"


# --- the pages every role is shown -------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: method, action and whether they carry the CSRF token."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (values.get("method") or "get").lower(),
                    "action": values.get("action") or "",
                    "token": None,
                }
            )
        elif tag == "input" and values.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["token"] = values.get("value")


def forms_of(html: str) -> list[dict[str, Any]]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def page_urls() -> list[str]:
    """Every page address that takes no parameter (so new pages are crawled too)."""
    urls: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if not route.startswith(("api/", "admin/", "open311/", "i18n/")):
                    walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route:
                urls.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(urls) - {"/logout/", "/notifications/read/"})


@pytest.fixture
def crawled(world: World, settings: Any) -> dict[str, Any]:
    """The pages of every role: parameterless pages, and case and dialogue pages."""
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    cases = {
        status: reach(world, status)
        for status in (
            Status.SUBMITTED,
            Status.DISPATCHED,
            Status.HANDLING,
            Status.RETURNED,
            Status.REPLY_DRAFTED,
            Status.REPLY_APPROVED,
            Status.REPLIED,
        )
    }
    dialogue = make_dialogue(world)
    people = {
        "visitor": None,
        "citizen": world.citizen,
        "dispatcher": world.dispatcher,
        "liaison": world.liaison,
        "head": world.head,
        "supervisor": world.supervisor,
        "leader": world.leader,
        "moderator": Dialogue.objects.get(pk=dialogue.pk).moderator,
    }
    urls = [
        *page_urls(),
        *[c.get_absolute_url() for c in cases.values()],
        f"/dialogues/{dialogue.pk}/",
    ]
    seen: list[tuple[str, str, dict[str, Any]]] = []
    for name, user in people.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in forms_of(response.content.decode()):
                seen.append((name, url, form))
    return {"forms": seen, "people": people, "cases": cases}


def test_every_post_form_on_every_page_of_every_role_carries_the_token(crawled) -> None:
    post_forms = [(who, url, f) for who, url, f in crawled["forms"] if f["method"] == "post"]
    assert len(post_forms) > 30  # the crawl reached the action forms of several roles
    missing = [(who, url, f["action"]) for who, url, f in post_forms if not f["token"]]
    assert missing == []
    # The dispatcher, the department and the citizen each met their action forms.
    actions = {urlsplit(f["action"]).path.rstrip("/").rsplit("/", 1)[-1] for *_, f in post_forms}
    assert {"dispatch", "sign", "draft-reply", "approve-reply", "publish-reply"} <= actions


def test_every_crawled_post_form_refuses_a_post_without_the_token(crawled) -> None:
    targets: dict[str, tuple[str, str]] = {}
    for who, url, form in crawled["forms"]:
        if form["method"] == "post":
            action = urlsplit(form["action"] or url).path
            targets.setdefault(action, (who, url))
    assert len(targets) > 20, sorted(targets)
    events = CaseEvent.objects.count()
    statuses = dict(Case.objects.values_list("pk", "status"))
    for action, (who, _url) in sorted(targets.items()):
        client = Client(enforce_csrf_checks=True)
        user = crawled["people"][who]
        if user is not None:
            client.force_login(user)
        response = client.post(action, {"body": "x", "note": "x", "reason": "x"})
        assert response.status_code == 403, (who, action, response.status_code)
        assert "CSRF" in response.content.decode(), action
    assert CaseEvent.objects.count() == events
    assert dict(Case.objects.values_list("pk", "status")) == statuses


def test_the_same_post_with_the_token_goes_through(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    form = forms_of(client.get("/login/").content.decode())[-1]
    response = client.post(
        "/login/",
        {"username": "zhang", "password": "pass-Word-123", "csrfmiddlewaretoken": form["token"]},
    )
    assert response.status_code == 302
    case = reach(world, Status.DISPATCHED)
    liaison = Client(enforce_csrf_checks=True)
    liaison.force_login(world.liaison)
    page = liaison.get(case.get_absolute_url()).content.decode()
    sign = next(f for f in forms_of(page) if f["action"].endswith("/sign/"))
    assert liaison.post(sign["action"], {}).status_code == 403
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED
    assert liaison.post(sign["action"], {"csrfmiddlewaretoken": sign["token"]}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.SIGNED


# --- session-authenticated API calls ---------------------------------------------------------


def test_session_api_write_without_the_token_is_refused(world: World) -> None:
    case = reach(world, Status.DISPATCHED)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.liaison)
    refused = client.post(f"/api/cases/{case.tracking_no}/sign/", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in refused.json()["error"]["message"]
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED
    # Reading needs no token.
    assert client.get(f"/api/cases/{case.tracking_no}/").status_code == 200
    # With the token from the cookie the same call goes through.
    client.get(case.get_absolute_url())  # a page with a form sets the cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        f"/api/cases/{case.tracking_no}/sign/", {}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200, accepted.content
    assert Case.objects.get(pk=case.pk).status == Status.SIGNED


def test_session_api_submission_without_the_token_saves_nothing(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.citizen)
    before = Case.objects.count()
    refused = client.post(
        "/api/cases/",
        {
            "kind": "complaint",
            "subject": "花园路路面坑洼",
            "body": "花园路与经三路交叉口路面出现大坑，请尽快维修。",
            "contact_phone": "13800138000",
        },
        format="json",
    )
    assert refused.status_code == 403
    assert Case.objects.count() == before
