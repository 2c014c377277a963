"""Work lists, the board, reference data, notifications, and the schema and docs pages."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from rest_framework.test import APIClient

from interaction.models import Case, Notification
from interaction.services import dispatch, handling, review
from tests.factories import World, submit


def client_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def rows(user, path: str, **params) -> list[str]:
    response = client_for(user).get(path, params)
    assert response.status_code == 200, response.content
    return [row["tracking_no"] for row in response.json()["results"]]


def dispatched(world: World, department=None, category=None) -> Case:
    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=(department or world.city_roads).pk,
        category_id=(category or world.road_repair).pk,
    )
    return Case.objects.get(pk=case.pk)


# --- work lists ----------------------------------------------------------------------------------


def test_each_role_has_its_work_list_and_nobody_else_reads_it(world: World):
    waiting = submit(world.citizen)
    roads = dispatched(world)
    housing = dispatched(world, department=world.housing_dept, category=world.housing)
    handling.case_sign(case_id=roads.pk, actor=world.liaison)
    handling.case_draft_reply(case_id=roads.pk, actor=world.liaison, body="已完成修补，欢迎监督。")

    assert rows(world.dispatcher, "/api/queues/dispatch/") == [waiting.tracking_no]
    assert rows(world.liaison, "/api/queues/inbox/") == [roads.tracking_no]
    assert rows(world.housing_liaison, "/api/queues/inbox/") == [housing.tracking_no]
    assert rows(world.head, "/api/queues/approvals/") == [roads.tracking_no]
    assert rows(world.east_head, "/api/queues/approvals/") == []
    assert rows(world.dispatcher, "/api/queues/reviews/") == []
    review.case_approve_reply(case_id=roads.pk, actor=world.head)
    assert rows(world.dispatcher, "/api/queues/reviews/") == [roads.tracking_no]

    refused = {
        "/api/queues/dispatch/": world.liaison,
        "/api/queues/inbox/": world.citizen,
        "/api/queues/approvals/": world.liaison,
        "/api/queues/reviews/": world.head,
        "/api/board/": world.dispatcher,
    }
    for path, user in refused.items():
        response = client_for(user).get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "not_allowed"
    assert client_for().get("/api/queues/dispatch/").status_code == 401


def test_work_lists_take_the_case_filters(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    urgent = submit(world.citizen, urgency="urgent")
    submit(world.citizen)
    assert rows(world.dispatcher, "/api/queues/dispatch/", urgency="urgent") == [urgent.tracking_no]


def test_board_shows_overdue_by_department_and_problem_cases(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    late = dispatched(world)
    on_time = dispatched(world, department=world.housing_dept, category=world.housing)
    Case.objects.filter(pk=late.pk).update(reply_deadline=timezone.now() - dt.timedelta(hours=2))
    Case.objects.filter(pk=on_time.pk).update(is_problem=True)
    request = handling.extension_request(
        case_id=on_time.pk, actor=world.housing_liaison, days=2, reason="需会商"
    )

    response = client_for(world.supervisor).get("/api/board/")
    assert response.status_code == 200
    board = response.json()
    by_dept = {row["department"]: row for row in board["overdue_by_department"]}
    assert (by_dept["市城管局"]["open"], by_dept["市城管局"]["overdue"]) == (1, 1)
    assert (by_dept["市住房局"]["open"], by_dept["市住房局"]["overdue"]) == (1, 0)
    assert [c["tracking_no"] for c in board["overdue"]] == [late.tracking_no]
    assert board["overdue"][0]["overdue"] is True
    assert [c["tracking_no"] for c in board["problem"]] == [on_time.tracking_no]
    assert [e["id"] for e in board["pending_extensions"]] == [request.pk]


# --- reference data ------------------------------------------------------------------------------


def test_reference_data_is_public(world: World):
    categories = client_for().get("/api/categories/").json()
    by_code = {c["code"]: c for c in categories}
    assert by_code["road-repair"]["parent"] == world.roads.pk
    assert by_code["construction"]["parent"] is None
    departments = client_for().get("/api/departments/").json()
    assert {d["code"] for d in departments} == {"city-roads", "east-roads", "housing-dept"}
    east = next(d for d in departments if d["code"] == "east-roads")
    assert east["jurisdiction"]["code"] == "east"
    places = client_for().get("/api/jurisdictions/").json()
    street = next(p for p in places if p["code"] == "east-garden")
    assert (street["level"], street["parent"]) == ("street", world.east.pk)


def test_inactive_department_is_not_offered(world: World):
    world.housing_dept.is_active = False
    world.housing_dept.save()
    codes = {d["code"] for d in client_for().get("/api/departments/").json()}
    assert "housing-dept" not in codes


# --- notifications -------------------------------------------------------------------------------


def test_notifications_list_and_mark_read(world: World):
    case = dispatched(world)
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    mine = client_for(world.citizen).get("/api/notifications/").json()["results"]
    assert [(n["verb"], n["tracking_no"], n["read_at"]) for n in mine] == [
        ("signed", case.tracking_no, None)
    ]
    note_id = mine[0]["id"]
    # Somebody else's notification does not exist for them.
    assert client_for(world.other_citizen).post(
        f"/api/notifications/{note_id}/read/"
    ).status_code == (404)
    assert Notification.objects.get(pk=note_id).read_at is None

    response = client_for(world.citizen).post(f"/api/notifications/{note_id}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert Notification.objects.get(pk=note_id).read_at is not None
    assert (
        client_for(world.citizen).get("/api/notifications/", {"unread": "true"}).json()["results"]
        == []
    )
    assert client_for().get("/api/notifications/").status_code == 401


# --- schema and docs -----------------------------------------------------------------------------

ACTION_PATHS = [
    "dispatch",
    "sign",
    "start",
    "return",
    "accept-return",
    "reject-return",
    "request-info",
    "provide-info",
    "draft-reply",
    "approve-reply",
    "reject-reply",
    "publish-reply",
    "rework-reply",
    "evaluate",
    "close-invalid",
    "merge",
    "request-extension",
]


def test_schema_lists_every_action_with_its_error_shape(db):
    response = client_for().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for slug in ACTION_PATHS:
        operation = paths[f"/api/cases/{{tracking_no}}/{slug}/"]["post"]
        assert operation["responses"]["403"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    assert "/api/extensions/{id}/decide/" in paths
    assert "patch" not in paths["/api/cases/{tracking_no}/"]
    list_params = {p["name"] for p in paths["/api/cases/"]["get"]["parameters"]}
    assert {
        "status",
        "department",
        "category",
        "kind",
        "district",
        "overdue",
        "created_after",
        "created_before",
        "q",
    } <= list_params
    assert "multipart/form-data" in paths["/api/cases/"]["post"]["requestBody"]["content"]


def test_docs_page_loads_nothing_from_the_internet(db):
    response = client_for().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    # Our static files, and Swagger UI's start-up script from the docs address itself.
    assert all(s.startswith(("/static/", "/api/docs/?")) for s in sources), sources
    assert not re.search(r"https?://", html)
