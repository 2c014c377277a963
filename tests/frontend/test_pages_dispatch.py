"""The dispatcher's pages: the queue with suggestions, dispatching, closing, merging, returns,
and the review of replies."""

from __future__ import annotations

from django.urls import reverse

from interaction.models import Case, CaseEvent, Reply, ReturnRequest
from interaction.services import handling
from interaction.states import Status
from tests.factories import World, submit

from .conftest import approved, dispatched, page, text


def _suggest(case: Case, world: World) -> None:
    """What the classifier would have stored at intake (no model exists in tests)."""
    Case.objects.filter(pk=case.pk).update(
        suggestions=[
            {
                "category_id": world.road_repair.pk,
                "category": "城乡建设 / 道路维修",
                "confidence": 0.62,
                "department_id": world.east_roads.pk,
                "department": world.east_roads.name,
            },
            {
                "category_id": world.housing.pk,
                "category": "住房保障",
                "confidence": 0.21,
                "department_id": world.housing_dept.pk,
                "department": world.housing_dept.name,
            },
        ]
    )


def test_queue_shows_new_and_returned_cases_with_suggestions(client, world: World):
    new = submit(world.citizen, subject="新来的留言")
    _suggest(new, world)
    returned = dispatched(world, subject="被退回的留言")
    handling.case_return(
        case_id=returned.pk,
        actor=world.liaison,
        reason_code="territory",
        reason_text="该路段属东城区管辖。",
    )
    running = dispatched(world, subject="已经派出的留言")
    body = text(page(client, world.dispatcher, "/dispatch/queue/"))
    assert new.tracking_no in body
    assert returned.tracking_no in body
    assert running.tracking_no not in body
    assert "62%" in body
    assert world.east_roads.name in body
    assert "该路段属东城区管辖。" in body


def test_queue_is_for_dispatchers_only(client, world: World):
    assert page(client, world.liaison, "/dispatch/queue/").status_code == 403
    assert page(client, world.head, "/dispatch/reviews/").status_code == 403
    assert page(client, world.supervisor, "/dispatch/queue/").status_code == 403


