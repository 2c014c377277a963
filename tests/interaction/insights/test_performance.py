"""Department performance on a constructed scenario, through the real services and a set clock."""

from __future__ import annotations

import datetime as dt

import pytest

from interaction.insights import performance
from interaction.insights.periods import Period
from interaction.models import Case
from interaction.services import dispatch, handling, supervision
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import (
    Clock,
    at,
    do_approve,
    do_draft,
    do_evaluate,
    do_publish,
    do_redo,
    do_return,
    do_sign,
    do_start,
    reach,
    walk,
)

MARCH = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def _row(rows: list[performance.DepartmentFigures], name: str) -> performance.DepartmentFigures:
    return next(row for row in rows if row.name == name)


@pytest.fixture
def three_cases(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, Case]:
    """City roads, March 2025: A signed late, B answered on time and rated satisfied, C redone.

    Monday 3 March 10:00 all three are dispatched; B and C are signed at once. B is answered the
    same day and rated 满意/满意 (solved). C is answered on Wednesday 5 March (2 working days),
    rated 基本满意/不满意 and sent back (重办). A is signed on Thursday 6 March, after its signing
    deadline. C was written from the same phone as B, about the same category: a repeat.
    """
    clock = Clock(monkeypatch, at(2025, 3, 3, 10))
    a = reach(world, Status.DISPATCHED, contact_phone="13800000001", subject="甲")
    b = reach(world, Status.HANDLING, contact_phone="13800000002", subject="乙")
    clock.advance(minutes=5)
    c = reach(world, Status.HANDLING, contact_phone="13800000002", subject="丙")
    b = walk(world, b, [do_draft, do_approve, do_publish, do_evaluate])
    c = walk(world, c, [do_draft, do_approve])
    clock.set(at(2025, 3, 5, 15))
    c = walk(world, c, [do_publish, do_redo])
    clock.set(at(2025, 3, 6, 11))
    a = walk(world, a, [do_sign, do_start])
    # Not received: closed as spam.
    reach(world, Status.INVALID, contact_phone="13800000003")
    return {"a": a, "b": b, "c": c}


def test_exact_figures_of_a_department(world: World, three_cases: dict[str, Case]):
    now = at(2025, 3, 6, 12)
    rows = performance.department_performance(start=MARCH.start, end=MARCH.end, now=now)
    roads = _row(rows, world.city_roads.name)
    assert (roads.received, roads.sign_due, roads.signed_on_time) == (3, 3, 2)
    assert roads.sign_on_time_rate == pytest.approx(2 / 3)
    # Only B's reply is due (C's new stage and A still have time): answered on time.
    assert (roads.reply_due, roads.replied_on_time, roads.reply_on_time_rate) == (1, 1, 1.0)
    assert (roads.replied, roads.reply_rate) == (2, pytest.approx(2 / 3))
    assert (roads.evaluations, roads.satisfied, roads.double_satisfied, roads.solved) == (
        2,
        1,
        1,
        1,
    )
    assert roads.satisfaction_rate == 0.5
    assert roads.double_satisfaction_rate == 0.5
    assert roads.solved_rate == 0.5
    assert (roads.redone, roads.redo_rate) == (1, 0.5)
    assert (roads.repeat, roads.repeat_rate) == (1, pytest.approx(1 / 3))
    assert roads.avg_working_days == 1.0  # B: 0 days, C: Monday → Wednesday = 2
    assert (roads.returned, roads.return_rate, roads.routing_accuracy) == (0, 0.0, 1.0)
    assert (roads.extended, roads.extension_rate) == (0, 0.0)
    # Other departments are listed with nothing to rate.
    housing = _row(rows, world.housing_dept.name)
    assert housing.received == 0
    assert housing.reply_rate is None


def test_a_period_without_the_cases_counts_nothing(world: World, three_cases: dict[str, Case]):
    rows = performance.department_performance(
        start=dt.date(2025, 4, 1), end=dt.date(2025, 4, 30), now=at(2025, 4, 30)
    )
    assert all(row.received == 0 for row in rows)


