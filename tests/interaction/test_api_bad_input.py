"""What the schemathesis fuzzing found (tests/security/test_api_fuzz.py), one regression test each:
bad input gets a clear 4xx in the one error shape, never a 500 or a silent default."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from interaction.models import Case, ExtensionRequest
from interaction.services import handling
from interaction.states import Status
from tests.factories import World, submit
from tests.interaction.dialogue.conftest import make_dialogue
from tests.interaction.scenarios import reach


def client_for(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_private_link_token_with_non_ascii_characters_is_a_404_not_a_crash(world: World):
    case = submit(None)
    for path in (f"/api/cases/{case.tracking_no}/", f"/api/cases/{case.tracking_no}/evaluate/"):
        response = client_for().generic(
            "GET" if path.count("/") == 4 else "POST", f"{path}?token=令牌±"
        )
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    # The right token still opens it.
    opened = client_for().get(f"/api/cases/{case.tracking_no}/?token={case.access_token}")
    assert opened.status_code == 200


def test_a_page_size_out_of_range_is_refused_not_ignored(world: World):
    for value in ("0", "101", "abc", "-5", ""):
        response = client_for(world.dispatcher).get("/api/queues/dispatch/", {"page_size": value})
        assert response.status_code == 400, value
        assert response.json()["error"] == {
            "code": "invalid",
            "message": "每页条数请在 1 到 100 之间选择。",
            "fields": {"page_size": ["每页条数请在 1 到 100 之间选择。"]},
        }
    submit(world.citizen)
    submit(world.citizen, subject="第二条")
    page = client_for(world.dispatcher).get("/api/queues/dispatch/", {"page_size": "1"}).json()
    assert (page["count"], len(page["results"])) == (2, 1)


def test_a_page_past_the_end_is_documented_404(world: World):
    response = client_for().get("/api/cases/", {"page": "99"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_yes_no_query_parameters_must_be_yes_or_no(world: World):
    client = client_for(world.supervisor)
    assert client.get("/api/notifications/", {"unread": "maybe"}).status_code == 400
    refused = client.get("/api/extensions/", {"pending": "perhaps"})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"pending": ["请填写 true 或 false。"]}
    for value in ("", "true", "1", "false", "no"):
        assert client.get("/api/extensions/", {"pending": value}).status_code == 200, value


def test_pending_flag_still_filters(world: World):
    case = reach(world, Status.HANDLING)
    request = handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=3, reason="需要协调施工。"
    )
    client = client_for(world.supervisor)
    ids = {r["id"] for r in client.get("/api/extensions/?pending").json()["results"]}
    assert ids == {request.pk}
    assert client.get("/api/extensions/?pending=false").json()["results"] == []


def test_dialogue_events_after_must_be_a_whole_number(world: World):
    dialogue = make_dialogue(world)
    for value in ("x", "-1", "1.5"):
        response = client_for().get(f"/api/dialogues/{dialogue.pk}/events/", {"after": value})
        assert response.status_code == 400, value
        assert list(response.json()["error"]["fields"]) == ["after"]
    replay = client_for().get(f"/api/dialogues/{dialogue.pk}/events/", {"after": "0"})
    assert replay.status_code == 200


def test_a_form_without_grant_does_not_deny_an_extension(world: World):
    case = reach(world, Status.HANDLING)
    request = handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=3, reason="需要协调施工。"
    )
    response = client_for(world.supervisor).post(
        f"/api/extensions/{request.pk}/decide/", {"note": "看看"}, format="multipart"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["grant"]
    request.refresh_from_db()
    assert request.decision == ExtensionRequest.Decision.PENDING
    granted = client_for(world.supervisor).post(
        f"/api/extensions/{request.pk}/decide/", {"grant": "true"}, format="multipart"
    )
    assert granted.status_code == 200


def test_a_form_without_solved_does_not_rate_the_case(world: World):
    case = reach(world, Status.REPLIED)
    response = client_for(world.citizen).post(
        f"/api/cases/{case.tracking_no}/evaluate/",
        {"attitude": "satisfied", "result": "satisfied"},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["solved"]
    assert Case.objects.get(pk=case.pk).status == Status.REPLIED


def test_an_unknown_api_address_and_a_non_numeric_id_answer_in_json(world: World):
    for path in ("/api/dialogue-questions/null/approve/", "/api/notifications/abc/read/"):
        response = client_for(world.admin).post(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_found"


def test_a_citizen_trying_to_merge_is_refused_before_any_lookup(world: World):
    case = submit(world.citizen)
    response = client_for(world.citizen).post(
        f"/api/cases/{case.tracking_no}/merge/", {"into": "NO-SUCH"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"


def test_yes_no_filters_of_case_lists_refuse_other_words(world: World):
    submit(world.citizen)
    for value in ("-447", "maybe", "2"):
        response = client_for(world.dispatcher).get("/api/cases/", {"problem": value})
        assert response.status_code == 400, value
        assert response.json()["error"]["fields"] == {"problem": ["请填写 true 或 false。"]}
        assert (
            client_for(world.dispatcher).get("/api/cases/", {"overdue": value}).status_code == 400
        )
    listed = client_for(world.dispatcher).get("/api/cases/", {"problem": "false", "overdue": ""})
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
