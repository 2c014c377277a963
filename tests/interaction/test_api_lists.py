"""Case lists through the API: who may NOT see what, the filters, and a constant query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from interaction import permissions
from interaction.models import Case, Kind
from interaction.services import dispatch, evaluation, handling, review
from tests.factories import World, make_user, submit


def client_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def listed(user, **params) -> list[str]:
    response = client_for(user).get("/api/cases/", params)
    assert response.status_code == 200, response.content
    return [row["tracking_no"] for row in response.json()["results"]]


def dispatched(world: World, citizen=None, department=None, category=None, **kw) -> Case:
    case = submit(citizen if citizen is not None else world.citizen, **kw)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=(department or world.city_roads).pk,
        category_id=(category or world.road_repair).pk,
    )
    case.refresh_from_db()
    return case


def published(world: World, citizen=None) -> Case:
    case = dispatched(world, citizen)
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    handling.case_draft_reply(
        case_id=case.pk, actor=world.liaison, body="已修复路面，感谢您的反映与监督。"
    )
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    case.refresh_from_db()
    return case


# --- who may NOT see what ------------------------------------------------------------------------


def test_citizen_cannot_see_another_citizens_private_case(world: World):
    case = submit(world.citizen)
    assert client_for(world.other_citizen).get(f"/api/cases/{case.tracking_no}/").status_code == (
        404
    )
    assert listed(world.other_citizen) == []
    assert listed(world.citizen) == [case.tracking_no]
    # Nor act on it: the action endpoints answer 404 too.
    response = client_for(world.other_citizen).post(
        f"/api/cases/{case.tracking_no}/evaluate/",
        {"attitude": "satisfied", "result": "satisfied", "solved": True},
        format="json",
    )
    assert response.status_code == 404


def test_liaison_of_another_department_cannot_see_the_case(world: World):
    case = dispatched(world)
    url = f"/api/cases/{case.tracking_no}/"
    assert client_for(world.liaison).get(url).status_code == 200
    assert client_for(world.east_liaison).get(url).status_code == 404
    assert client_for(world.housing_liaison).get(url).status_code == 404
    assert listed(world.east_liaison) == []
    assert listed(world.liaison) == [case.tracking_no]


def test_public_sees_only_published_cases_and_no_identity(world: World):
    private = dispatched(world)
    public = published(world, world.other_citizen)
    assert listed(None) == [public.tracking_no]
    assert client_for().get(f"/api/cases/{private.tracking_no}/").status_code == 404
    body = client_for().get(f"/api/cases/{public.tracking_no}/").json()
    assert body["contact"] is None
    assert body["address"] is None
    assert body["attachments"] == []
    assert [r["state"] for r in body["replies"]] == ["published"]
    assert all(e["is_public"] for e in body["timeline"])
    assert all(e["actor"] is None for e in body["timeline"])
    assert body["actions"] == []
    row = client_for().get("/api/cases/").json()["results"][0]
    assert row["contact"] is None


def test_confidential_writer_is_hidden_from_the_department_not_the_dispatcher(world: World):
    case = dispatched(world, keep_identity_secret=True)
    url = f"/api/cases/{case.tracking_no}/"
    assert client_for(world.liaison).get(url).json()["contact"] is None
    assert client_for(world.dispatcher).get(url).json()["contact"] == {
        "name": "张先生",
        "phone": "13800138000",
    }
    rows = {
        u: client_for(u).get("/api/cases/").json()["results"][0]["contact"]
        for u in (world.liaison, world.dispatcher)
    }
    assert rows[world.liaison] is None
    assert rows[world.dispatcher] is not None


def test_list_shows_identity_exactly_to_whom_permissions_allow(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    cases = [
        dispatched(world),
        dispatched(world, keep_identity_secret=True),
        published(world, world.other_citizen),
        dispatched(world, department=world.housing_dept, category=world.housing),
    ]
    assisted = cases[3]
    assisted.assisting_departments.add(world.city_roads)
    people = [
        world.citizen,
        world.other_citizen,
        world.dispatcher,
        world.liaison,
        world.head,
        world.east_liaison,
        world.housing_liaison,
        world.supervisor,
        world.admin,
    ]
    for person in people:
        rows = client_for(person).get("/api/cases/").json()["results"]
        for row in rows:
            case = Case.objects.get(tracking_no=row["tracking_no"])
            assert (row["contact"] is not None) == permissions.sees_identity(person, case), (
                person.username,
                case.tracking_no,
            )
    # The assisting department sees the case and who wrote it.
    rows = client_for(world.liaison).get("/api/cases/").json()["results"]
    assert assisted.tracking_no in [r["tracking_no"] for r in rows]


# --- filters -------------------------------------------------------------------------------------


@pytest.fixture
def spread(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    roads_east = dispatched(
        world, department=world.east_roads, district_id=world.east.pk, subject="东城区路灯不亮"
    )
    roads_city = dispatched(world, subject="经三路井盖缺失")
    housing = dispatched(
        world,
        department=world.housing_dept,
        category=world.housing,
        kind=Kind.CONSULTATION,
        district_id=world.west.pk,
        subject="公租房申请条件咨询",
    )
    waiting = submit(world.citizen, subject="噪音扰民")
    return {
        "roads_east": roads_east,
        "roads_city": roads_city,
        "housing": housing,
        "waiting": waiting,
    }


def test_filters_by_status_department_kind_and_district(world: World, spread):
    d = world.dispatcher
    assert listed(d, status="submitted") == [spread["waiting"].tracking_no]
    assert set(listed(d, status=["submitted", "dispatched"])) == {
        c.tracking_no for c in spread.values()
    }
    assert listed(d, department=world.housing_dept.pk) == [spread["housing"].tracking_no]
    assert listed(d, kind="consultation") == [spread["housing"].tracking_no]
    assert listed(d, district=world.east.pk) == [spread["roads_east"].tracking_no]
    assert listed(d, q="井盖") == [spread["roads_city"].tracking_no]


def test_category_filter_includes_sub_categories(world: World, spread):
    d = world.dispatcher
    roads = {spread["roads_east"].tracking_no, spread["roads_city"].tracking_no}
    assert set(listed(d, category=world.roads.pk)) == roads
    assert set(listed(d, category=world.road_repair.pk)) == roads
    assert listed(d, category=world.housing.pk) == [spread["housing"].tracking_no]


def test_overdue_filter(world: World, spread):
    late = spread["roads_city"]
    Case.objects.filter(pk=late.pk).update(reply_deadline=timezone.now() - dt.timedelta(hours=1))
    d = world.dispatcher
    assert listed(d, overdue="true") == [late.tracking_no]
    assert late.tracking_no not in listed(d, overdue="false")
    assert len(listed(d, overdue="false")) == 3
    row = next(
        r
        for r in client_for(d).get("/api/cases/").json()["results"]
        if r["tracking_no"] == late.tracking_no
    )
    assert row["overdue"] is True


def test_created_date_filters(world: World, spread):
    old = spread["housing"]
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    d = world.dispatcher
    cutoff = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    assert listed(d, created_before=cutoff) == [old.tracking_no]
    assert old.tracking_no not in listed(d, created_after=cutoff)
    assert len(listed(d, created_after=cutoff)) == 3


def test_invalid_filter_value_is_400_in_the_error_shape(world: World):
    response = client_for(world.dispatcher).get("/api/cases/", {"status": "nonsense"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["status"]


def test_filters_never_widen_what_a_user_sees(world: World, spread):
    # A citizen filtering on a department sees only their own cases there, not others'.
    other = dispatched(world, world.other_citizen)
    assert other.tracking_no not in listed(world.citizen, department=world.city_roads.pk)
    assert listed(world.east_liaison, department=world.city_roads.pk) == []


# --- query count ---------------------------------------------------------------------------------


def _count_list_queries(user) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/cases/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["dispatcher", "liaison", "citizen"])
def test_list_query_count_does_not_grow_with_rows(world: World, settings, persona: str):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    user = getattr(world, persona)
    for _ in range(2):
        dispatched(world)
    few = _count_list_queries(user)
    for _ in range(6):
        case = dispatched(world, district_id=world.east.pk)
        case.assisting_departments.add(world.housing_dept)
    many = _count_list_queries(user)
    assert len(client_for(user).get("/api/cases/").json()["results"]) == 8
    assert many == few


def test_published_and_closed_case_is_listed_for_the_public_with_its_reply(world: World):
    case = published(world)
    evaluation.case_evaluate(
        case_id=case.pk, actor=world.citizen, attitude="satisfied", result="satisfied", solved=True
    )
    stranger = make_user("citizen", name="wang")
    assert listed(stranger) == [case.tracking_no]
    body = client_for(stranger).get(f"/api/cases/{case.tracking_no}/").json()
    assert body["status"] == "closed"
    assert body["replies"][0]["body"] == "已修复路面，感谢您的反映与监督。"
    assert body["evaluations"] == []  # the rating is private to the writer and the staff
    assert (
        client_for(world.citizen)
        .get(f"/api/cases/{case.tracking_no}/")
        .json()["evaluations"][0]["result"]
        == "satisfied"
    )