def test_overdue_case_counts_as_late_once_its_deadline_passed(
    world: World, three_cases: dict[str, Case]
):
    a = Case.objects.get(pk=three_cases["a"].pk)
    after = a.reply_deadline + dt.timedelta(hours=1)
    roads = _row(
        performance.department_performance(start=MARCH.start, end=MARCH.end, now=after),
        world.city_roads.name,
    )
    assert roads.reply_due >= 2
    late = performance.figure_cases(
        Case.objects.all(),
        figure="replied_late",
        period=MARCH,
        department=world.city_roads,
        now=after,
    )
    assert a.pk in set(late.values_list("pk", flat=True))
    assert three_cases["b"].pk not in set(late.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ("signed_late", {"a"}),
        ("replied", {"b", "c"}),
        ("not_replied", {"a"}),
        ("redone", {"c"}),
        ("unsatisfied", {"c"}),
        ("unsolved", {"c"}),
        ("evaluated", {"b", "c"}),
        ("repeat", {"c"}),
        ("replied_on_time", {"b"}),
    ],
)
def test_drill_down_lists_exactly_the_cases_counted(
    world: World, three_cases: dict[str, Case], figure: str, expected: set[str]
):
    rows = performance.figure_cases(
        Case.objects.all(),
        figure=figure,
        period=MARCH,
        department=world.city_roads,
        now=at(2025, 3, 6, 12),
    )
    ids = {
        name
        for name, case in three_cases.items()
        if case.pk in set(rows.values_list("pk", flat=True))
    }
    assert ids == expected


def test_returns_and_routing_follow_the_department_that_returned(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    Clock(monkeypatch, at(2025, 3, 3, 10))
    case = reach(world, Status.HANDLING)
    do_return(world, case)
    dispatch.case_accept_return(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.east_roads.pk,
        category_id=world.road_repair.pk,
    )
    kept = reach(world, Status.HANDLING, contact_phone="13900000000")
    rows = performance.department_performance(
        start=MARCH.start, end=MARCH.end, now=at(2025, 3, 3, 12)
    )
    roads = _row(rows, world.city_roads.name)
    east = _row(rows, world.east_roads.name)
    assert (roads.received, roads.returned, roads.returned_away, roads.misrouted) == (1, 1, 1, 1)
    assert roads.return_rate == 0.5
    assert roads.routing_accuracy == 0.5
    assert (east.received, east.returned, east.routing_accuracy) == (1, 0, 1.0)
    returned = performance.figure_cases(
        Case.objects.all(), figure="returned", period=MARCH, department=world.city_roads
    )
    assert list(returned.values_list("pk", flat=True)) == [case.pk]
    assert kept.pk not in set(returned.values_list("pk", flat=True))


def test_granted_extension_counts_and_moves_the_deadline(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    Clock(monkeypatch, at(2025, 3, 3, 10))
    case = reach(world, Status.HANDLING)
    request = handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=3, reason="需要协调施工单位"
    )
    supervision.extension_decide(request_id=request.pk, actor=world.supervisor, grant=True)
    reach(world, Status.HANDLING, contact_phone="13900000000")
    roads = _row(
        performance.department_performance(start=MARCH.start, end=MARCH.end),
        world.city_roads.name,
    )
    assert (roads.extended, roads.extension_rate) == (1, 0.5)


def test_jurisdiction_limits_the_departments(world: World, three_cases: dict[str, Case]):
    rows = performance.department_performance(
        start=MARCH.start, end=MARCH.end, jurisdiction=world.east
    )
    assert [row.name for row in rows] == [world.east_roads.name]


def test_district_figures_and_totals(world: World, three_cases: dict[str, Case]):
    Case.objects.filter(pk=three_cases["a"].pk).update(district=world.east)
    rows = performance.district_performance(
        start=MARCH.start, end=MARCH.end, now=at(2025, 3, 6, 12)
    )
    east = _row(rows, world.east.name)
    assert (east.received, east.replied, east.signed_on_time) == (1, 0, 0)
    total = performance.totals(
        performance.department_performance(start=MARCH.start, end=MARCH.end, now=at(2025, 3, 6, 12))
    )
    assert (total.received, total.replied, total.evaluations) == (3, 2, 2)
