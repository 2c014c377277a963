"""Returns (退回): a reason code and text; the dispatcher accepts or rejects; problem cases."""

from __future__ import annotations

import pytest
from django.utils import translation

from interaction.errors import InvalidTransition, ValidationFailed
from interaction.models import Case, Notification, PlatformSettings, ReturnRequest
from interaction.selectors import department_inbox, dispatcher_queue
from interaction.services import dispatch, handling
from interaction.states import Status
from tests.factories import World

from .scenarios import REPLIED_PATH, do_redo, do_return, reach, walk


@pytest.fixture
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def messages(caught: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    with translation.override("en"):
        return {k: [str(m) for m in v] for k, v in caught.value.errors.items()}


def reject(world: World, case: Case) -> Case:
    return dispatch.case_reject_return(
        case_id=case.pk, actor=world.dispatcher, note="按派单目录属你单位职责。"
    )


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        (
            "weather",
            "不归我们管",
            {
                "reason_code": [
                    "Choose why the case is not yours: territory, function or ownership."
                ]
            },
        ),
        ("territory", "   ", {"reason_text": ["Explain why the case is not yours."]}),
        (
            "",
            "",
            {
                "reason_code": [
                    "Choose why the case is not yours: territory, function or ownership."
                ],
                "reason_text": ["Explain why the case is not yours."],
            },
        ),
    ],
)
def test_return_needs_a_reason_code_and_text(
    world: World, code: str, text: str, expected: dict[str, list[str]]
) -> None:
    case = reach(world, Status.HANDLING)
    with pytest.raises(ValidationFailed) as caught:
        handling.case_return(
            case_id=case.pk, actor=world.liaison, reason_code=code, reason_text=text
        )
    assert messages(caught) == expected
    assert Case.objects.get(pk=case.pk).status == Status.HANDLING
    assert not ReturnRequest.objects.exists()


@pytest.mark.parametrize("code", ["territory", "function", "ownership"])
def test_return_goes_to_the_dispatcher_with_its_reason(world: World, code: str, english) -> None:
    case = reach(world, Status.SIGNED)
    handling.case_return(
        case_id=case.pk, actor=world.liaison, reason_code=code, reason_text=" 不属本单位。 "
    )
    case.refresh_from_db()
    assert (case.status, case.return_count, case.is_problem) == (Status.RETURNED, 1, False)
    request = case.return_requests.get()
    assert (request.department, request.reason_code, request.reason_text, request.requested_by) == (
        world.city_roads,
        code,
        "不属本单位。",
        world.liaison,
    )
    assert request.decision == ReturnRequest.Decision.PENDING
    row = case.events.get(action="return")
    assert (row.is_public, row.reason, row.data) == (False, "不属本单位。", {"reason_code": code})
    told = Notification.objects.get(recipient=world.dispatcher, verb="returned")
    assert told.text == f"Case {case.tracking_no} was returned by 市城管局: 不属本单位。"
    assert case in dispatcher_queue(user=world.dispatcher)
    assert case not in department_inbox(user=world.liaison)


def test_accepted_return_re_dispatches_with_a_fresh_clock(world: World) -> None:
    case = reach(world, Status.RETURNED)
    old_clock = case.clock_started_at
    dispatch.case_accept_return(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.housing_dept.pk,
        category_id=world.housing.pk,
        note="改派住房局",
    )
    case.refresh_from_db()
    assert (case.status, case.lead_department, case.category) == (
        Status.DISPATCHED,
        world.housing_dept,
        world.housing,
    )
    assert case.clock_started_at is not None
    assert old_clock is not None
    assert case.clock_started_at >= old_clock
    request = case.return_requests.get()
    assert (request.decision, request.decided_by, request.decision_note) == (
        ReturnRequest.Decision.ACCEPTED,
        world.dispatcher,
        "改派住房局",
    )
    assert request.decided_at is not None
    row = case.events.get(action="accept_return")
    assert (row.from_status, row.to_status, row.actor) == (
        "returned",
        "dispatched",
        world.dispatcher,
    )
    assert Notification.objects.filter(recipient=world.housing_liaison, verb="dispatched").exists()


def test_accepted_return_must_go_to_another_department(world: World) -> None:
    case = reach(world, Status.RETURNED)
    with pytest.raises(ValidationFailed) as caught:
        dispatch.case_accept_return(
            case_id=case.pk, actor=world.dispatcher, department_id=world.city_roads.pk
        )
    assert messages(caught) == {
        "department": ["Choose another department than the one that returned it."]
    }
    assert case.return_requests.get().decision == ReturnRequest.Decision.PENDING


def test_rejected_return_forces_the_case_back_with_its_clock_running(world: World, english) -> None:
    case = reach(world, Status.RETURNED)
    deadline = case.reply_deadline
    with pytest.raises(ValidationFailed) as caught:
        dispatch.case_reject_return(case_id=case.pk, actor=world.dispatcher, note=" ")
    assert messages(caught) == {"note": ["Say why the return is rejected."]}

    reject(world, case)
    case.refresh_from_db()
    assert (case.status, case.lead_department) == (Status.DISPATCHED, world.city_roads)
    assert case.reply_deadline == deadline
    request = case.return_requests.get()
    assert request.decision == ReturnRequest.Decision.REJECTED
    told = Notification.objects.get(recipient=world.liaison, verb="return_rejected")
    assert told.text == (
        f"Your return of case {case.tracking_no} was rejected: 按派单目录属你单位职责。"
    )
    # Decided: a second decision finds nothing pending.
    with pytest.raises(InvalidTransition):
        reject(world, case)


def test_third_return_makes_a_problem_case_for_the_supervisor(world: World, english) -> None:
    case = reach(world, Status.RETURNED)
    case = walk(world, case, [reject, do_return, reject])
    assert not case.is_problem
    do_return(world, case)
    case.refresh_from_db()
    assert (case.return_count, case.is_problem) == (3, True)
    row = case.events.get(action="problem_case")
    assert (row.is_public, row.data) == (False, {"returns": 3, "redos": 0})
    told = Notification.objects.get(recipient=world.supervisor, verb="problem_case")
    assert told.text == (
        f"Case {case.tracking_no} has become a problem case (returned or redone 3 times)."
    )
    # Escalated once: a fourth return does not escalate again.
    walk(world, case, [reject, do_return])
    assert case.events.filter(action="problem_case").count() == 1


def test_returns_and_redos_count_together(world: World) -> None:
    case = reach(world, Status.RETURNED)
    case = walk(world, case, [reject, *REPLIED_PATH[1:], do_redo])
    assert (case.return_count, case.redo_count, case.is_problem) == (1, 1, False)
    case = walk(world, case, [do_return])
    assert (case.return_count, case.redo_count, case.is_problem) == (2, 1, True)


def test_problem_threshold_is_configurable(world: World) -> None:
    PlatformSettings.objects.update_or_create(pk=1, defaults={"problem_case_threshold": 1})
    case = reach(world, Status.RETURNED)
    assert case.is_problem
