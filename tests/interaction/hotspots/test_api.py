"""The hot-issue API: who sees what (and who may NOT), the actions, support once per citizen."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from backend.accounts.models import Role
from interaction.hotspots.models import CaseSupport, HotIssue
from interaction.models import Case
from interaction.services import dispatch, handling
from interaction.states import Status
from tests.factories import World, make_user
from tests.interaction.scenarios import PATHS, walk

from .conftest import the_group

ANSWER = "市城管局已组织施工队对花园路与经三路交叉口路面进行修补，预计本周五前完工。"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def issue(world: World, pothole: list[Case]) -> HotIssue:
    return the_group(pothole[0])


def test_leaders_list_hot_issues_with_their_figures(world: World, issue: HotIssue) -> None:
    response = api(world.leader).get("/api/hot-issues/")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == issue.pk
    assert (item["cases"], item["citizens"], item["open_cases"]) == (4, 4, 4)
    assert item["status"] == "candidate"
    assert item["hotness"] > 0
    assert "花园路" in item["place"]


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "admin"])
def test_other_overseers_see_the_list(world: World, issue: HotIssue, who: str) -> None:
    assert api(getattr(world, who)).get("/api/hot-issues/").json()["count"] == 1


@pytest.mark.parametrize("who", ["citizen", "other_citizen"])
def test_citizens_may_not_list_or_open(world: World, issue: HotIssue, who: str) -> None:
    client = api(getattr(world, who))
    response = client.get("/api/hot-issues/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您无权进行此操作。"
    assert client.get(f"/api/hot-issues/{issue.pk}/").status_code == 403


def test_visitors_must_sign_in(issue: HotIssue) -> None:
    assert api().get("/api/hot-issues/").status_code == 401


def test_departments_see_only_the_groups_assigned_to_them(world: World, issue: HotIssue) -> None:
    assert api(world.liaison).get("/api/hot-issues/").json()["count"] == 0
    assert api(world.liaison).get(f"/api/hot-issues/{issue.pk}/").status_code == 404
    api(world.leader).post(
        f"/api/hot-issues/{issue.pk}/assign/", {"department": world.city_roads.pk}, format="json"
    )
    assert api(world.liaison).get("/api/hot-issues/").json()["count"] == 1
    assert api(world.east_liaison).get("/api/hot-issues/").json()["count"] == 0
    assert api(world.east_liaison).get(f"/api/hot-issues/{issue.pk}/").status_code == 404


def test_detail_lists_the_cases(world: World, pothole: list[Case], issue: HotIssue) -> None:
    data = api(world.supervisor).get(f"/api/hot-issues/{issue.pk}/").json()
    assert [c["tracking_no"] for c in data["cases_list"]] == [c.tracking_no for c in pothole]
    assert data["repeats"] == []
    assert data["answers"] == []


def test_confirm_and_assign_by_api(world: World, issue: HotIssue) -> None:
    client = api(world.leader)
    response = client.post(f"/api/hot-issues/{issue.pk}/confirm/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    response = client.post(
        f"/api/hot-issues/{issue.pk}/assign/",
        {"department": world.city_roads.pk, "note": "牵头处理"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["department"] == world.city_roads.name


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "liaison"])
def test_who_may_not_confirm_or_assign(world: World, issue: HotIssue, who: str) -> None:
    client = api(getattr(world, who))
    if who == "liaison":  # does not even see the group
        assert client.post(f"/api/hot-issues/{issue.pk}/confirm/").status_code == 404
        return
    assert client.post(f"/api/hot-issues/{issue.pk}/confirm/").status_code == 403
    response = client.post(
        f"/api/hot-issues/{issue.pk}/assign/", {"department": world.city_roads.pk}, format="json"
    )
    assert response.status_code == 403
    issue.refresh_from_db()
    assert (issue.status, issue.department) == (HotIssue.Status.CANDIDATE, None)


def test_assign_to_an_unknown_department_is_a_400(world: World, issue: HotIssue) -> None:
    response = api(world.leader).post(
        f"/api/hot-issues/{issue.pk}/assign/", {"department": 999999}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"department": ["请选择启用中的单位。"]}


def test_the_coordinated_answer_by_api(world: World, pothole: list[Case], issue: HotIssue) -> None:
    for case in pothole:
        dispatch.case_dispatch(
            case_id=case.pk,
            actor=world.dispatcher,
            department_id=world.city_roads.pk,
            category_id=world.road_repair.pk,
        )
        handling.case_sign(case_id=case.pk, actor=world.liaison)
    api(world.leader).post(
        f"/api/hot-issues/{issue.pk}/assign/", {"department": world.city_roads.pk}, format="json"
    )
    response = api(world.liaison).post(
        f"/api/hot-issues/{issue.pk}/answer/", {"body": ANSWER}, format="json"
    )
    assert response.status_code == 201
    answer = response.json()
    assert sorted(answer["cases"]) == sorted(c.tracking_no for c in pothole)
    assert (
        api(world.liaison).post(f"/api/hot-issues/answers/{answer['id']}/approve/").status_code
        == 403
    )
    assert (
        api(world.head).post(f"/api/hot-issues/answers/{answer['id']}/approve/").status_code == 200
    )
    response = api(world.dispatcher).post(f"/api/hot-issues/answers/{answer['id']}/publish/")
    assert response.status_code == 200
    assert response.json()["state"] == "published"
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in pothole]).values_list("status", flat=True)
    ) == {Status.REPLIED}


def test_a_short_answer_is_a_400_with_the_reason(world: World, issue: HotIssue) -> None:
    api(world.leader).post(
        f"/api/hot-issues/{issue.pk}/assign/", {"department": world.city_roads.pk}, format="json"
    )
    response = api(world.liaison).post(
        f"/api/hot-issues/{issue.pk}/answer/", {"body": "已处理"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"body": ["答复内容过短：请说明办理情况。"]}


def test_list_queries_do_not_grow_with_the_groups(world: World, pothole: list[Case]) -> None:
    client = api(world.leader)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/hot-issues/")
    with CaptureQueriesContext(connection) as again:
        client.get("/api/hot-issues/")
    assert len(again.captured_queries) == len(one.captured_queries) <= 8


def test_repeat_list_is_for_overseers(world: World, issue: HotIssue) -> None:
    assert api(world.supervisor).get("/api/hot-issues/repeats/").status_code == 200
    assert api(world.liaison).get("/api/hot-issues/repeats/").status_code == 403
    assert api(world.citizen).get("/api/hot-issues/repeats/").status_code == 403


# --- support -----------------------------------------------------------------------------


def test_support_by_api_once(world: World, pothole: list[Case]) -> None:
    case = walk(world, pothole[0], PATHS[Status.REPLIED])
    supporter = make_user(Role.CITIZEN)
    client = api(supporter)
    response = client.post(f"/api/cases/{case.tracking_no}/support/")
    assert response.status_code == 201
    assert response.json() == {"tracking_no": case.tracking_no, "support": 1}
    again = client.post(f"/api/cases/{case.tracking_no}/support/")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "您已经附议过这条留言。"
    assert CaseSupport.objects.count() == 1
    assert api().get(f"/api/cases/{case.tracking_no}/support/").json()["support"] == 1


def test_support_of_an_unpublished_case_is_not_found(world: World, pothole: list[Case]) -> None:
    response = api(world.other_citizen).post(f"/api/cases/{pothole[1].tracking_no}/support/")
    assert response.status_code == 404
    assert api().post(f"/api/cases/{pothole[1].tracking_no}/support/").status_code == 401
    assert not CaseSupport.objects.exists()


def test_a_department_sees_only_the_cases_it_holds_or_assists(
    world: World, pothole: list[Case], issue: HotIssue
) -> None:
    held = dispatch.case_dispatch(
        case_id=pothole[1].pk,
        actor=world.dispatcher,
        department_id=world.east_roads.pk,
        category_id=world.road_repair.pk,
    )
    api(world.leader).post(
        f"/api/hot-issues/{issue.pk}/assign/", {"department": world.city_roads.pk}, format="json"
    )
    listed = api(world.liaison).get(f"/api/hot-issues/{issue.pk}/").json()["cases_list"]
    # The east office's case (city roads now assists it); the queued ones stay private.
    assert [c["tracking_no"] for c in listed] == [held.tracking_no]
    everything = api(world.leader).get(f"/api/hot-issues/{issue.pk}/").json()["cases_list"]
    assert len(everything) == 4
