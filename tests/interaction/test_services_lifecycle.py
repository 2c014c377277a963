"""The whole lifecycle through the services, with the audit rows it leaves."""

from __future__ import annotations

import pytest

from interaction.models import Case, CaseEvent, Reply
from interaction.services import dispatch, evaluation, handling, review
from interaction.states import Status
from tests.factories import World, submit


def test_case_goes_from_submission_to_closed(world: World, django_capture_on_commit_callbacks):
    case = submit(world.citizen)
    assert case.status == Status.SUBMITTED
    assert case.tracking_no
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    handling.case_start(case_id=case.pk, actor=world.liaison)
    handling.case_draft_reply(
        case_id=case.pk,
        actor=world.liaison,
        body="已安排施工队于本周内修补路面，如有问题请致电12345。",
    )
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    evaluation.case_evaluate(
        case_id=case.pk, actor=world.citizen, attitude="satisfied", result="satisfied", solved=True
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.is_published
    assert case.replies.get().state == Reply.State.PUBLISHED
    transitions = list(
        CaseEvent.objects.filter(case=case)
        .exclude(to_status="")
        .values_list("action", "from_status", "to_status", "actor__username")
    )
    assert transitions == [
        ("submitted", "", "submitted", "zhang"),
        ("dispatch", "submitted", "dispatched", "dispatch"),
        ("sign", "dispatched", "signed", "roads_liaison"),
        ("start", "signed", "handling", "roads_liaison"),
        ("draft_reply", "handling", "reply_drafted", "roads_liaison"),
        ("approve_reply", "reply_drafted", "reply_approved", "roads_head"),
        ("publish_reply", "reply_approved", "replied", "dispatch"),
        ("evaluate", "replied", "closed", "zhang"),
    ]
    assert Case.objects.get(pk=case.pk).reply_deadline is not None


def test_audit_rows_cannot_be_edited_or_deleted(world: World):
    case = submit(world.citizen)
    event = case.events.get()
    event.reason = "tampered"
    with pytest.raises(Exception, match="cannot be edited"):
        event.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        event.delete()
