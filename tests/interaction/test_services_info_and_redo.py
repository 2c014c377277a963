"""Asking the citizen for more (补充材料), the evaluation, and the redo (重办) it may cause.

How the pause moves the deadline across holidays is in test_deadlines.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from interaction.errors import InvalidTransition, NotAllowed, ValidationFailed
from interaction.models import Case, Evaluation, InfoRequest, Notification, Reply
from interaction.services import evaluation, handling
from interaction.states import Status
from tests.factories import World

from .scenarios import ANSWER, QUESTION, REPLIED_PATH, do_redo, reach, walk


@pytest.fixture
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def messages(caught: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    with translation.override("en"):
        return {k: [str(m) for m in v] for k, v in caught.value.errors.items()}


# --- 补充材料 -----------------------------------------------------------------------------------


def test_request_info_needs_a_question(world: World) -> None:
    case = reach(world, Status.HANDLING)
    with pytest.raises(ValidationFailed) as caught:
        handling.case_request_info(case_id=case.pk, actor=world.liaison, question=" ")
    assert messages(caught) == {"question": ["Say what information is needed."]}


def test_request_info_waits_for_the_citizen(world: World, english) -> None:
    case = reach(world, Status.SIGNED)
    handling.case_request_info(case_id=case.pk, actor=world.head, question=QUESTION)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_CITIZEN
    request = case.info_requests.get()
    assert (request.question, request.asked_by, request.answered_at) == (QUESTION, world.head, None)
    told = Notification.objects.get(recipient=world.citizen, verb="info_requested")
    assert told.text == (
        f"Case {case.tracking_no}: the department needs more information: {QUESTION}"
    )


def test_citizen_answers_and_the_department_hears(world: World, english) -> None:
    case = reach(world, Status.AWAITING_CITIZEN)
    with pytest.raises(ValidationFailed) as caught:
        handling.case_provide_info(case_id=case.pk, actor=world.citizen, answer="  ")
    assert messages(caught) == {"answer": ["Please write the information asked for."]}
    handling.case_provide_info(case_id=case.pk, actor=world.citizen, answer=f" {ANSWER} ")
    case.refresh_from_db()
    assert case.status == Status.HANDLING
    request = InfoRequest.objects.get(case=case)
    assert request.answer == ANSWER
    assert request.answered_at is not None
    assert set(
        Notification.objects.filter(verb="info_provided").values_list("recipient", flat=True)
    ) == {world.liaison.pk, world.head.pk}


def test_anonymous_writer_answers_through_the_private_link_only(world: World) -> None:
    case = reach(world, Status.AWAITING_CITIZEN, citizen=None)
    with pytest.raises(NotAllowed):
        handling.case_provide_info(case_id=case.pk, actor=None, token="guess", answer=ANSWER)
    with pytest.raises(NotAllowed):
        handling.case_provide_info(case_id=case.pk, actor=world.other_citizen, answer=ANSWER)
    handling.case_provide_info(case_id=case.pk, actor=None, token=case.access_token, answer=ANSWER)
    assert Case.objects.get(pk=case.pk).status == Status.HANDLING


# --- evaluation ---------------------------------------------------------------------------------


def test_evaluation_is_validated(world: World) -> None:
    case = reach(world, Status.REPLIED)
    with pytest.raises(ValidationFailed) as caught:
        evaluation.case_evaluate(
            case_id=case.pk,
            actor=world.citizen,
            attitude="great",
            result="",
            solved=True,
            comment="好" * 1001,
        )
    assert messages(caught) == {
        "attitude": ["Rate the department's attitude."],
        "result": ["Rate the result."],
        "comment": ["The comment is too long: at most 1,000 characters."],
    }
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("result", ["satisfied", "basically"])
def test_satisfied_result_closes_the_case(world: World, result: str) -> None:
    case = reach(world, Status.REPLIED)
    evaluation.case_evaluate(
        case_id=case.pk,
        actor=world.citizen,
        attitude="unsatisfied",
        result=result,
        solved=True,
        comment=" 修得很快 ",
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None
    rating = case.evaluations.get()
    assert (rating.stage_no, rating.attitude, rating.result, rating.comment) == (
        1,
        "unsatisfied",
        result,
        "修得很快",
    )
    assert Notification.objects.filter(recipient=world.liaison, verb="evaluated").exists()


def test_a_case_is_rated_only_once(world: World) -> None:
    case = reach(world, Status.CLOSED)
    for result in ("satisfied", "unsatisfied"):
        with pytest.raises(InvalidTransition):
            evaluation.case_evaluate(
                case_id=case.pk,
                actor=world.citizen,
                attitude="satisfied",
                result=result,
                solved=True,
            )
    assert case.evaluations.count() == 1


# --- 重办 ---------------------------------------------------------------------------------------


def test_unsatisfied_result_sends_the_case_back_as_a_redo(world: World, english) -> None:
    case = reach(world, Status.REPLIED)
    do_redo(world, case)
    case.refresh_from_db()
    assert (case.status, case.stage_no, case.redo_count) == (Status.HANDLING, 2, 1)
    assert (case.extension_days, case.paused_days, case.supervision_level) == (0, 0, 0)
    row = case.events.get(action="redo")
    assert (row.from_status, row.to_status, row.actor, row.reason) == (
        "replied",
        "handling",
        world.citizen,
        "路面仍未修好。",
    )
    assert row.data == {"attitude": "basically", "result": "unsatisfied", "solved": False}
    told = Notification.objects.get(recipient=world.liaison, verb="redo")
    assert told.text == (
        f"Case {case.tracking_no} must be redone: the citizen is not satisfied with the result."
    )


def test_redo_runs_a_second_stage_with_its_own_reply_and_evaluation(world: World) -> None:
    case = reach(world, Status.REPLIED)
    case = walk(world, case, [do_redo, *REPLIED_PATH[3:]])  # draft, approve, publish again
    assert case.status == Status.REPLIED
    assert list(case.replies.values_list("stage_no", "state")) == [
        (1, Reply.State.PUBLISHED),
        (2, Reply.State.PUBLISHED),
    ]
    evaluation.case_evaluate(
        case_id=case.pk, actor=world.citizen, attitude="satisfied", result="satisfied", solved=True
    )
    assert list(case.evaluations.order_by("stage_no").values_list("stage_no", "result")) == [
        (1, "unsatisfied"),
        (2, "satisfied"),
    ]
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_third_redo_makes_a_problem_case(world: World) -> None:
    case = reach(world, Status.REPLIED)
    again = [do_redo, *REPLIED_PATH[3:]]
    case = walk(world, case, [*again, *again])
    assert (case.redo_count, case.is_problem) == (2, False)
    case = walk(world, case, [do_redo])
    assert (case.redo_count, case.is_problem) == (3, True)
    assert case.events.get(action="problem_case").data == {"returns": 0, "redos": 3}
    assert Notification.objects.filter(recipient=world.supervisor, verb="problem_case").exists()
