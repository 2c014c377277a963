"""Leaders confirm and assign; the assigned department answers once for every case; citizens
support published cases once. Who may NOT, too."""

from __future__ import annotations

import pytest

from backend.accounts.models import Role
from interaction.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from interaction.hotspots import answers, services
from interaction.hotspots.grouping import Grouper
from interaction.hotspots.models import CaseSupport, CoordinatedAnswer, HotIssue, HotIssueEvent
from interaction.models import Case, CaseEvent, Notification, Reply
from interaction.services import dispatch, handling
from interaction.states import Status
from tests.factories import World, make_user
from tests.interaction.scenarios import PATHS, walk

from .conftest import the_group

ANSWER = "市城管局已组织施工队对花园路与经三路交叉口路面进行修补，预计本周五前完工。"


def to(world: World, case: Case, status: Status) -> Case:
    return walk(world, case, PATHS[status])


@pytest.fixture
def issue(world: World, pothole: list[Case]) -> HotIssue:
    return the_group(pothole[0])


# --- confirm ---------------------------------------------------------------------------------


def test_a_leader_confirms_a_group(world: World, issue: HotIssue) -> None:
    hot = services.hot_issue_confirm(hot_issue_id=issue.pk, actor=world.leader, note="重点关注")
    assert hot.status == HotIssue.Status.CONFIRMED
    assert hot.confirmed_by == world.leader
    event = HotIssueEvent.objects.get(hot_issue=issue)
    assert (event.action, event.actor, event.data) == (
        "confirmed",
        world.leader,
        {"note": "重点关注"},
    )


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "liaison", "head", "citizen"])
def test_only_leaders_and_admins_confirm(world: World, issue: HotIssue, who: str) -> None:
    with pytest.raises(NotAllowed):
        services.hot_issue_confirm(hot_issue_id=issue.pk, actor=getattr(world, who))
    issue.refresh_from_db()
    assert issue.status == HotIssue.Status.CANDIDATE


def test_an_admin_may_confirm(world: World, issue: HotIssue) -> None:
    services.hot_issue_confirm(hot_issue_id=issue.pk, actor=world.admin)
    issue.refresh_from_db()
    assert issue.is_pinned


# --- assign ----------------------------------------------------------------------------------


def test_assigning_dispatches_waiting_cases_and_marks_the_others(
    world: World, pothole: list[Case], issue: HotIssue
) -> None:
    # One case is with the east district roads office already, one is closed, two wait.
    held = dispatch.case_dispatch(
        case_id=pothole[1].pk,
        actor=world.dispatcher,
        department_id=world.east_roads.pk,
        category_id=world.road_repair.pk,
    )
    Case.objects.filter(pk=pothole[2].pk).update(predicted_category=world.road_repair)
    hot = services.hot_issue_assign(
        hot_issue_id=issue.pk, actor=world.leader, department_id=world.city_roads.pk, note="牵头"
    )
    assert hot.status == HotIssue.Status.CONFIRMED
    assert hot.department == world.city_roads
    dispatched = Case.objects.get(pk=pothole[2].pk)
    assert dispatched.status == Status.DISPATCHED
    assert dispatched.lead_department == world.city_roads
    rows = list(dispatched.events.values_list("action", "actor_role").order_by("pk"))
    assert ("hot_issue_assigned", Role.LEADER) in rows
    assert ("dispatch", "system") in rows
    # No category for the first case: it stays in the dispatcher's queue.
    assert Case.objects.get(pk=pothole[0].pk).status == Status.SUBMITTED
    # The east office keeps its case; the city office assists and sees it.
    held.refresh_from_db()
    assert held.lead_department == world.east_roads
    assert held.status == Status.DISPATCHED
    assert world.city_roads in held.assisting_departments.all()
    assert CaseEvent.objects.filter(case=held, action="hot_issue_assigned").count() == 1
    assert Notification.objects.filter(recipient=world.east_liaison, verb="hot_issue").exists()
    assert Notification.objects.filter(recipient=world.head, verb="hot_issue").exists()
    event = HotIssueEvent.objects.get(hot_issue=issue, action="assigned")
    assert event.data["dispatched"] == [dispatched.tracking_no]
    assert event.data["assisting"] == [held.tracking_no]


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "liaison", "head", "citizen"])
def test_only_leaders_and_admins_assign(world: World, issue: HotIssue, who: str) -> None:
    with pytest.raises(NotAllowed):
        services.hot_issue_assign(
            hot_issue_id=issue.pk, actor=getattr(world, who), department_id=world.city_roads.pk
        )
    issue.refresh_from_db()
    assert issue.department is None


