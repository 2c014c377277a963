"""Page frames for anonymous visitors (frontend/frames.py): the home page joined from its frame
is the page rendered in full, with language links back to the visitor's own address;
signed-in users and visitors with a message waiting get the page rendered in full."""

from __future__ import annotations

import re

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from frontend import frames
from frontend.views.public import home
from tests.factories import World

from .conftest import page, replied, text

ENGLISH_LINK = re.compile(r'<a href="(/language/en/\?next=[^"]*)"')


def test_cut_and_fill_join_the_pieces_in_order():
    html = f"<a>{frames._marker('x')}</a><b>{frames._marker('y')}</b>{frames._marker('x')}"
    frame = frames.cut(html, ["x", "y"])
    assert frame.slots == ("x", "y", "x")
    assert frame.fill({"x": "1", "y": "2"}) == "<a>1</a><b>2</b>1"
    # What is joined in is never searched for markers again.
    assert frames.cut("<p>none</p>", ["x"]).fill({}) == "<p>none</p>"
    assert frame.fill({"x": frames._marker("y"), "y": "2"}).count(frames._marker("y")) == 2


def test_home_from_its_frame_is_the_page_rendered_in_full(client, world: World, settings):
    replied(world, subject="花园路路灯不亮")
    query = {"q": "路灯", "page": 1}
    settings.WENZHENG_PAGE_FRAMES = False
    full = client.get("/", query)
    settings.WENZHENG_PAGE_FRAMES = True
    first = client.get("/", query)  # renders the frame
    second = client.get("/", query)  # joins it
    assert frames._frames, "the frame was not kept"
    for framed in (first, second):
        assert text(framed) == text(full)
        assert framed.status_code == 200
        assert framed["Content-Type"] == full["Content-Type"]
        assert sorted(framed.cookies) == sorted(full.cookies) == []  # no token, no cookie
        assert framed["Vary"] == full["Vary"]
    body = text(second)
    assert "花园路路灯不亮" in body
    assert "csrfmiddlewaretoken" not in body
    # The language links return to this very address, quoted as the template quotes it.
    assert '<a href="/language/en/?next=/%3Fq%3D%25E8%25B7%25AF%25E7%2581%25AF%26page%3D1"' in body


def test_the_language_link_of_a_framed_page_switches_and_comes_back(world: World):
    browser = Client()
    browser.get("/", {"q": "路灯"})  # renders the frame
    framed = text(browser.get("/", {"q": "路灯"}))
    link = ENGLISH_LINK.search(framed)
    assert link is not None
    response = browser.get(link[1].replace("&amp;", "&"))
    assert response.status_code == 302
    assert response["Location"] == "/?q=%E8%B7%AF%E7%81%AF"
    english = text(browser.get(response["Location"]))
    assert '<html lang="en">' in english
    assert '<span aria-current="true" lang="en">English</span>' in english


def test_a_page_with_a_csrf_token_cannot_be_a_frame(world: World):
    request = _visitor_request()
    with pytest.raises(ImproperlyConfigured, match="has a CSRF token"):
        frames.render_framed(request, "frontend/login.html", {}, {})


def test_each_language_has_its_own_frame(client, world: World):
    for _ in range(2):
        chinese = text(page(client, None, "/"))
        english = text(page(client, None, "/", HTTP_ACCEPT_LANGUAGE="en"))
        assert '<html lang="zh-hans">' in chinese
        assert "公开信件" in chinese
        assert '<html lang="en">' in english
        assert "Published questions and answers" in english


def test_signed_in_users_get_their_own_page(client, world: World):
    page(client, None, "/")  # a visitor's frame exists
    body = text(page(client, world.citizen, "/"))
    assert str(world.citizen) in body
    assert reverse("frontend:logout") in body
    assert reverse("frontend:login") + '"' not in body.split("<main", 1)[0]


def _visitor_request() -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_a_visitor_with_a_message_waiting_gets_the_page_rendered_in_full(world: World):
    quiet = _visitor_request()
    assert frames.usable(quiet)
    waiting = _visitor_request()
    messages.info(waiting, "消息已送达")
    assert not frames.usable(waiting)
    with translation.override("zh-hans"):
        body = home(waiting).content.decode()
    assert "消息已送达" in body  # counting did not use the message up


def test_no_frames_while_debugging(settings):
    settings.DEBUG = True
    assert not frames.usable(_visitor_request())
