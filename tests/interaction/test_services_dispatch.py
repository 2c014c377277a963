"""The dispatcher's services: dispatch (with assisting departments and category labels), spam,
duplicates — and the events they publish after commit."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import translation

from interaction.errors import ValidationFailed
from interaction.models import Case, CaseEvent, Notification
from interaction.permissions import can_view
from interaction.services import dispatch, handling
from interaction.services.common import lock_case
from interaction.sms import MemorySmsBackend
from interaction.states import Status
from tests.factories import World, submit

from .scenarios import listen, reach, received


@pytest.fixture
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.WENZHENG_SMS_BACKEND = "interaction.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()


def message_of(caught: pytest.ExceptionInfo[ValidationFailed], name: str) -> str:
    with translation.override("en"):
        return str(caught.value.errors[name][0])


def with_prediction(case: Case, category) -> Case:
    """What routing leaves on a case the classifier was not sure about."""
    Case.objects.filter(pk=case.pk).update(predicted_category=category, prediction_confidence=0.6)
    return Case.objects.get(pk=case.pk)


# --- dispatch -----------------------------------------------------------------------------------


def test_dispatch_sets_department_category_and_assisting_departments(world: World, english) -> None:
    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
        assisting_ids=[world.housing_dept.pk, world.city_roads.pk],  # the lead is not assisting
        note="涉及住房小区道路",
    )
    case.refresh_from_db()
    assert (case.status, case.lead_department, case.category) == (
        Status.DISPATCHED,
        world.city_roads,
        world.road_repair,
    )
    assert case.category_confirmed
    assert list(case.assisting_departments.all()) == [world.housing_dept]
    assert can_view(world.housing_liaison, case)
    row = case.events.get(action="dispatch")
    assert row.reason == "涉及住房小区道路"
    assert row.data == {"department": "市城管局", "category": "road-repair"}
    assert set(
        Notification.objects.filter(verb="dispatched").values_list("recipient", flat=True)
    ) == {world.liaison.pk, world.head.pk}


def test_dispatch_refuses_an_inactive_department(world: World) -> None:
    world.east_roads.is_active = False
    world.east_roads.save()
    case = submit(world.citizen)
    with pytest.raises(ValidationFailed) as caught:
        dispatch.case_dispatch(
            case_id=case.pk,
            actor=world.dispatcher,
            department_id=world.east_roads.pk,
            category_id=world.road_repair.pk,
        )
    assert message_of(caught, "department") == "Choose an active department."
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_dispatch_needs_a_category_when_the_classifier_gave_none(world: World) -> None:
    case = submit(world.citizen)
    with pytest.raises(ValidationFailed) as caught:
        dispatch.case_dispatch(
            case_id=case.pk, actor=world.dispatcher, department_id=world.city_roads.pk
        )
    assert message_of(caught, "category") == "Choose a category."


def test_confirming_the_predicted_category_is_a_label_but_no_correction(world: World) -> None:
    case = with_prediction(submit(world.citizen), world.road_repair)
    dispatch.case_dispatch(
        case_id=case.pk, actor=world.dispatcher, department_id=world.city_roads.pk
    )
    case.refresh_from_db()
    assert case.category == world.road_repair
    assert case.category_confirmed
    assert not case.events.filter(action="recategorised").exists()


def test_correcting_the_predicted_category_is_recorded(world: World) -> None:
    case = with_prediction(submit(world.citizen), world.road_repair)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.housing_dept.pk,
        category_id=world.housing.pk,
    )
    case.refresh_from_db()
    assert case.category == world.housing
    assert case.predicted_category == world.road_repair  # the machine's answer is kept
    row = case.events.get(action="recategorised")
    assert (row.actor, row.is_public, row.data) == (
        world.dispatcher,
        False,
        {"from": "road-repair", "to": "housing"},
    )


def test_automatic_dispatch_is_not_a_confirmed_label(world: World) -> None:
    case = submit(world.citizen)
    with transaction.atomic():
        dispatch.dispatch_locked(
            lock_case(case.pk), actor=None, department=world.city_roads, category=world.road_repair
        )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert not case.category_confirmed
    row = case.events.get(action="dispatch")
    assert (row.actor, row.actor_role) == (None, "system")


def test_dispatch_is_published_only_after_commit(
    world: World, django_capture_on_commit_callbacks
) -> None:
    case = submit(world.citizen)
    channel = listen(f"department.{world.city_roads.pk}")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch.case_dispatch(
            case_id=case.pk,
            actor=world.dispatcher,
            department_id=world.city_roads.pk,
            category_id=world.road_repair.pk,
        )
    assert received(channel) == []
    for callback in callbacks:
        callback()
    (event,) = received(channel)
    assert (event["event"], event["case_id"], event["status"]) == (
        "dispatched",
        case.pk,
        "dispatched",
    )
    assert "body" not in event
    assert "contact_phone" not in event


# --- returns decided by the dispatcher are in test_services_returns --------------------------

# --- spam and out of scope ----------------------------------------------------------------------


def test_spam_is_closed_with_a_reason_the_citizen_sees(world: World, english) -> None:
    case = submit(world.citizen)
    dispatch.case_close_invalid(
        case_id=case.pk, actor=world.dispatcher, reason="  内容为广告信息，不予受理。  "
    )
    case.refresh_from_db()
    assert case.status == Status.INVALID
    assert case.closure_reason == "内容为广告信息，不予受理。"
    assert case.closed_at is not None
    row = case.events.get(action="close_invalid")
    assert (row.is_public, row.reason) == (True, "内容为广告信息，不予受理。")
    told = Notification.objects.get(recipient=world.citizen, verb="closed_invalid")
    assert (
        told.text == f"Your message {case.tracking_no} was not accepted: 内容为广告信息，不予受理。"
    )


def test_closing_as_invalid_needs_a_reason(world: World) -> None:
    case = submit(world.citizen)
    with pytest.raises(ValidationFailed) as caught:
        dispatch.case_close_invalid(case_id=case.pk, actor=world.dispatcher, reason="   ")
    assert message_of(caught, "reason") == "Give the reason shown to the citizen."
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_a_returned_case_may_be_closed_as_out_of_scope(world: World) -> None:
    case = reach(world, Status.RETURNED)
    dispatch.case_close_invalid(
        case_id=case.pk, actor=world.dispatcher, reason="属司法程序，请向法院反映。"
    )
    assert Case.objects.get(pk=case.pk).status == Status.INVALID


def test_anonymous_writer_is_told_by_sms_after_commit(
    world: World, english, django_capture_on_commit_callbacks
) -> None:
    case = submit(None, contact_phone="13900001111")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch.case_close_invalid(
            case_id=case.pk, actor=world.dispatcher, reason="重复无效信息。"
        )
    assert MemorySmsBackend.outbox == []
    for callback in callbacks:
        callback()
    assert MemorySmsBackend.outbox == [
        ("13900001111", f"Your message {case.tracking_no} was not accepted: 重复无效信息。")
    ]


# --- duplicates ---------------------------------------------------------------------------------


def test_duplicate_is_merged_into_the_earlier_case(world: World, english) -> None:
    original = submit(world.other_citizen)
    duplicate = submit(world.citizen)
    dispatch.case_merge(case_id=duplicate.pk, actor=world.dispatcher, into_id=original.pk)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED
    assert duplicate.merged_into == original
    assert duplicate.closure_reason == f"Merged into case {original.tracking_no}."
    row = duplicate.events.get(action="merge")
    assert row.data == {"into": original.tracking_no}
    told = Notification.objects.get(recipient=world.citizen, verb="merged")
    assert told.text == (
        f"Your message {duplicate.tracking_no} was merged into case {original.tracking_no}, "
        "which you can follow instead."
    )
    assert Case.objects.get(pk=original.pk).status == Status.SUBMITTED


def test_merge_only_into_an_earlier_original(world: World) -> None:
    first = submit(world.other_citizen)
    second = submit(world.citizen)
    third = submit(world.citizen)
    for into in (third.pk, second.pk, 999_999):
        with pytest.raises(ValidationFailed) as caught:
            dispatch.case_merge(case_id=second.pk, actor=world.dispatcher, into_id=into)
        assert message_of(caught, "into") == "Choose an earlier case to merge into."
    dispatch.case_merge(case_id=second.pk, actor=world.dispatcher, into_id=first.pk)
    with pytest.raises(ValidationFailed) as caught:
        dispatch.case_merge(case_id=third.pk, actor=world.dispatcher, into_id=second.pk)
    assert message_of(caught, "into") == "That case was itself merged; choose the original."
    assert Case.objects.get(pk=third.pk).status == Status.SUBMITTED
    assert not CaseEvent.objects.filter(case=third, action="merge").exists()


def test_closing_a_returned_case_as_spam_settles_its_return(world: World) -> None:
    from interaction.models import ReturnRequest

    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    handling.case_return(
        case_id=case.pk, actor=world.liaison, reason_code="function", reason_text="广告信息。"
    )
    dispatch.case_close_invalid(case_id=case.pk, actor=world.dispatcher, reason="广告信息。")
    request = ReturnRequest.objects.get(case=case)
    assert request.decision == ReturnRequest.Decision.ACCEPTED
    assert request.decided_by == world.dispatcher
