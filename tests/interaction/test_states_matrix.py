"""The whole transition table, role by role, through the real services.

For every action and every source state: the roles the table allows succeed and leave the right
audit row; every other role (and the platform itself, and an anonymous writer holding the case's
private link) gets NotAllowed and changes nothing. From every other state the action raises
InvalidTransition. Object rules (which department, whose case) are checked at the end.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.organisation.models import Membership
from interaction.errors import InvalidTransition, NotAllowed
from interaction.models import Case, CaseEvent
from interaction.services import dispatch, evaluation, handling, review
from interaction.services.common import lock_case
from interaction.services.dispatch import dispatch_locked
from interaction.states import SYSTEM, TRANSITIONS, Action, Status, allowed_actions
from interaction.workflow import apply_transition
from tests.factories import World, make_user, submit

from .scenarios import ANSWER, QUESTION, REPLY_TEXT, reach

ANONYMOUS = "anonymous-with-token"
PARTICIPANTS = [*Role.values, ANONYMOUS, SYSTEM]
DEPARTMENT_ROLES = {Role.LIAISON, Role.HEAD}


def persona(world: World, who: str) -> User | None:
    people: dict[str, User] = {
        Role.CITIZEN: world.citizen,  # the author of every case below
        Role.DISPATCHER: world.dispatcher,
        Role.LIAISON: world.liaison,  # of the lead department
        Role.HEAD: world.head,  # of the lead department
        Role.SUPERVISOR: world.supervisor,
        Role.LEADER: world.leader,
        Role.ADMIN: world.admin,
    }
    return people.get(who)


def may(action: Action, who: str) -> bool:
    roles = TRANSITIONS[action].roles
    return who in roles or (who == ANONYMOUS and Role.CITIZEN in roles)


def expected_role(who: str) -> str:
    return Role.CITIZEN if who == ANONYMOUS else who


def raw_transition(case: Case, action: Action, actor: User | None, as_role: str | None) -> None:
    """The table itself, for actions without a service for this participant."""
    with transaction.atomic():
        locked = lock_case(case.pk)
        apply_transition(locked, action=action, actor=actor, as_role=as_role)


def act(world: World, case: Case, action: Action, who: str, *, earlier: Case) -> None:
    """Take `action` on `case` as `who`, through the service a real caller would use."""
    actor = persona(world, who)
    token = case.access_token if who == ANONYMOUS else None
    if who == SYSTEM:
        if action == Action.DISPATCH:  # routing's automatic dispatch
            with transaction.atomic():
                dispatch_locked(
                    lock_case(case.pk),
                    actor=None,
                    department=world.city_roads,
                    category=world.road_repair,
                )
        elif action == Action.CLOSE_UNRATED:
            closed = evaluation.close_unrated(now=timezone.now() + timedelta(days=30))
            if not closed:
                raise InvalidTransition()
        else:
            raw_transition(case, action, None, None)
        return
    anyone: Any = actor  # services type their actor as User; the anonymous writer passes None
    calls = {
        Action.DISPATCH: lambda: dispatch.case_dispatch(
            case_id=case.pk,
            actor=anyone,
            department_id=world.city_roads.pk,
            category_id=world.road_repair.pk,
        ),
        Action.SIGN: lambda: handling.case_sign(case_id=case.pk, actor=anyone),
        Action.START: lambda: handling.case_start(case_id=case.pk, actor=anyone),
        Action.RETURN: lambda: handling.case_return(
            case_id=case.pk, actor=anyone, reason_code="territory", reason_text="不在本辖区。"
        ),
        Action.ACCEPT_RETURN: lambda: dispatch.case_accept_return(
            case_id=case.pk, actor=anyone, department_id=world.housing_dept.pk
        ),
        Action.REJECT_RETURN: lambda: dispatch.case_reject_return(
            case_id=case.pk, actor=anyone, note="按派单目录属你单位职责。"
        ),
        Action.REQUEST_INFO: lambda: handling.case_request_info(
            case_id=case.pk, actor=anyone, question=QUESTION
        ),
        Action.PROVIDE_INFO: lambda: handling.case_provide_info(
            case_id=case.pk, actor=anyone, token=token, answer=ANSWER
        ),
        Action.DRAFT_REPLY: lambda: handling.case_draft_reply(
            case_id=case.pk, actor=anyone, body=REPLY_TEXT
        ),
        Action.APPROVE_REPLY: lambda: review.case_approve_reply(case_id=case.pk, actor=anyone),
        Action.REJECT_REPLY: lambda: review.case_reject_reply(
            case_id=case.pk, actor=anyone, note="请写明施工时间。"
        ),
        Action.PUBLISH_REPLY: lambda: review.case_publish_reply(case_id=case.pk, actor=anyone),
        Action.REWORK_REPLY: lambda: review.case_rework_reply(
            case_id=case.pk, actor=anyone, note="答复未回应诉求。"
        ),
        Action.EVALUATE: lambda: evaluation.case_evaluate(
            case_id=case.pk,
            actor=anyone,
            token=token,
            attitude="satisfied",
            result="basically",
            solved=True,
        ),
        Action.REDO: lambda: evaluation.case_evaluate(
            case_id=case.pk,
            actor=anyone,
            token=token,
            attitude="satisfied",
            result="unsatisfied",
            solved=False,
        ),
        Action.CLOSE_UNRATED: lambda: raw_transition(
            case, action, actor, Role.CITIZEN if who == ANONYMOUS else None
        ),
        Action.CLOSE_INVALID: lambda: dispatch.case_close_invalid(
            case_id=case.pk, actor=anyone, reason="与政务无关。"
        ),
        Action.MERGE: lambda: dispatch.case_merge(
            case_id=case.pk, actor=anyone, into_id=earlier.pk
        ),
    }
    calls[action]()


def transition_rows(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).exclude(to_status=""))


ALLOWED_CASES = [
    pytest.param(action, source, who, id=f"{action.value}-from-{source.value}-by-{who}")
    for action, transition in TRANSITIONS.items()
    for source in sorted(transition.sources)
    for who in PARTICIPANTS
]


@pytest.mark.parametrize(("action", "source", "who"), ALLOWED_CASES)
def test_action_from_source_state_by_each_participant(
    world: World, action: Action, source: Status, who: str
) -> None:
    earlier = submit(world.other_citizen)
    case = reach(world, source)
    rows_before = transition_rows(case)
    transition = TRANSITIONS[action]

    if not may(action, who):
        with pytest.raises(NotAllowed):
            act(world, case, action, who, earlier=earlier)
        assert Case.objects.get(pk=case.pk).status == source
        assert transition_rows(case) == rows_before
        return

    act(world, case, action, who, earlier=earlier)
    case.refresh_from_db()
    assert case.status == transition.target
    rows = transition_rows(case)
    assert len(rows) == len(rows_before) + 1
    row = rows[-1]
    assert (row.action, row.from_status, row.to_status) == (
        action.value,
        source.value,
        transition.target.value,
    )
    assert row.actor == persona(world, who)
    assert row.actor_role == expected_role(who)


INVALID_CASES = [
    pytest.param(action, status, id=f"{action.value}-from-{status.value}")
    for action, transition in TRANSITIONS.items()
    for status in Status
    if status not in transition.sources
]


def first_allowed(action: Action) -> str:
    roles = TRANSITIONS[action].roles
    return next(who for who in PARTICIPANTS if who in roles)


@pytest.mark.parametrize(("action", "status"), INVALID_CASES)
def test_action_from_other_state_is_invalid(world: World, action: Action, status: Status) -> None:
    earlier = submit(world.other_citizen)
    case = reach(world, status)
    rows_before = transition_rows(case)
    who = first_allowed(action)
    # A case no department holds is none of a department's business: that is refused first.
    expected: type[Exception] = InvalidTransition
    if who in DEPARTMENT_ROLES and case.lead_department_id is None:
        expected = NotAllowed
    with pytest.raises(expected):
        act(world, case, action, who, earlier=earlier)
    assert Case.objects.get(pk=case.pk).status == status
    assert transition_rows(case) == rows_before


def test_every_status_but_the_terminal_ones_has_a_way_out() -> None:
    terminal = {Status.CLOSED, Status.INVALID, Status.MERGED}
    for status in Status:
        outgoing = [a for a, t in TRANSITIONS.items() if status in t.sources]
        assert bool(outgoing) == (status not in terminal), status


def test_allowed_actions_reads_the_table() -> None:
    assert allowed_actions(Status.HANDLING, Role.LIAISON) == [
        Action.RETURN,
        Action.REQUEST_INFO,
        Action.DRAFT_REPLY,
    ]
    assert allowed_actions(Status.REPLY_DRAFTED, Role.LIAISON) == []
    assert allowed_actions(Status.REPLY_DRAFTED, Role.HEAD) == [
        Action.APPROVE_REPLY,
        Action.REJECT_REPLY,
    ]
    assert allowed_actions(Status.REPLIED, SYSTEM) == [Action.CLOSE_UNRATED]
    assert allowed_actions(Status.SUBMITTED, Role.SUPERVISOR) == []


# --- object rules: the right role is not enough ----------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.DISPATCHED, Action.SIGN),
        (Status.SIGNED, Action.START),
        (Status.HANDLING, Action.RETURN),
        (Status.HANDLING, Action.REQUEST_INFO),
        (Status.HANDLING, Action.DRAFT_REPLY),
    ],
)
def test_liaison_of_another_department_may_not_act(
    world: World, status: Status, action: Action
) -> None:
    case = reach(world, status)
    for outsider in (world.east_liaison, world.housing_liaison, world.east_head):
        world_as = _with_department_persona(world, outsider)
        with pytest.raises(NotAllowed):
            act(world_as, case, action, outsider.role, earlier=case)
    assert Case.objects.get(pk=case.pk).status == status


def test_assisting_department_may_see_but_not_sign(world: World) -> None:
    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
        assisting_ids=[world.housing_dept.pk],
    )
    with pytest.raises(NotAllowed):
        handling.case_sign(case_id=case.pk, actor=world.housing_liaison)
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


@pytest.mark.parametrize("action", [Action.APPROVE_REPLY, Action.REJECT_REPLY])
def test_only_a_head_of_the_lead_department_signs_off_replies(world: World, action: Action) -> None:
    case = reach(world, Status.REPLY_DRAFTED)
    head_as_liaison = make_user(
        Role.HEAD, department=world.city_roads, position=Membership.Position.LIAISON
    )
    for outsider in (world.east_head, head_as_liaison):
        with pytest.raises(NotAllowed):
            act(_with_department_persona(world, outsider), case, action, Role.HEAD, earlier=case)
    assert Case.objects.get(pk=case.pk).status == Status.REPLY_DRAFTED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.AWAITING_CITIZEN, Action.PROVIDE_INFO),
        (Status.REPLIED, Action.EVALUATE),
        (Status.REPLIED, Action.REDO),
    ],
)
def test_citizen_acts_only_on_their_own_case(world: World, status: Status, action: Action) -> None:
    case = reach(world, status)
    stranger = _with_department_persona(world, world.other_citizen)
    with pytest.raises(NotAllowed):
        act(stranger, case, action, Role.CITIZEN, earlier=case)
    wrong_token = Case(access_token="not-the-token")
    with pytest.raises(NotAllowed):
        act(world, _token_of(case, wrong_token), action, ANONYMOUS, earlier=case)
    assert Case.objects.get(pk=case.pk).status == status


def test_anonymous_writer_with_the_link_answers_for_an_anonymous_case(world: World) -> None:
    case = reach(world, Status.AWAITING_CITIZEN, citizen=None)
    handling.case_provide_info(case_id=case.pk, actor=None, token=case.access_token, answer=ANSWER)
    row = transition_rows(case)[-1]
    assert (row.action, row.actor, row.actor_role) == ("provide_info", None, Role.CITIZEN)


def test_inactive_dispatcher_may_not_dispatch(world: World) -> None:
    world.dispatcher.is_active = False
    world.dispatcher.save()
    case = submit(world.citizen)
    with pytest.raises(NotAllowed):
        act(world, case, Action.DISPATCH, Role.DISPATCHER, earlier=case)


def _with_department_persona(world: World, user: User) -> World:
    """The same world where `user` plays their role's persona."""
    from dataclasses import replace

    field = {
        Role.LIAISON: "liaison",
        Role.HEAD: "head",
        Role.CITIZEN: "citizen",
    }[Role(user.role)]
    return replace(world, **{field: user})


def _token_of(case: Case, holder: Case) -> Case:
    """`case` as seen by someone whose link carries `holder`'s token."""
    fake = Case.objects.get(pk=case.pk)
    fake.access_token = holder.access_token
    return fake
