"""Two people acting on one case at once: exactly one wins, the other gets a clear error."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from backend.accounts.models import Role
from interaction.errors import DomainError, InvalidTransition
from interaction.models import Case, CaseEvent
from interaction.services import dispatch, handling, supervision
from interaction.states import Status
from tests.factories import World, make_user, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same moment in threads; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_liaisons_signing_at_once_one_wins(world: World):
    second = make_user(Role.LIAISON, name="second_liaison", department=world.city_roads)
    case = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )

    results = race(
        lambda: handling.case_sign(case_id=case.pk, actor=world.liaison),
        lambda: handling.case_sign(case_id=case.pk, actor=second),
    )

    wins = [r for r in results if isinstance(r, Case)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1, results
    assert len(losses) == 1, results
    assert isinstance(losses[0], InvalidTransition)
    assert str(losses[0].message) == "工单当前状态下不能进行此操作。"
    assert Case.objects.get(pk=case.pk).status == Status.SIGNED
    assert CaseEvent.objects.filter(case=case, action="sign").count() == 1


def test_dispatcher_and_return_decision_race_leaves_one_audit_row(world: World):
    case = submit(world.citizen)
    results = race(
        lambda: dispatch.case_dispatch(
            case_id=case.pk,
            actor=world.dispatcher,
            department_id=world.city_roads.pk,
            category_id=world.road_repair.pk,
        ),
        lambda: dispatch.case_close_invalid(
            case_id=case.pk, actor=world.dispatcher, reason="广告信息"
        ),
    )
    assert sum(isinstance(r, Case) for r in results) == 1
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1
    assert (
        CaseEvent.objects.filter(case=case)
        .exclude(action__in=["submitted"])
        .exclude(to_status="")
        .count()
        == 1
    )


def test_concurrent_supervision_runs_issue_each_notice_once(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    import datetime as dt

    from django.utils import timezone

    from interaction.models import SupervisionNotice

    cases = []
    for i in range(30):
        case = submit(world.citizen, contact_phone=f"1380000{i:04d}")
        dispatch.case_dispatch(
            case_id=case.pk,
            actor=world.dispatcher,
            department_id=world.city_roads.pk,
            category_id=world.road_repair.pk,
        )
        cases.append(case)
    later = timezone.now() + dt.timedelta(days=60)
    race(
        lambda: supervision.supervise(now=later, digests=False),
        lambda: supervision.supervise(now=later, digests=False),
    )
    assert SupervisionNotice.objects.count() == 30 * 4
    assert CaseEvent.objects.filter(action="supervision").count() == 30 * 4