def test_assigning_to_an_inactive_department_is_refused(world: World, issue: HotIssue) -> None:
    world.housing_dept.is_active = False
    world.housing_dept.save()
    with pytest.raises(ValidationFailed) as exc:
        services.hot_issue_assign(
            hot_issue_id=issue.pk, actor=world.leader, department_id=world.housing_dept.pk
        )
    assert str(exc.value.message) == "请选择启用中的单位。"


# --- the coordinated answer ------------------------------------------------------------------


@pytest.fixture
def assigned(world: World, pothole: list[Case], issue: HotIssue) -> HotIssue:
    """Three cases with city roads (one dispatched, two being handled), one with east roads."""
    for case in pothole[:3]:
        dispatch.case_dispatch(
            case_id=case.pk,
            actor=world.dispatcher,
            department_id=world.city_roads.pk,
            category_id=world.road_repair.pk,
        )
    for case in pothole[1:3]:
        handling.case_sign(case_id=case.pk, actor=world.liaison)
        handling.case_start(case_id=case.pk, actor=world.liaison)
    dispatch.case_dispatch(
        case_id=pothole[3].pk,
        actor=world.dispatcher,
        department_id=world.east_roads.pk,
        category_id=world.road_repair.pk,
    )
    return services.hot_issue_assign(
        hot_issue_id=issue.pk, actor=world.leader, department_id=world.city_roads.pk
    )


def test_one_answer_goes_through_every_case_of_the_department(
    world: World, pothole: list[Case], assigned: HotIssue
) -> None:
    answer = answers.answer_draft(hot_issue_id=assigned.pk, actor=world.liaison, body=ANSWER)
    covered = sorted(c.pk for c in pothole[:3])
    assert sorted(answer.cases.values_list("pk", flat=True)) == covered
    assert answer.skipped == [{"case": pothole[3].tracking_no, "reason": "other_department"}]
    for case in Case.objects.filter(pk__in=covered):
        assert case.status == Status.REPLY_DRAFTED
        assert case.replies.get().body == ANSWER
    # The dispatched one was signed for first, by the same liaison, with its own audit row.
    assert CaseEvent.objects.filter(case=pothole[0], action="sign", actor=world.liaison).exists()

    answers.answer_approve(answer_id=answer.pk, actor=world.head)
    assert set(Case.objects.filter(pk__in=covered).values_list("status", flat=True)) == {
        Status.REPLY_APPROVED
    }
    answer = answers.answer_publish(answer_id=answer.pk, actor=world.dispatcher)
    assert answer.state == CoordinatedAnswer.State.PUBLISHED
    for case in Case.objects.filter(pk__in=covered):
        assert case.status == Status.REPLIED
        assert case.replies.get().state == Reply.State.PUBLISHED
        actions = list(case.events.values_list("action", flat=True))
        assert actions[-3:] == ["draft_reply", "approve_reply", "publish_reply"]
    # The other department's case is untouched.
    assert Case.objects.get(pk=pothole[3].pk).status == Status.DISPATCHED
    steps = list(HotIssueEvent.objects.filter(hot_issue=assigned).values_list("action", flat=True))
    assert steps[-3:] == ["answer_drafted", "answer_approved", "answer_published"]


@pytest.mark.parametrize("who", ["east_liaison", "housing_liaison", "dispatcher", "leader"])
def test_only_the_assigned_department_writes_the_answer(
    world: World, assigned: HotIssue, who: str
) -> None:
    with pytest.raises(NotAllowed):
        answers.answer_draft(hot_issue_id=assigned.pk, actor=getattr(world, who), body=ANSWER)
    assert not CoordinatedAnswer.objects.exists()
    assert not Reply.objects.exists()


def test_only_the_head_approves_and_only_the_platform_passes(
    world: World, assigned: HotIssue
) -> None:
    answer = answers.answer_draft(hot_issue_id=assigned.pk, actor=world.liaison, body=ANSWER)
    for who in (world.liaison, world.east_head, world.leader):
        with pytest.raises(NotAllowed):
            answers.answer_approve(answer_id=answer.pk, actor=who)
    with pytest.raises(InvalidTransition):  # not approved yet
        answers.answer_publish(answer_id=answer.pk, actor=world.dispatcher)
    answers.answer_approve(answer_id=answer.pk, actor=world.head)
    for who in (world.head, world.leader, world.admin):
        with pytest.raises(NotAllowed):
            answers.answer_publish(answer_id=answer.pk, actor=who)


