"""Extensions (延期): the department asks before its deadline, a supervisor decides.

Deadline arithmetic of a granted extension across the holidays is in test_deadlines.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from interaction.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from interaction.models import Case, ExtensionRequest, Notification
from interaction.services import handling, supervision
from interaction.sms import MemorySmsBackend
from interaction.states import Status
from tests.factories import World

from .scenarios import reach


@pytest.fixture
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.WENZHENG_SMS_BACKEND = "interaction.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()


def text(error: Exception) -> str:
    with translation.override("en"):
        return str(getattr(error, "message", error))


def messages(caught: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    with translation.override("en"):
        return {k: [str(m) for m in v] for k, v in caught.value.errors.items()}


def ask(world: World, case: Case, days: int = 5, actor=None) -> ExtensionRequest:
    return handling.extension_request(
        case_id=case.pk, actor=actor or world.liaison, days=days, reason="需多部门联合勘查。"
    )


@pytest.mark.parametrize(
    ("days", "reason", "expected"),
    [
        (0, "理由", {"days": ["Ask for between 1 and 30 working days."]}),
        (31, "理由", {"days": ["Ask for between 1 and 30 working days."]}),
        (3, "  ", {"reason": ["Give the reason for the extension."]}),
    ],
)
def test_request_is_validated(world: World, days: int, reason: str, expected) -> None:
    case = reach(world, Status.HANDLING)
    with pytest.raises(ValidationFailed) as caught:
        handling.extension_request(case_id=case.pk, actor=world.liaison, days=days, reason=reason)
    assert messages(caught) == expected
    assert not ExtensionRequest.objects.exists()


def test_request_is_recorded_and_supervisors_told(world: World, english) -> None:
    case = reach(world, Status.HANDLING)
    request = ask(world, case, actor=world.head)
    assert (request.days_requested, request.department, request.requested_by, request.stage_no) == (
        5,
        world.city_roads,
        world.head,
        1,
    )
    assert request.decision == ExtensionRequest.Decision.PENDING
    row = case.events.get(action="extension_requested")
    assert (row.is_public, row.data, row.reason) == (False, {"days": 5}, "需多部门联合勘查。")
    told = Notification.objects.get(recipient=world.supervisor, verb="extension_requested")
    assert told.text == f"市城管局 asks 5 more working days for case {case.tracking_no}."


@pytest.mark.parametrize("who", ["east_liaison", "housing_liaison", "dispatcher", "citizen"])
def test_only_the_lead_department_may_ask(world: World, who: str) -> None:
    case = reach(world, Status.HANDLING)
    with pytest.raises(NotAllowed):
        ask(world, case, actor=getattr(world, who))


@pytest.mark.parametrize("status", [Status.AWAITING_CITIZEN, Status.REPLIED, Status.CLOSED])
def test_no_extension_while_the_clock_is_not_running(world: World, status: Status) -> None:
    case = reach(world, status)
    with pytest.raises(InvalidTransition):
        ask(world, case)


def test_one_pending_request_at_a_time(world: World) -> None:
    case = reach(world, Status.HANDLING)
    ask(world, case)
    with pytest.raises(Conflict) as caught:
        ask(world, case, days=2)
    assert text(caught.value) == "An extension request for this case is already pending."
    assert case.extension_requests.count() == 1


@pytest.mark.parametrize("who", ["liaison", "head", "dispatcher", "leader", "citizen"])
def test_only_a_supervisor_decides(world: World, who: str) -> None:
    case = reach(world, Status.HANDLING)
    request = ask(world, case)
    with pytest.raises(NotAllowed):
        supervision.extension_decide(request_id=request.pk, actor=getattr(world, who), grant=True)
    request.refresh_from_db()
    assert request.decision == ExtensionRequest.Decision.PENDING


def test_grant_at_most_the_days_asked(world: World) -> None:
    case = reach(world, Status.HANDLING)
    request = ask(world, case, days=5)
    for days in (0, 6):
        # The message is formatted when raised: raise it in English to compare it in English.
        with translation.override("en"), pytest.raises(ValidationFailed) as caught:
            supervision.extension_decide(
                request_id=request.pk, actor=world.supervisor, grant=True, days=days
            )
        assert messages(caught) == {"days": ["Grant between 1 and the 5 days asked for."]}
    assert Case.objects.get(pk=case.pk).extension_days == 0


def test_grant_for_fewer_days_tells_the_anonymous_citizen_by_sms_after_commit(
    world: World, english, django_capture_on_commit_callbacks
) -> None:
    case = reach(world, Status.HANDLING, citizen=None, contact_phone="13700002222")
    request = ask(world, case, days=5)
    with django_capture_on_commit_callbacks(execute=True):
        decided = supervision.extension_decide(
            request_id=request.pk, actor=world.supervisor, grant=True, days=2, note="酌情给予"
        )
    assert (decided.decision, decided.days_granted, decided.decided_by) == (
        ExtensionRequest.Decision.GRANTED,
        2,
        world.supervisor,
    )
    case.refresh_from_db()
    assert case.extension_days == 2
    deadline = case.events.get(action="extension_granted").data["deadline"]
    assert MemorySmsBackend.outbox == [
        (
            "13700002222",
            f"Case {case.tracking_no} was given 2 more working days; "
            f"the new deadline is {deadline}.",
        )
    ]
    assert case.events.get(action="extension_granted").is_public
    # Decided: no second decision, and the department may ask again.
    with pytest.raises(InvalidTransition) as caught:
        supervision.extension_decide(request_id=request.pk, actor=world.supervisor, grant=False)
    assert text(caught.value) == "This extension request has already been decided."
    ask(world, case, days=1)


def test_denial_needs_a_reason_and_keeps_the_deadline(world: World, english) -> None:
    case = reach(world, Status.HANDLING)
    request = ask(world, case)
    with pytest.raises(ValidationFailed) as caught:
        supervision.extension_decide(request_id=request.pk, actor=world.supervisor, grant=False)
    assert messages(caught) == {"note": ["Say why the extension is denied."]}
    supervision.extension_decide(
        request_id=request.pk, actor=world.supervisor, grant=False, note="时限内可办结。"
    )
    after = Case.objects.get(pk=case.pk)
    assert (after.extension_days, after.reply_deadline) == (0, case.reply_deadline)
    row = after.events.get(action="extension_denied")
    assert (row.is_public, row.reason) == (False, "时限内可办结。")
    told = Notification.objects.get(recipient=world.liaison, verb="extension_denied")
    assert told.text == f"Extension for case {case.tracking_no} denied: 时限内可办结。"
    assert not Notification.objects.filter(recipient=world.citizen, verb__startswith="extension")


def test_an_extension_cannot_be_granted_once_the_case_has_moved_on(world: World, english) -> None:
    from interaction.services import review

    case = reach(world, Status.HANDLING)
    request = handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=3, reason="需要协调多个部门。"
    )
    handling.case_draft_reply(
        case_id=case.pk, actor=world.liaison, body="已完成处理，路面已修复，如有问题请来电。"
    )
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    with pytest.raises(InvalidTransition) as caught:
        supervision.extension_decide(request_id=request.pk, actor=world.supervisor, grant=True)
    assert text(caught.value) == (
        "The case is no longer being handled at the stage this extension was asked for."
    )
    # Denying still settles it, so it leaves the supervisor's board.
    supervision.extension_decide(
        request_id=request.pk, actor=world.supervisor, grant=False, note="工单已答复。"
    )
