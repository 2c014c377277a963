"""The department's pages: the liaison's inbox and case actions, the head's approvals."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from interaction.models import Case, CaseEvent, ExtensionRequest, InfoRequest, Reply, ReturnRequest
from interaction.states import Status
from tests.factories import World, submit

from .conftest import dispatched, drafted, handling_case, page, text


def test_inbox_lists_my_departments_cases_with_deadline_badges(client, world: World):
    on_time = dispatched(world, subject="按时的")
    late = dispatched(world, subject="超期的")
    Case.objects.filter(pk=late.pk).update(
        reply_deadline=timezone.now() - dt.timedelta(days=1),
        warn_at=timezone.now() - dt.timedelta(days=3),
    )
    other = submit(world.citizen, subject="别的部门的")
    body = text(page(client, world.liaison, "/department/inbox/"))
    assert on_time.tracking_no in body
    assert late.tracking_no in body
    assert other.tracking_no not in body
    assert 'class="badge overdue"' in body
    assert 'class="badge ok"' in body
    # Most urgent first.
    assert body.index(late.tracking_no) < body.index(on_time.tracking_no)


def test_inbox_is_not_for_citizens_or_dispatchers(client, world: World):
    assert page(client, world.citizen, "/department/inbox/").status_code == 403
    assert page(client, world.dispatcher, "/department/inbox/").status_code == 403


def test_liaison_of_another_department_gets_404_on_the_case(client, world: World):
    case = dispatched(world)
    assert page(client, world.housing_liaison, case.get_absolute_url()).status_code == 404
    response = client.post(reverse("frontend:case-sign", args=[case.tracking_no]))
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED


def test_case_page_offers_only_the_actions_of_the_current_state(client, world: World):
    case = dispatched(world)
    body = text(page(client, world.liaison, case.get_absolute_url()))
    assert 'name="do_sign"' in body
    assert 'name="do_return"' in body
    assert 'name="do_draft_reply"' not in body
    assert 'name="do_start"' not in body


def test_liaison_signs_starts_and_drafts_through_the_pages(client, world: World):
    case = dispatched(world)
    client.force_login(world.liaison)
    client.post(reverse("frontend:case-sign", args=[case.tracking_no]))
    client.post(reverse("frontend:case-start", args=[case.tracking_no]))
    response = client.post(
        reverse("frontend:case-draft-reply", args=[case.tracking_no]),
        {"body": "已安排施工队于本周内修补路面。"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.REPLY_DRAFTED
    assert case.replies.get().body == "已安排施工队于本周内修补路面。"
    actions = list(case.events.exclude(to_status="").values_list("action", flat=True))
    assert actions[-3:] == ["sign", "start", "draft_reply"]


def test_signing_twice_shows_the_services_message(client, world: World, english):
    case = dispatched(world)
    client.force_login(world.liaison)
    url = reverse("frontend:case-sign", args=[case.tracking_no])
    client.post(url)
    response = client.post(url, follow=True)
    assert "This action is not possible in the case&#x27;s current state." in text(response)


def test_short_reply_keeps_the_text_and_shows_the_exact_message(client, world: World, english):
    case = handling_case(world)
    client.force_login(world.liaison)
    response = client.post(
        reverse("frontend:case-draft-reply", args=[case.tracking_no]), {"body": "已处理"}
    )
    body = text(response)
    assert response.status_code == 200
    assert "The reply is too short: say what was done." in body
    assert "已处理</textarea>" in body
    assert not Reply.objects.filter(case=case).exists()


def test_return_with_reason_code_and_text(client, world: World, english):
    case = dispatched(world)
    client.force_login(world.liaison)
    url = reverse("frontend:case-return", args=[case.tracking_no])
    response = client.post(url, {"reason_code": "", "reason_text": "属东城区"})
    body = text(response)
    assert "Choose why the case is not yours: territory, function or ownership." in body
    assert "属东城区" in body
    client.post(url, {"reason_code": "territory", "reason_text": "属东城区"})
    case.refresh_from_db()
    assert case.status == Status.RETURNED
    request = ReturnRequest.objects.get(case=case)
    assert (request.reason_code, request.reason_text) == ("territory", "属东城区")


def test_request_info_from_the_citizen(client, world: World):
    case = handling_case(world)
    client.force_login(world.liaison)
    client.post(
        reverse("frontend:case-request-info", args=[case.tracking_no]),
        {"question": "请提供具体位置照片。"},
    )
    case.refresh_from_db()
    assert case.status == Status.AWAITING_CITIZEN
    assert InfoRequest.objects.get(case=case).question == "请提供具体位置照片。"
    # The citizen now sees the question and the form to answer it.
    body = text(page(client, world.citizen, case.get_absolute_url()))
    assert "请提供具体位置照片。" in body
    assert 'name="do_provide_info"' in body


def test_request_extension(client, world: World, english):
    case = handling_case(world)
    client.force_login(world.liaison)
    url = reverse("frontend:case-request-extension", args=[case.tracking_no])
    response = client.post(url, {"days": 5, "reason": ""})
    assert "Give the reason for the extension." in text(response)
    client.post(url, {"days": 5, "reason": "需要协调施工单位"})
    request = ExtensionRequest.objects.get(case=case)
    assert (request.days_requested, request.reason) == (5, "需要协调施工单位")
    body = text(client.get(case.get_absolute_url()))
    assert 'name="do_extension"' not in body  # one pending request at a time


def test_confidential_writer_is_hidden_from_the_department(client, world: World):
    case = dispatched(
        world, keep_identity_secret=True, contact_name="张先生", contact_phone="13800138000"
    )
    body = text(page(client, world.liaison, case.get_absolute_url()))
    assert "13800138000" not in body
    assert "张先生" not in body
    assert world.citizen.display_name not in body
    assert "13800138000" in text(page(client, world.dispatcher, case.get_absolute_url()))


def test_approvals_list_and_approve(client, world: World):
    case = drafted(world)
    other = drafted(world, subject="另一件")
    Case.objects.filter(pk=other.pk).update(lead_department=world.east_roads)
    body = text(page(client, world.head, "/department/approvals/"))
    assert case.tracking_no in body
    assert other.tracking_no not in body
    response = client.post(
        reverse("frontend:case-approve-reply", args=[case.tracking_no]),
        {"next": "/department/approvals/"},
    )
    assert response["Location"] == "/department/approvals/"
    case.refresh_from_db()
    assert case.status == Status.REPLY_APPROVED
    assert case.replies.get().approved_by == world.head


def test_head_sends_back_with_a_note(client, world: World, english):
    case = drafted(world)
    client.force_login(world.head)
    url = reverse("frontend:case-reject-reply", args=[case.tracking_no])
    assert "Say what must change in the reply." in text(client.post(url, {"note": "  "}))
    client.post(url, {"note": "请补充完工日期"})
    case.refresh_from_db()
    assert case.status == Status.HANDLING
    assert case.replies.get().note == "请补充完工日期"
    assert CaseEvent.objects.filter(case=case, action="reject_reply", actor=world.head).exists()


def test_approvals_are_for_heads_only(client, world: World):
    case = drafted(world)
    assert page(client, world.liaison, "/department/approvals/").status_code == 403
    response = client.post(reverse("frontend:case-approve-reply", args=[case.tracking_no]))
    assert response.status_code == 403
    assert page(client, world.east_head, case.get_absolute_url()).status_code == 404
    case.refresh_from_db()
    assert case.status == Status.REPLY_DRAFTED