def test_a_second_answer_while_one_is_under_way_conflicts(world: World, assigned: HotIssue) -> None:
    answers.answer_draft(hot_issue_id=assigned.pk, actor=world.liaison, body=ANSWER)
    with pytest.raises(Conflict) as exc:
        answers.answer_draft(hot_issue_id=assigned.pk, actor=world.head, body=ANSWER)
    assert str(exc.value.message) == "该热点问题的统一答复正在办理中。"


def test_a_too_short_answer_changes_nothing(world: World, assigned: HotIssue) -> None:
    with pytest.raises(ValidationFailed):
        answers.answer_draft(hot_issue_id=assigned.pk, actor=world.liaison, body="已处理")
    assert not Reply.objects.exists()
    assert Case.objects.filter(status=Status.REPLY_DRAFTED).count() == 0


def test_the_head_sends_the_answer_back_for_every_case(world: World, assigned: HotIssue) -> None:
    answer = answers.answer_draft(hot_issue_id=assigned.pk, actor=world.liaison, body=ANSWER)
    answer = answers.answer_reject(answer_id=answer.pk, actor=world.head, note="请写明完工日期。")
    assert answer.state == CoordinatedAnswer.State.SENT_BACK
    assert set(answer.cases.values_list("status", flat=True)) == {Status.HANDLING}
    # A new answer can then be written.
    again = answers.answer_draft(hot_issue_id=assigned.pk, actor=world.liaison, body=ANSWER)
    assert again.cases.count() == 3


def test_the_platform_sends_the_answer_back_for_rework(world: World, assigned: HotIssue) -> None:
    answer = answers.answer_draft(hot_issue_id=assigned.pk, actor=world.liaison, body=ANSWER)
    answers.answer_approve(answer_id=answer.pk, actor=world.head)
    answer = answers.answer_rework(
        answer_id=answer.pk, actor=world.dispatcher, note="补充联系电话。"
    )
    assert answer.state == CoordinatedAnswer.State.SENT_BACK
    assert set(answer.cases.values_list("status", flat=True)) == {Status.HANDLING}


def test_without_an_assignment_nobody_answers(world: World, issue: HotIssue) -> None:
    with pytest.raises(NotAllowed):
        answers.answer_draft(hot_issue_id=issue.pk, actor=world.liaison, body=ANSWER)


def test_nothing_to_answer_is_said(world: World, issue: HotIssue) -> None:
    services.hot_issue_assign(
        hot_issue_id=issue.pk, actor=world.leader, department_id=world.housing_dept.pk
    )
    with pytest.raises(InvalidTransition) as exc:
        answers.answer_draft(hot_issue_id=issue.pk, actor=world.housing_liaison, body=ANSWER)
    assert str(exc.value.message) == "该热点问题没有由贵部门承办的未办结案件。"


# --- support (附议) --------------------------------------------------------------------------


def published(world: World, pothole: list[Case]) -> Case:
    return to(world, pothole[0], Status.REPLIED)


def test_a_citizen_supports_a_published_case_once(
    world: World, pothole: list[Case], grouper: Grouper
) -> None:
    case = published(world, pothole)
    supporter = make_user(Role.CITIZEN)
    assert services.case_support(case_id=case.pk, actor=supporter) == 1
    assert the_group(case).support_count == 1
    with pytest.raises(Conflict) as exc:
        services.case_support(case_id=case.pk, actor=supporter)
    assert str(exc.value.message) == "您已经附议过这条留言。"
    assert CaseSupport.objects.count() == 1
    assert services.case_support(case_id=case.pk, actor=world.other_citizen) == 2


def test_support_is_refused_for_unpublished_own_or_staff(world: World, pothole: list[Case]) -> None:
    with pytest.raises(NotAllowed) as exc:
        services.case_support(case_id=pothole[1].pk, actor=world.other_citizen)
    assert str(exc.value.message) == "只能附议已公开的留言。"
    case = published(world, pothole)
    author = case.citizen
    assert author is not None
    with pytest.raises(NotAllowed) as exc:
        services.case_support(case_id=case.pk, actor=author)
    assert str(exc.value.message) == "不能附议自己的留言。"
    with pytest.raises(NotAllowed) as exc:
        services.case_support(case_id=case.pk, actor=world.leader)
    assert str(exc.value.message) == "只有市民可以附议。"
    assert not CaseSupport.objects.exists()
