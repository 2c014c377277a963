"""Every action endpoint once through the API: the right person moves the case (and leaves the
audit row), a person of the wrong role is refused with 403 and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from interaction.models import Case, CaseEvent, ExtensionRequest, Reply, ReturnRequest
from interaction.services import dispatch, handling, review
from interaction.states import Status
from tests.factories import World, submit


def client_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


REPLY = "已安排施工队于本周内修补路面，如有问题请致电12345。"


def case_at(world: World, status: str) -> Case:
    """A case of world.citizen brought to `status` through the services."""
    case = submit(world.citizen)
    if status == Status.SUBMITTED:
        return case
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    if status == Status.RETURNED:
        handling.case_return(
            case_id=case.pk, actor=world.liaison, reason_code="function", reason_text="非本单位职能"
        )
    if status in (Status.DISPATCHED, Status.RETURNED):
        return Case.objects.get(pk=case.pk)
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    if status == Status.SIGNED:
        return Case.objects.get(pk=case.pk)
    handling.case_start(case_id=case.pk, actor=world.liaison)
    if status == Status.AWAITING_CITIZEN:
        handling.case_request_info(case_id=case.pk, actor=world.liaison, question="具体位置？")
    if status in (Status.HANDLING, Status.AWAITING_CITIZEN):
        return Case.objects.get(pk=case.pk)
    handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=REPLY)
    if status == Status.REPLY_DRAFTED:
        return Case.objects.get(pk=case.pk)
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    if status == Status.REPLY_APPROVED:
        return Case.objects.get(pk=case.pk)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    return Case.objects.get(pk=case.pk)


@dataclass
class Step:
    endpoint: str
    start: str
    actor: str
    payload: dict[str, Any]
    audit: str
    end: str
    forbidden: str
    payload_fn: Any = field(default=None)


def ids(world: World) -> dict[str, Any]:
    return {
        "housing_dept": world.housing_dept.pk,
        "city_roads": world.city_roads.pk,
        "road_repair": world.road_repair.pk,
        "housing": world.housing.pk,
    }


STEPS = [
    Step(
        "dispatch",
        Status.SUBMITTED,
        "dispatcher",
        {"department": "city_roads", "category": "road_repair"},
        "dispatch",
        Status.DISPATCHED,
        "citizen",
    ),
    Step("sign", Status.DISPATCHED, "liaison", {}, "sign", Status.SIGNED, "dispatcher"),
    Step("start", Status.SIGNED, "liaison", {}, "start", Status.HANDLING, "citizen"),
    Step(
        "return",
        Status.HANDLING,
        "liaison",
        {"reason_code": "territory", "reason_text": "该路段属东城区管辖"},
        "return",
        Status.RETURNED,
        "dispatcher",
    ),
    Step(
        "accept-return",
        Status.RETURNED,
        "dispatcher",
        {"department": "housing_dept", "category": "housing"},
        "accept_return",
        Status.DISPATCHED,
        "liaison",
    ),
    Step(
        "reject-return",
        Status.RETURNED,
        "dispatcher",
        {"note": "目录规定由贵单位办理"},
        "reject_return",
        Status.DISPATCHED,
        "supervisor",
    ),
    Step(
        "request-info",
        Status.HANDLING,
        "liaison",
        {"question": "请提供具体位置照片"},
        "request_info",
        Status.AWAITING_CITIZEN,
        "dispatcher",
    ),
    Step(
        "provide-info",
        Status.AWAITING_CITIZEN,
        "citizen",
        {"answer": "在经三路口东侧"},
        "provide_info",
        Status.HANDLING,
        "liaison",
    ),
    Step(
        "draft-reply",
        Status.HANDLING,
        "liaison",
        {"body": REPLY},
        "draft_reply",
        Status.REPLY_DRAFTED,
        "citizen",
    ),
    Step(
        "approve-reply",
        Status.REPLY_DRAFTED,
        "head",
        {},
        "approve_reply",
        Status.REPLY_APPROVED,
        "liaison",
    ),
    Step(
        "reject-reply",
        Status.REPLY_DRAFTED,
        "head",
        {"note": "请写明完工时间"},
        "reject_reply",
        Status.HANDLING,
        "dispatcher",
    ),
    Step(
        "publish-reply",
        Status.REPLY_APPROVED,
        "dispatcher",
        {},
        "publish_reply",
        Status.REPLIED,
        "head",
    ),
    Step(
        "rework-reply",
        Status.REPLY_APPROVED,
        "dispatcher",
        {"note": "答复未回应积水问题"},
        "rework_reply",
        Status.HANDLING,
        "liaison",
    ),
    Step(
        "evaluate",
        Status.REPLIED,
        "citizen",
        {"attitude": "satisfied", "result": "basically", "solved": True, "comment": "谢谢"},
        "evaluate",
        Status.CLOSED,
        "dispatcher",
    ),
    Step(
        "close-invalid",
        Status.SUBMITTED,
        "dispatcher",
        {"reason": "内容与政务无关"},
        "close_invalid",
        Status.INVALID,
        "citizen",
    ),
]


@pytest.mark.parametrize("step", STEPS, ids=[s.endpoint for s in STEPS])
def test_action_endpoint_moves_the_case_and_refuses_the_wrong_role(world: World, step: Step):
    case = case_at(world, step.start)
    references = ids(world)
    payload = {
        k: references.get(v, v) if isinstance(v, str) else v for k, v in step.payload.items()
    }
    url = f"/api/cases/{case.tracking_no}/{step.endpoint}/"
    events_before = CaseEvent.objects.filter(case=case).count()

    refused = client_for(getattr(world, step.forbidden)).post(url, payload, format="json")
    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["code"] == "not_allowed"
    assert Case.objects.get(pk=case.pk).status == step.start
    assert CaseEvent.objects.filter(case=case).count() == events_before

    actor = getattr(world, step.actor)
    response = client_for(actor).post(url, payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == step.end
    assert response.json()["tracking_no"] == case.tracking_no
    case.refresh_from_db()
    assert case.status == step.end
    event = CaseEvent.objects.filter(case=case).exclude(to_status="").last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        step.audit,
        step.start,
        step.end,
        actor,
    )


def test_return_and_reject_record_the_reasons(world: World):
    case = case_at(world, Status.DISPATCHED)
    client_for(world.liaison).post(
        f"/api/cases/{case.tracking_no}/return/",
        {"reason_code": "ownership", "reason_text": "该设施产权属于小区物业"},
        format="json",
    )
    request = ReturnRequest.objects.get(case=case)
    assert (request.reason_code, request.reason_text, request.requested_by) == (
        "ownership",
        "该设施产权属于小区物业",
        world.liaison,
    )
    blank = client_for(world.dispatcher).post(
        f"/api/cases/{case.tracking_no}/reject-return/", {"note": "  "}, format="json"
    )
    assert blank.status_code == 400
    assert blank.json()["error"]["fields"] == {"note": ["Say why the return is rejected."]}


def test_reject_reply_sends_the_draft_back_with_the_note(world: World):
    case = case_at(world, Status.REPLY_DRAFTED)
    client_for(world.head).post(
        f"/api/cases/{case.tracking_no}/reject-reply/", {"note": "请写明完工时间"}, format="json"
    )
    reply = Reply.objects.get(case=case)
    assert (reply.state, reply.note) == (Reply.State.SENT_BACK, "请写明完工时间")


def test_unsatisfied_evaluation_sends_the_case_back(world: World):
    case = case_at(world, Status.REPLIED)
    response = client_for(world.citizen).post(
        f"/api/cases/{case.tracking_no}/evaluate/",
        {"attitude": "satisfied", "result": "unsatisfied", "solved": False},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "handling"
    assert response.json()["stage_no"] == 2
    assert case.events.last().action == "redo"


def test_merge_into_an_earlier_case(world: World):
    earlier = submit(world.other_citizen)
    later = submit(world.citizen)
    url = f"/api/cases/{later.tracking_no}/merge/"
    refused = client_for(world.supervisor).post(url, {"into": earlier.tracking_no}, format="json")
    assert refused.status_code == 403
    unknown = client_for(world.dispatcher).post(url, {"into": "NOSUCHCASE"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"into": ["No case has this tracking number."]}
    response = client_for(world.dispatcher).post(url, {"into": earlier.tracking_no}, format="json")
    assert response.status_code == 200
    later.refresh_from_db()
    assert (later.status, later.merged_into) == (Status.MERGED, earlier)
    assert later.events.last().data == {"into": earlier.tracking_no}


def test_request_extension_and_the_supervisor_grants_it(world: World):
    case = case_at(world, Status.HANDLING)
    url = f"/api/cases/{case.tracking_no}/request-extension/"
    refused = client_for(world.dispatcher).post(url, {"days": 3, "reason": "需协调"}, format="json")
    assert refused.status_code == 403
    other = client_for(world.east_liaison).post(url, {"days": 3, "reason": "需协调"}, format="json")
    assert other.status_code == 404

    response = client_for(world.liaison).post(
        url, {"days": 3, "reason": "需协调燃气公司迁改管线"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tracking_no"], body["days_requested"], body["decision"]) == (
        case.tracking_no,
        3,
        "pending",
    )
    again = client_for(world.liaison).post(url, {"days": 2, "reason": "再次申请"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        "An extension request for this case is already pending."
    )

    decide = f"/api/extensions/{body['id']}/decide/"
    assert client_for(world.liaison).post(decide, {"grant": True}, format="json").status_code == 403
    too_many = client_for(world.supervisor).post(decide, {"grant": True, "days": 9}, format="json")
    assert too_many.status_code == 400
    assert too_many.json()["error"]["fields"] == {
        "days": ["Grant between 1 and the 3 days asked for."]
    }
    granted = client_for(world.supervisor).post(
        decide, {"grant": True, "days": 2, "note": "同意"}, format="json"
    )
    assert granted.status_code == 200, granted.content
    assert (granted.json()["decision"], granted.json()["days_granted"]) == ("granted", 2)
    case.refresh_from_db()
    assert case.extension_days == 2
    assert case.events.filter(action="extension_granted", actor=world.supervisor).exists()
    assert client_for(world.supervisor).post(
        decide, {"grant": False}, format="json"
    ).status_code == (409)
    assert (
        client_for(world.supervisor)
        .post("/api/extensions/99999/decide/", {"grant": True}, format="json")
        .status_code
        == 404
    )


def test_extension_list_shows_pending_requests_to_whom_they_concern(world: World):
    case = case_at(world, Status.HANDLING)
    request = handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=2, reason="需协调"
    )

    def ids_for(user, **params):
        response = client_for(user).get("/api/extensions/", params)
        return response.status_code, [row["id"] for row in response.json().get("results", [])]

    assert ids_for(world.supervisor, pending="") == (200, [request.pk])
    assert ids_for(world.supervisor, pending="false") == (200, [])
    assert ids_for(world.liaison) == (200, [request.pk])
    assert ids_for(world.east_liaison) == (200, [])
    status, _ = ids_for(world.citizen)
    assert status == 403
    ExtensionRequest.objects.filter(pk=request.pk).update(decision="denied")
    assert ids_for(world.supervisor, pending="true") == (200, [])
