"""Supervision pages: the board, extension decisions, and the printable supervision notice."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from interaction.models import Case, ExtensionRequest, SupervisionLevel, SupervisionNotice
from interaction.services import handling, supervision
from tests.factories import World

from .conftest import dispatched, handling_case, page, text


def _overdue(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(
        reply_deadline=timezone.now() - dt.timedelta(days=2),
        warn_at=timezone.now() - dt.timedelta(days=4),
    )


def _extension(world: World, days: int = 5) -> ExtensionRequest:
    case = handling_case(world)
    return handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=days, reason="需要协调施工单位"
    )


def test_board_shows_overdue_by_department_and_problem_cases(client, world: World):
    late = dispatched(world, subject="超期的留言")
    _overdue(late)
    dispatched(world, subject="按时的留言")
    problem = dispatched(world, subject="反复退回的留言")
    Case.objects.filter(pk=problem.pk).update(is_problem=True)
    body = text(page(client, world.supervisor, "/supervision/board/"))
    assert world.city_roads.name in body
    # city roads: 3 running, 1 overdue
    assert '<td class="num">3</td><td class="num">1</td>' in body
    assert late.tracking_no in body
    assert problem.tracking_no in body


def test_board_is_for_supervisors_and_leaders(client, world: World):
    assert page(client, world.leader, "/supervision/board/").status_code == 200
    for user in (world.citizen, world.liaison, world.head, world.dispatcher):
        assert page(client, user, "/supervision/board/").status_code == 403


def test_supervisor_grants_fewer_days_than_asked(client, world: World):
    request = _extension(world, days=5)
    before = Case.objects.get(pk=request.case_id).reply_deadline
    body = text(page(client, world.supervisor, "/supervision/board/"))
    assert "需要协调施工单位" in body
    assert 'name="do_grant"' in body
    response = client.post(
        reverse("frontend:extension-decide", args=[request.pk]),
        {"decision": "grant", "days": 3},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.decision, request.days_granted) == ("granted", 3)
    case = Case.objects.get(pk=request.case_id)
    assert case.extension_days == 3
    assert case.reply_deadline > before


def test_granting_more_days_than_asked_shows_the_exact_message(client, world: World, english):
    request = _extension(world, days=5)
    client.force_login(world.supervisor)
    response = client.post(
        reverse("frontend:extension-decide", args=[request.pk]),
        {"decision": "grant", "days": 8},
    )
    body = text(response)
    assert response.status_code == 200
    assert "Grant between 1 and the 5 days asked for." in body
    assert 'value="8"' in body
    request.refresh_from_db()
    assert request.decision == "pending"


def test_denying_needs_a_note(client, world: World, english):
    request = _extension(world)
    client.force_login(world.supervisor)
    url = reverse("frontend:extension-decide", args=[request.pk])
    assert "Say why the extension is denied." in text(client.post(url, {"decision": "deny"}))
    client.post(url, {"decision": "deny", "note": "理由不充分"})
    request.refresh_from_db()
    assert (request.decision, request.decision_note) == ("denied", "理由不充分")


def test_leader_board_is_read_only(client, world: World):
    request = _extension(world)
    body = text(page(client, world.leader, "/supervision/board/"))
    assert "需要协调施工单位" in body
    assert 'name="do_grant"' not in body
    assert 'name="do_deny"' not in body
    response = client.post(
        reverse("frontend:extension-decide", args=[request.pk]), {"decision": "grant", "days": 1}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.decision == "pending"


def _noticed(world: World) -> SupervisionNotice:
    case = dispatched(world, subject="超期未办的留言")
    supervision.supervise(now=case.notice_at + dt.timedelta(hours=1), digests=False)
    return SupervisionNotice.objects.get(case=case, level=SupervisionLevel.NOTICE)


def test_supervision_notice_document_is_printable(client, world: World):
    notice = _noticed(world)
    url = reverse("frontend:notice-document", args=[notice.pk])
    body = text(page(client, world.supervisor, url))
    assert notice.document_no
    assert notice.document_no in body
    assert notice.case.tracking_no in body
    assert "超期未办的留言" in body
    assert world.city_roads.name in body
    assert "data-print" in body
    assert 'class="paper"' in body
    # Listed on the board and on the case page, with a link to the document.
    assert url in text(client.get("/supervision/board/"))
    assert url in text(client.get(notice.case.get_absolute_url()))


def test_notice_document_only_for_supervision_and_the_department(client, world: World):
    notice = _noticed(world)
    url = reverse("frontend:notice-document", args=[notice.pk])
    assert page(client, world.liaison, url).status_code == 200
    assert page(client, world.leader, url).status_code == 200
    assert page(client, world.housing_liaison, url).status_code == 404
    assert page(client, world.citizen, url).status_code == 404
    assert page(client, None, url).status_code == 302


def test_warning_has_no_document(client, world: World):
    notice = _noticed(world)
    warning = SupervisionNotice.objects.get(case=notice.case, level=SupervisionLevel.WARNING)
    url = reverse("frontend:notice-document", args=[warning.pk])
    assert page(client, world.supervisor, url).status_code == 404
