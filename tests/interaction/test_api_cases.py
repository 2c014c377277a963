"""The case API: submitting (JSON, multipart, anonymous), reading a case, the error shape."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from backend.organisation.models import CalendarOverride
from interaction.apis.serializers import SubmitOutput
from interaction.models import Attachment, Case, CaseEvent
from interaction.services import dispatch, handling
from interaction.states import Status
from tests.factories import World, submit

JSON_MESSAGE = {
    "kind": "complaint",
    "subject": "花园路路面坑洼",
    "body": "花园路与经三路交叉口路面出现大坑，雨天积水，车辆经过很危险，请尽快维修。",
    "contact_phone": "13800138000",
    "contact_name": "张先生",
}


def client_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def named_file(name: str, content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


# --- submission ----------------------------------------------------------------------------------


def test_citizen_submits_json_and_the_case_is_theirs(world: World):
    response = client_for(world.citizen).post("/api/cases/", JSON_MESSAGE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(tracking_no=body["tracking_no"])
    assert case.citizen == world.citizen
    assert case.status == Status.SUBMITTED
    assert body["status"] == "submitted"
    assert body["status_label"] == "Awaiting dispatch"  # Accept-Language: en
    # A registered citizen follows the case from their account: no private link is handed out.
    assert body["access_token"] is None
    assert body["private_link"] is None
    assert set(body) == set(SubmitOutput().fields)  # the answer the schema promises
    assert list(case.events.values_list("action", "actor__username")) == [("submitted", "zhang")]


def test_multipart_submission_keeps_a_real_png(world: World):
    response = client_for(world.citizen).post(
        "/api/cases/",
        {**JSON_MESSAGE, "files": [named_file("photo.png", png_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(tracking_no=response.json()["tracking_no"])
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "photo.png"
    # Omitted checkboxes in a form keep their defaults.
    assert case.allow_publish is True
    assert case.keep_identity_secret is False


def test_text_file_named_png_is_refused_with_its_name(world: World):
    fake = named_file("fake.png", b"this is plain text pretending to be an image")
    response = client_for(world.citizen).post(
        "/api/cases/", {**JSON_MESSAGE, "files": [fake]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "fake.png is not an image or a PDF.",
            "fields": {"files": ["fake.png is not an image or a PDF."]},
        }
    }
    assert not Case.objects.exists()


def test_every_problem_of_a_submission_is_reported_at_once(world: World):
    response = client_for().post(
        "/api/cases/",
        {**JSON_MESSAGE, "subject": "  ", "contact_phone": "12345"},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["subject"] == ["Please write a subject."]
    assert fields["contact_phone"] == ["Enter a valid mobile (11 digits) or landline number."]


def test_missing_field_uses_the_one_error_shape(world: World):
    payload = {k: v for k, v in JSON_MESSAGE.items() if k != "kind"}
    response = client_for().post("/api/cases/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"kind": ["This field is required."]}
    assert error["message"] == "This field is required."


def test_anonymous_writer_gets_a_private_token_that_opens_the_case(world: World):
    anonymous = client_for()
    response = anonymous.post("/api/cases/", JSON_MESSAGE, format="json")
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get(tracking_no=body["tracking_no"])
    assert case.citizen is None
    assert body["access_token"] == case.access_token
    assert body["private_link"].endswith(f"?token={case.access_token}")

    url = f"/api/cases/{case.tracking_no}/"
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(url, {"token": "not-the-token"}).status_code == 404
    opened = anonymous.get(url, {"token": case.access_token})
    assert opened.status_code == 200
    assert opened.json()["contact"] == {"name": "张先生", "phone": "13800138000"}
    # The token is never echoed back by the detail.
    assert case.access_token not in opened.content.decode()


def test_anonymous_writer_answers_a_question_through_the_token(world: World):
    case = submit(None)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    handling.case_request_info(case_id=case.pk, actor=world.liaison, question="具体位置？")
    url = f"/api/cases/{case.tracking_no}/provide-info/"
    refused = client_for().post(url, {"answer": "经三路口"}, format="json")
    assert refused.status_code == 404
    response = client_for().post(
        url, {"answer": "经三路口", "token": case.access_token}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "handling"
    event = case.events.get(action="provide_info")
    assert event.actor is None
    assert event.actor_role == "citizen"


def test_rate_limit_answers_429_in_the_error_shape(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1
    client = client_for(world.citizen)
    assert client.post("/api/cases/", JSON_MESSAGE, format="json").status_code == 201
    response = client.post("/api/cases/", JSON_MESSAGE, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert Case.objects.count() == 1


# --- reading a case ------------------------------------------------------------------------------


def _drafted_case(world: World) -> Case:
    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    handling.case_draft_reply(
        case_id=case.pk, actor=world.liaison, body="已安排施工队于本周内修补路面，请留意。"
    )
    return case


def test_draft_reply_is_never_shown_to_the_citizen(world: World):
    case = _drafted_case(world)
    url = f"/api/cases/{case.tracking_no}/"
    citizen_view = client_for(world.citizen).get(url).json()
    assert citizen_view["replies"] == []
    assert "已安排施工队" not in str(citizen_view)
    # The citizen's timeline is the public one: the internal draft step is not in it.
    assert "draft_reply" not in [e["action"] for e in citizen_view["timeline"]]
    assert all(e["actor"] is None for e in citizen_view["timeline"])

    staff_view = client_for(world.liaison).get(url).json()
    assert [(r["state"], r["body"]) for r in staff_view["replies"]] == [
        ("draft", "已安排施工队于本周内修补路面，请留意。")
    ]
    assert "draft_reply" in [e["action"] for e in staff_view["timeline"]]
    draft_event = next(e for e in staff_view["timeline"] if e["action"] == "draft_reply")
    assert draft_event["actor"] == str(world.liaison)
    assert staff_view["actions"] == ["request-extension"]
    assert client_for(world.head).get(url).json()["actions"] == [
        "approve-reply",
        "reject-reply",
        "request-extension",
    ]


def test_detail_explains_the_deadline_with_named_days_off(world: World):
    today = timezone.localdate()
    day_off = today + dt.timedelta(days=2)
    CalendarOverride.objects.create(date=day_off, is_workday=False, name="测试停工日")
    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    body = client_for(world.citizen).get(f"/api/cases/{case.tracking_no}/").json()
    deadline = body["deadline"]
    explanation = deadline["explanation"]
    assert explanation["start"] == today.isoformat()
    assert explanation["limit_days"] == 13
    assert explanation["counted_days"] == 13
    assert {"date": day_off.isoformat(), "is_workday": False, "name": "测试停工日"}.items() <= (
        next(d for d in explanation["skipped"] if d["date"] == day_off.isoformat()).items()
    )
    case.refresh_from_db()
    assert explanation["deadline"] == timezone.localtime(case.reply_deadline).date().isoformat()
    assert deadline["progress"]["total_days"] == 13
    assert deadline["progress"]["overdue"] is False
    assert body["actions"] == []


def test_case_not_yet_dispatched_has_no_deadline(world: World):
    case = submit(world.citizen)
    body = client_for(world.citizen).get(f"/api/cases/{case.tracking_no}/").json()
    assert body["deadline"] == {
        "sign_deadline": None,
        "reply_deadline": None,
        "progress": None,
        "explanation": None,
    }


def test_unknown_case_is_404_in_the_error_shape(world: World):
    response = client_for(world.dispatcher).get("/api/cases/NOPE/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_invalid_transition_is_409(world: World):
    case = submit(world.citizen)
    response = client_for(world.liaison).post(f"/api/cases/{case.tracking_no}/sign/")
    # The liaison cannot even see an undispatched case.
    assert response.status_code == 404
    response = client_for(world.dispatcher).post(f"/api/cases/{case.tracking_no}/publish-reply/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "invalid_transition",
        "message": "This action is not possible in the case's current state.",
        "fields": {},
    }
    assert not CaseEvent.objects.filter(case=case, action="publish_reply").exists()


@pytest.mark.parametrize("path", ["/api/cases/{no}/sign/", "/api/cases/{no}/dispatch/"])
def test_anonymous_cannot_act_without_signing_in(world: World, path: str):
    case = submit(world.citizen)
    response = client_for().post(path.format(no=case.tracking_no), {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_submit_input_instances_share_no_state_within_or_across_threads() -> None:
    """SubmitInput keeps one copy of its fields per thread (a speed-up): instances in a row and
    in other threads still validate their own data only."""
    from concurrent.futures import ThreadPoolExecutor

    from interaction.apis.cases import SubmitInput

    def validate(data: dict) -> tuple[bool, dict, dict]:
        serializer = SubmitInput(data=data)
        valid = serializer.is_valid()
        return (
            valid,
            dict(serializer.validated_data),
            {k: list(v) for k, v in serializer.errors.items()},
        )

    good = {**JSON_MESSAGE, "district": 7, "allow_publish": False}
    bad = {"kind": "praise", "subject": "x"}
    first = validate(good)
    second = validate(bad)
    third = validate(JSON_MESSAGE)
    assert first[0] is True
    assert (first[1]["district"], first[1]["allow_publish"]) == (7, False)
    assert second[0] is False
    assert set(second[2]) == {"kind", "body", "contact_phone"}
    assert third[0] is True
    assert (third[1]["district"], third[1]["allow_publish"], third[2]) == (None, True, {})
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(validate, [good, bad] * 20))
    assert [r[0] for r in results] == [True, False] * 20
    assert all(r[1]["district"] == 7 for r in results[::2])
