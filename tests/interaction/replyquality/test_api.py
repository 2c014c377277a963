"""Reply quality in the API: the staff's case detail and review queues have it; the citizen and
the public never do; the per-department figures are for leaders only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from interaction.models import Case, Reply
from interaction.services import handling, review
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import reach

WEAK_REPLY = "您好，您的留言已收到，谢谢。"
GOOD_REPLY = (
    "您好，经现场核查，花园路与经三路交叉口路面确有大坑和坑洼，雨天积水，车辆经过存在危险。根据"
    "《中原市城市道路管理办法》第二十条规定，我局已于今日安排施工队修补路面、疏通积水，预计本周五"
    "前完工。联系电话：0371-66668888。"
)


def client_for(user=None) -> APIClient:
    client = APIClient()  # the default language: Simplified Chinese
    if user is not None:
        client.force_authenticate(user)
    return client


def drafted(world: World, body: str = WEAK_REPLY) -> Case:
    case = reach(world, Status.HANDLING)
    handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=body)
    return Case.objects.get(pk=case.pk)


def test_staff_read_the_quality_of_every_reply_in_the_case_detail(world: World):
    case = drafted(world)
    for user in (world.head, world.liaison, world.dispatcher, world.supervisor):
        data = client_for(user).get(f"/api/cases/{case.tracking_no}/").json()
        (reply,) = data["replies"]
        quality = reply["quality"]
        assert quality["weak"] is True, user
        assert quality["overall"] == 0.15
        assert quality["weak_by"] == ["overall", "relevance", "completeness"]
        assert (quality["relevance"], quality["timeliness"]) == (0.0, 1.0)
        assert [r["code"] for r in quality["reasons"]][:2] == ["low_relevance", "points_missed"]
        assert quality["reasons"][1] == {
            "code": "points_missed",
            "text": "留言中的 1 项诉求有 1 项未回应：“请尽快维修。”",
            "points": ["请尽快维修。"],
            "missed": 1,
            "total": 1,
        }
        assert quality["reasons"][4] == {
            "code": "no_contact",
            "text": "未提供联系方式（电话、办公室或联系人）。",
        }


def test_the_citizen_and_the_public_never_get_the_quality(world: World):
    case = drafted(world)
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    assert Reply.objects.get(case=case).quality_weak is True

    own = client_for(world.citizen).get(f"/api/cases/{case.tracking_no}/").json()
    public = client_for().get(f"/api/cases/{case.tracking_no}/").json()
    other = client_for(world.other_citizen).get(f"/api/cases/{case.tracking_no}/").json()
    for data in (own, public, other):
        (reply,) = data["replies"]
        assert reply["quality"] is None
        assert "weak" not in str(data)


def test_the_review_queues_carry_the_current_reply_and_its_quality(world: World):
    weak = drafted(world)
    good = drafted(world, GOOD_REPLY)

    rows = client_for(world.head).get("/api/queues/approvals/").json()["results"]
    by_case = {row["tracking_no"]: row["reply"] for row in rows}
    assert by_case[weak.tracking_no]["quality"]["weak"] is True
    assert by_case[good.tracking_no]["quality"]["weak"] is False
    assert by_case[good.tracking_no]["quality"]["overall"] == 1.0
    assert by_case[weak.tracking_no]["state"] == "draft"

    review.case_approve_reply(case_id=weak.pk, actor=world.head)
    (row,) = client_for(world.dispatcher).get("/api/queues/reviews/").json()["results"]
    assert row["tracking_no"] == weak.tracking_no
    assert row["reply"]["state"] == "approved"
    assert row["reply"]["quality"]["reasons"][0]["code"] == "low_relevance"


def test_the_review_queue_reads_replies_in_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries
):
    for _ in range(3):
        drafted(world)
    client = client_for(world.head)
    with django_assert_max_num_queries(12):
        rows = client.get("/api/queues/approvals/").json()["results"]
    assert len(rows) == 3


def test_the_queues_with_quality_stay_closed_to_other_roles(world: World):
    drafted(world)
    assert client_for(world.citizen).get("/api/queues/approvals/").status_code == 403
    assert client_for(world.liaison).get("/api/queues/reviews/").status_code == 403
    assert client_for().get("/api/queues/reviews/").status_code in (401, 403)


def test_leaders_get_the_reply_quality_per_department(world: World):
    drafted(world)
    drafted(world, GOOD_REPLY)
    response = client_for(world.leader).get("/api/insights/reply-quality/", {"period": "month"})
    assert response.status_code == 200, response.content
    data = response.json()
    (row,) = data["departments"]
    assert row["id"] == world.city_roads.pk
    assert row["name"] == "市城管局"
    assert (row["scored"], row["weak"], row["published_weak"]) == (2, 1, 0)
    assert row["weak_share"] == 0.5
    assert row["mean_overall"] == pytest.approx((0.15 + 1.0) / 2)
    assert data["total"]["scored"] == 2
    assert data["total"]["name"] == "全部单位"


def test_the_figures_are_for_leaders_supervisors_and_admins_only(world: World):
    for user in (world.citizen, world.liaison, world.head, world.dispatcher):
        response = client_for(user).get("/api/insights/reply-quality/")
        assert response.status_code == 403, user
        assert response.json()["error"]["code"] == "not_allowed"
    for user in (world.supervisor, world.admin):
        assert client_for(user).get("/api/insights/reply-quality/").status_code == 200


def test_the_figures_refuse_a_bad_period_in_chinese(world: World):
    response = client_for(world.leader).get("/api/insights/reply-quality/", {"period": "decade"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["period"] == ["请选择周、月、年或自定义时段。"]
    response = client_for(world.leader).get(
        "/api/insights/reply-quality/", {"jurisdiction": "999999"}
    )
    assert response.json()["error"]["fields"]["jurisdiction"] == ["没有这个辖区。"]
