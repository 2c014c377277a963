"""No user input comes back unescaped: script tags, attribute break-outs, `javascript:` links and
template syntax in every field people type, on every page that shows it, and in the JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape
from rest_framework.test import APIClient

from interaction.dialogue import services as dialogue_services
from interaction.models import Case
from interaction.services import dispatch, evaluation, handling, review
from interaction.states import Status
from tests.factories import World, make_user, submit
from tests.interaction.dialogue.conftest import make_dialogue
from tests.interaction.scenarios import do_dispatch, do_draft, do_sign, do_start, reach, walk

# Script, a break-out of an attribute, an event handler, template syntax (which must come back
# as typed, not evaluated).
PAYLOAD = '<script>alert("xss")</script>"><img src=x onerror=alert(1)>{{ 7|add:7 }}{% now "Y" %}'
SHORT = '"><img src=x onerror=alert(1)>{{ 7|add:7 }}'  # for fields of at most 60 characters
RAW = ("<script>alert(", "<img src=x onerror", 'onerror=alert(1)"', "javascript:alert")


@pytest.fixture(autouse=True)
def _many_messages(settings: Any) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100


def html_as(user: Any, url: str) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def assert_escaped(html: str, text: str = PAYLOAD, *, where: str = "") -> None:
    for fragment in RAW:
        assert fragment not in html, (where, fragment)
    assert escape(text) in html, (where, "the escaped text is not shown")


def assert_not_raw(html: str, *, where: str = "") -> None:
    """For pages that show the text masked (the public): never raw, whatever is shown."""
    for fragment in RAW:
        assert fragment not in html, (where, fragment)
    assert escape("<script>") in html or escape("<img") in html, where


def api_json(user: Any, url: str) -> dict[str, Any]:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    return response.json()


# --- the message: subject, body, address, name ---------------------------------------------------


@pytest.fixture
def message(world: World) -> Case:
    case = submit(world.citizen, subject=PAYLOAD, body=PAYLOAD, address=PAYLOAD, contact_name=SHORT)
    return Case.objects.get(pk=case.pk)


def test_message_fields_on_the_citizens_pages(world: World, message: Case) -> None:
    page = html_as(world.citizen, message.get_absolute_url())
    assert_escaped(page, where="case page")
    assert_escaped(page, SHORT, where="case page: name")
    assert_escaped(html_as(world.citizen, "/my/cases/"), where="my cases")


def test_message_fields_on_the_dispatchers_pages(world: World, message: Case) -> None:
    assert_escaped(html_as(world.dispatcher, "/dispatch/queue/"), where="queue")
    page = html_as(world.dispatcher, message.get_absolute_url())
    assert_escaped(page, where="case page")
    assert_escaped(page, SHORT, where="contact name")


def test_message_fields_on_the_departments_pages(world: World, message: Case) -> None:
    do_dispatch(world, message)
    assert_escaped(html_as(world.liaison, "/department/inbox/"), where="inbox")
    page = html_as(world.liaison, message.get_absolute_url())
    assert_escaped(page, where="case page")
    assert_escaped(page, SHORT, where="contact name")
    assert_escaped(html_as(world.liaison, "/notifications/"), where="notifications")


def test_message_fields_in_json_come_back_exactly_as_typed(world: World, message: Case) -> None:
    data = api_json(world.citizen, f"/api/cases/{message.tracking_no}/")
    assert data["subject"] == data["body"] == data["address"] == PAYLOAD
    assert data["contact"]["name"] == SHORT
    listed = api_json(world.dispatcher, "/api/queues/dispatch/")["results"]
    assert [row["subject"] for row in listed] == [PAYLOAD]


def test_published_message_on_the_public_pages(world: World) -> None:
    case = reach(world, Status.REPLIED, subject=PAYLOAD, body=PAYLOAD)
    assert case.is_published
    assert_not_raw(html_as(None, case.get_absolute_url()), where="public case page")
    assert_not_raw(html_as(None, "/"), where="public list")


# --- what staff write --------------------------------------------------------------------------


def test_reply_on_every_page_that_shows_it(world: World) -> None:
    case = walk(world, submit(world.citizen), [do_dispatch, do_sign, do_start])
    handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=PAYLOAD)
    assert_escaped(html_as(world.liaison, case.get_absolute_url()), where="draft, liaison")
    assert_escaped(html_as(world.head, "/department/approvals/"), where="approvals")
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    assert_escaped(html_as(world.dispatcher, "/dispatch/reviews/"), where="reviews")
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    assert_escaped(html_as(world.citizen, case.get_absolute_url()), where="reply, citizen")
    assert_not_raw(html_as(None, case.get_absolute_url()), where="reply, public")
    data = api_json(world.citizen, f"/api/cases/{case.tracking_no}/")
    assert [r["body"] for r in data["replies"]] == [PAYLOAD]


def test_return_reason_note_and_question(world: World) -> None:
    case = walk(world, submit(world.citizen), [do_dispatch, do_sign])
    handling.case_request_info(case_id=case.pk, actor=world.liaison, question=PAYLOAD)
    assert_escaped(html_as(world.citizen, case.get_absolute_url()), where="question, citizen")
    handling.case_provide_info(case_id=case.pk, actor=world.citizen, answer=PAYLOAD)
    assert_escaped(html_as(world.liaison, case.get_absolute_url()), where="answer, liaison")
    do_draft(world, case)
    review.case_reject_reply(case_id=case.pk, actor=world.head, note=PAYLOAD)
    assert_escaped(html_as(world.liaison, case.get_absolute_url()), where="note, liaison")
    handling.case_return(
        case_id=case.pk, actor=world.liaison, reason_code="function", reason_text=PAYLOAD
    )
    assert_escaped(html_as(world.dispatcher, case.get_absolute_url()), where="return reason")


def test_extension_reason_on_the_board(world: World) -> None:
    case = walk(world, submit(world.citizen), [do_dispatch, do_sign])
    handling.extension_request(case_id=case.pk, actor=world.liaison, days=3, reason=PAYLOAD)
    assert_escaped(html_as(world.supervisor, "/supervision/board/"), where="board")
    assert_escaped(html_as(world.liaison, case.get_absolute_url()), where="case page")


def test_closure_reason_shown_to_the_citizen(world: World) -> None:
    case = submit(world.citizen)
    dispatch.case_close_invalid(case_id=case.pk, actor=world.dispatcher, reason=PAYLOAD[:200])
    assert_escaped(html_as(world.citizen, case.get_absolute_url()), PAYLOAD[:200])


def test_evaluation_comment(world: World) -> None:
    case = reach(world, Status.REPLIED)
    evaluation.case_evaluate(
        case_id=case.pk,
        actor=world.citizen,
        attitude="satisfied",
        result="unsatisfied",
        solved=False,
        comment=PAYLOAD,
    )
    assert_escaped(html_as(world.citizen, case.get_absolute_url()), where="comment, citizen")
    assert_escaped(html_as(world.liaison, case.get_absolute_url()), where="comment, department")


# --- search, names, dialogue, error messages --------------------------------------------------


def test_search_query_is_shown_escaped(world: World) -> None:
    html = Client().get("/", {"q": PAYLOAD}).content.decode()
    assert_escaped(html, where="search box")


def test_a_persons_name_on_the_pages(world: World) -> None:
    person = make_user("citizen", name="xss-person")
    person.display_name = SHORT
    person.save(update_fields=["display_name"])
    dialogue = make_dialogue(world)
    question = dialogue_services.question_ask(dialogue_id=dialogue.pk, actor=person, body="问题？")
    dialogue_services.question_approve(question_id=question.pk, actor=dialogue.moderator)
    assert_escaped(html_as(person, "/my/cases/"), SHORT, where="menu")
    assert_escaped(html_as(None, f"/dialogues/{dialogue.pk}/"), SHORT, where="asker")


def test_dialogue_question_for_the_moderator_and_the_public(world: World) -> None:
    dialogue = make_dialogue(world)
    question = dialogue_services.question_ask(
        dialogue_id=dialogue.pk, actor=world.citizen, body=PAYLOAD
    )
    assert_escaped(html_as(dialogue.moderator, f"/dialogues/{dialogue.pk}/"), where="waiting")
    dialogue_services.question_approve(question_id=question.pk, actor=dialogue.moderator)
    assert_escaped(html_as(None, f"/dialogues/{dialogue.pk}/"), where="approved, public")
    events = api_json(None, f"/api/dialogues/{dialogue.pk}/events/")["events"]
    assert PAYLOAD in [e["data"].get("body") for e in events]


def test_a_file_name_echoed_in_an_error_is_escaped(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = '"><img src=x onerror=alert(1)>.png'
    client = Client()
    client.force_login(world.citizen)
    response = client.post(
        "/write/",
        {
            "kind": "complaint",
            "subject": PAYLOAD,
            "body": "花园路与经三路交叉口路面出现大坑，请尽快维修。",
            "contact_phone": "13800138000",
            "attachments": [SimpleUploadedFile(name, b"<html></html>", "image/png")],
        },
    )
    html = response.content.decode()
    assert_escaped(html, where="subject kept in the form")
    assert escape(name) in html
    api = APIClient()
    api.force_authenticate(world.citizen)
    refused = api.post(
        "/api/cases/",
        {
            "kind": "complaint",
            "subject": "x",
            "body": "花园路与经三路交叉口路面出现大坑。",
            "contact_phone": "13800138000",
            "files": [SimpleUploadedFile(name, b"<html></html>", "image/png")],
        },
        format="multipart",
    )
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["error"]["fields"]["files"] == [f"{name} 不是图片或PDF文件。"]


def test_javascript_links_in_next_are_not_followed(world: World) -> None:
    client = Client()
    page = client.get("/login/", {"next": "javascript:alert(1)"}).content.decode()
    assert 'href="javascript:' not in page
    response = client.post(
        "/login/",
        {"username": "zhang", "password": "pass-Word-123", "next": "javascript:alert(1)"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/my/cases/"


def test_an_address_that_looks_like_a_link_is_not_made_one(world: World) -> None:
    case = submit(world.citizen, address="javascript:alert(document.cookie)")
    page = html_as(world.dispatcher, case.get_absolute_url())
    assert "javascript:alert(document.cookie)" in page  # shown as text
    assert 'href="javascript:' not in page