def test_one_click_dispatch_to_a_suggestion(client, world: World):
    case = submit(world.citizen)
    _suggest(case, world)
    client.force_login(world.dispatcher)
    response = client.post(
        reverse("frontend:case-dispatch", args=[case.tracking_no]),
        {
            "category": world.road_repair.pk,
            "department": world.east_roads.pk,
            "next": "/dispatch/queue/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/dispatch/queue/"
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert (case.lead_department, case.category) == (world.east_roads, world.road_repair)
    assert case.category_confirmed
    assert case.reply_deadline is not None


def test_next_must_stay_on_this_site(client, world: World):
    case = submit(world.citizen)
    client.force_login(world.dispatcher)
    response = client.post(
        reverse("frontend:case-dispatch", args=[case.tracking_no]),
        {
            "category": world.road_repair.pk,
            "department": world.east_roads.pk,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == case.get_absolute_url()


def test_manual_dispatch_with_assisting_departments(client, world: World):
    case = submit(world.citizen)
    client.force_login(world.dispatcher)
    body = text(client.get(case.get_absolute_url()))
    assert 'name="do_dispatch"' in body
    assert 'name="do_close_invalid"' in body
    client.post(
        reverse("frontend:case-dispatch", args=[case.tracking_no]),
        {
            "category": world.road_repair.pk,
            "department": world.city_roads.pk,
            "assisting": [world.housing_dept.pk],
            "note": "请住房局协助",
        },
    )
    case.refresh_from_db()
    assert case.lead_department == world.city_roads
    assert list(case.assisting_departments.all()) == [world.housing_dept]
    assert CaseEvent.objects.get(case=case, action="dispatch").reason == "请住房局协助"


def test_dispatch_without_department_shows_the_exact_message(client, world: World, english):
    case = submit(world.citizen)
    client.force_login(world.dispatcher)
    response = client.post(
        reverse("frontend:case-dispatch", args=[case.tracking_no]),
        {"category": world.road_repair.pk, "department": "", "note": "先看看"},
    )
    body = text(response)
    assert "Choose an active department." in body
    assert 'value="先看看"' in body
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_close_as_spam_needs_a_reason_and_then_closes(client, world: World, english):
    case = submit(world.citizen)
    client.force_login(world.dispatcher)
    url = reverse("frontend:case-close-invalid", args=[case.tracking_no])
    assert "Give the reason shown to the citizen." in text(client.post(url, {"reason": " "}))
    client.post(url, {"reason": "广告信息"})
    case.refresh_from_db()
    assert case.status == Status.INVALID
    assert case.closure_reason == "广告信息"
    # The citizen sees why.
    assert "广告信息" in text(page(client, world.citizen, case.get_absolute_url()))


def test_merge_into_an_earlier_case(client, world: World, english):
    first = submit(world.citizen, subject="第一封")
    second = submit(world.other_citizen, subject="第二封")
    Case.objects.filter(pk=first.pk).update(created_at=second.created_at.replace(year=2020))
    client.force_login(world.dispatcher)
    url = reverse("frontend:case-merge", args=[second.tracking_no])
    assert "No case has this tracking number." in text(client.post(url, {"into": "NOPE"}))
    client.post(url, {"into": first.tracking_no.lower()})
    second.refresh_from_db()
    assert second.status == Status.MERGED
    assert second.merged_into_id == first.pk


def test_merge_into_a_later_case_shows_the_services_message(client, world: World, english):
    first = submit(world.citizen, subject="第一封")
    second = submit(world.other_citizen, subject="第二封")
    Case.objects.filter(pk=first.pk).update(created_at=second.created_at.replace(year=2020))
    client.force_login(world.dispatcher)
    response = client.post(
        reverse("frontend:case-merge", args=[first.tracking_no]), {"into": second.tracking_no}
    )
    assert "Choose an earlier case to merge into." in text(response)
    first.refresh_from_db()
    assert first.status == Status.SUBMITTED


def test_accept_return_redispatches_elsewhere(client, world: World, english):
    case = dispatched(world)
    handling.case_return(
        case_id=case.pk, actor=world.liaison, reason_code="territory", reason_text="属东城区"
    )
    client.force_login(world.dispatcher)
    body = text(client.get(case.get_absolute_url()))
    assert 'name="do_accept_return"' in body
    assert 'name="do_reject_return"' in body
    response = client.post(
        reverse("frontend:case-accept-return", args=[case.tracking_no]),
        {"department": world.city_roads.pk, "category": world.road_repair.pk},
    )
    assert "Choose another department than the one that returned it." in text(response)
    client.post(
        reverse("frontend:case-accept-return", args=[case.tracking_no]),
        {"department": world.east_roads.pk, "category": world.road_repair.pk},
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.lead_department == world.east_roads
    assert ReturnRequest.objects.get(case=case).decision == ReturnRequest.Decision.ACCEPTED


def test_reject_return_sends_it_back(client, world: World):
    case = dispatched(world)
    handling.case_return(
        case_id=case.pk, actor=world.liaison, reason_code="function", reason_text="不是我们的职能"
    )
    client.force_login(world.dispatcher)
    client.post(
        reverse("frontend:case-reject-return", args=[case.tracking_no]),
        {"note": "道路维修属城管职能"},
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.lead_department == world.city_roads
    assert ReturnRequest.objects.get(case=case).decision_note == "道路维修属城管职能"


def test_reviews_list_and_pass(client, world: World):
    case = approved(world)
    body = text(page(client, world.dispatcher, "/dispatch/reviews/"))
    assert case.tracking_no in body
    assert "已安排施工队" in body
    response = client.post(
        reverse("frontend:case-publish-reply", args=[case.tracking_no]),
        {"next": "/dispatch/reviews/"},
    )
    assert response["Location"] == "/dispatch/reviews/"
    case.refresh_from_db()
    assert case.status == Status.REPLIED
    assert case.replies.get().state == Reply.State.PUBLISHED


def test_review_send_back_needs_a_note(client, world: World, english):
    case = approved(world)
    client.force_login(world.dispatcher)
    url = reverse("frontend:case-rework-reply", args=[case.tracking_no])
    assert "Say what must change in the reply." in text(client.post(url, {"note": ""}))
    client.post(url, {"note": "请写明完工时间"})
    case.refresh_from_db()
    assert case.status == Status.HANDLING
    assert case.replies.get().note == "请写明完工时间"


def test_dispatch_action_is_forbidden_to_a_liaison(client, world: World):
    case = submit(world.citizen)
    client.force_login(world.liaison)
    response = client.post(
        reverse("frontend:case-dispatch", args=[case.tracking_no]),
        {"category": world.road_repair.pk, "department": world.city_roads.pk},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
