"""The roll-ups: every figure read from them equals the direct aggregate over the cases, the
refresh recomputes only the days it must, twice gives the same rows, and pages say how fresh
they are."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from backend.organisation.models import CalendarOverride
from interaction.insights import direct, performance, rollups, trends
from interaction.insights.models import DepartmentDay, PendingDue, ReplyQualityDay, RollupState
from interaction.insights.periods import Period
from interaction.models import Case, CaseEvent, Kind, Reply
from interaction.services import dispatch, handling, supervision
from interaction.states import Status
from tests.factories import World, submit
from tests.frontend.conftest import page, text
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

TABLES = rollups.TABLES

PERIODS = [
    Period(dt.date(2024, 12, 1), dt.date(2024, 12, 31)),  # a month
    Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31)),
    Period(dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
    Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # years
    Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    Period(dt.date(2024, 12, 30), dt.date(2025, 1, 5)),  # a week across the new year
    Period(dt.date(2024, 12, 20), dt.date(2025, 3, 31)),  # custom, across the boundaries
    Period(dt.date(2025, 1, 2), dt.date(2025, 1, 2)),  # one day
]
NOWS = [at(2025, 1, 2, 9), at(2025, 2, 4, 12), at(2025, 3, 31, 23), at(2026, 1, 1)]


def east_sign(world: World, case: Case) -> Case:
    return handling.case_sign(case_id=case.pk, actor=world.east_liaison)


def to_east(world: World, case: Case) -> Case:
    return dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.east_roads.pk,
        category_id=world.road_repair.pk,
    )


def to_housing(world: World, case: Case) -> Case:
    return dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.housing_dept.pk,
        category_id=world.housing.pk,
    )


@pytest.fixture
def city(world: World, monkeypatch: pytest.MonkeyPatch, settings: Any) -> dict[str, Any]:
    """Cases from 30 December 2024 to 3 March 2025 (the new year and the Spring Festival in
    between) through the real services: every status, signed late, a redo with two
    evaluations, returns accepted / rejected / pending, extensions granted and denied, waiting
    for the citizen, spam, a merged duplicate, a repeat complaint, cases without a department
    or district, and a department (housing) below the ranking minimum."""
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    settings.WENZHENG_RANKING_MIN_CASES = 3
    clock = Clock(monkeypatch, at(2024, 12, 30, 10))
    cases: dict[str, Case] = {}

    def new(name: str, moment: dt.datetime, status: Status = Status.SUBMITTED, **kw: Any) -> Case:
        clock.set(moment)
        cases[name] = reach(world, status, **kw)
        return cases[name]

    def step(name: str, moment: dt.datetime, steps: list[Callable[[World, Case], Case]]) -> None:
        clock.set(moment)
        cases[name] = walk(world, cases[name], steps)

    east, west = world.east.pk, world.west.pk
    new("signed_late", at(2024, 12, 30, 10), Status.DISPATCHED, contact_phone="13800000001")
    new("redo", at(2024, 12, 31, 9), Status.HANDLING, district_id=east, kind=Kind.CONSULTATION)
    new("overdue", at(2025, 1, 2, 10), Status.HANDLING, district_id=west)
    new("moved", at(2025, 1, 2, 11), Status.HANDLING, district_id=east)
    new("invalid", at(2025, 1, 2, 12), Status.INVALID)
    new("repeat", at(2025, 1, 20, 10), Status.HANDLING, contact_phone="13800000001")
    new(
        "unsigned",
        at(2025, 1, 31, 15),
        Status.DISPATCHED,
        district_id=west,
        contact_phone="13800000009",
    )
    new("rejected", at(2025, 2, 3, 9), Status.HANDLING, kind=Kind.SUGGESTION)
    new("pending_return", at(2025, 2, 3, 10), Status.HANDLING)
    new("extended", at(2025, 2, 3, 11), Status.HANDLING, district_id=east)
    new("denied", at(2025, 2, 3, 12), Status.HANDLING)
    new("drafted", at(2025, 2, 4, 9), Status.REPLY_DRAFTED, kind=Kind.HELP)
    new("approved", at(2025, 2, 4, 10), Status.REPLY_APPROVED)
    new("awaiting", at(2025, 3, 3, 10), Status.AWAITING_CITIZEN, district_id=east)
    new("queued", at(2025, 3, 3, 11), Status.SUBMITTED, district_id=west, kind=Kind.REPORT)
    new("original", at(2025, 3, 3, 12), Status.SUBMITTED, citizen=world.other_citizen)
    new("merged", at(2025, 3, 3, 13), Status.SUBMITTED)
    dispatch.case_merge(
        case_id=cases["merged"].pk, actor=world.dispatcher, into_id=cases["original"].pk
    )
    new("housing", at(2025, 1, 6, 10), Status.SUBMITTED, district_id=west)
    step("housing", at(2025, 1, 6, 11), [to_housing])
    clock.set(at(2025, 1, 7, 10))
    handling.case_sign(case_id=cases["housing"].pk, actor=world.housing_liaison)

    step("signed_late", at(2025, 1, 2, 16), [do_sign, do_start, do_draft, do_approve])
    step("signed_late", at(2025, 1, 3, 10), [do_publish, do_evaluate])
    step("redo", at(2024, 12, 31, 15), [do_draft, do_approve, do_publish])
    step("redo", at(2025, 1, 6, 10), [do_redo])
    step("redo", at(2025, 2, 10, 10), [do_draft, do_approve, do_publish, do_evaluate])
    step("moved", at(2025, 1, 3, 10), [do_return])
    clock.set(at(2025, 1, 3, 11))
    dispatch.case_accept_return(
        case_id=cases["moved"].pk,
        actor=world.dispatcher,
        department_id=world.east_roads.pk,
        category_id=world.road_repair.pk,
    )
    step("moved", at(2025, 1, 3, 15), [east_sign])
    step("rejected", at(2025, 2, 3, 15), [do_return])
    clock.set(at(2025, 2, 4, 9))
    dispatch.case_reject_return(
        case_id=cases["rejected"].pk, actor=world.dispatcher, note="属于市城管局职责。"
    )
    step("pending_return", at(2025, 2, 4, 10), [do_return])
    for name, grant in (("extended", True), ("denied", False)):
        clock.set(at(2025, 2, 5, 10))
        request = handling.extension_request(
            case_id=cases[name].pk, actor=world.liaison, days=3, reason="需要协调施工单位"
        )
        supervision.extension_decide(
            request_id=request.pk, actor=world.supervisor, grant=grant, note="理由不足"
        )
    step("extended", at(2025, 2, 20, 10), [do_draft, do_approve, do_publish])
    step("repeat", at(2025, 1, 21, 10), [do_draft, do_approve, do_publish, do_redo])
    clock.set(at(2025, 3, 31, 12))
    return {"world": world, "clock": clock, "cases": cases}


def assert_same_figures(now: dt.datetime, periods: list[Period] = PERIODS) -> None:
    for period in periods:
        span = {"start": period.start, "end": period.end, "now": now}
        assert performance.department_performance(**span) == direct.department_performance(
            **span
        ), period
        assert performance.district_performance(**span) == direct.district_performance(**span), (
            period
        )
        for granularity in trends.GRANULARITIES:
            assert trends.trend(period=period, granularity=granularity) == direct.trend(
                period=period, granularity=granularity
            ), (period, granularity)
        for name in ("by_category", "by_kind", "by_district"):
            assert getattr(trends, name)(period=period) == getattr(direct, name)(period=period), (
                period,
                name,
            )


def snapshot() -> dict[str, set[tuple]]:
    return {
        model.__name__: set(model.objects.values_list(*[f.attname for f in model._meta.fields]))
        for model in TABLES
    }


def without_ids(rows: dict[str, set[tuple]]) -> dict[str, set[tuple]]:
    return {name: {row[1:] for row in values} for name, values in rows.items()}


# --- the figures equal the direct aggregates ----------------------------------------------------


def test_every_figure_from_the_rollups_equals_the_direct_aggregate(city: dict[str, Any]):
    rows = direct.department_performance(
        start=dt.date(2024, 12, 1), end=dt.date(2025, 3, 31), now=NOWS[-1]
    )
    # The scenario exercises every counter (else equality would prove little).
    total = performance.totals(rows)
    for name in (
        "received",
        "sign_due",
        "signed_on_time",
        "reply_due",
        "replied_on_time",
        "replied",
        "evaluations",
        "satisfied",
        "double_satisfied",
        "solved",
        "redone",
        "returned",
        "returned_away",
        "misrouted",
        "extended",
        "repeat",
        "working_days_total",
        "working_days_cases",
    ):
        assert getattr(total, name) > 0, name
    for now in NOWS:
        assert_same_figures(now)
    assert DepartmentDay.objects.exists()
    assert PendingDue.objects.filter(which=PendingDue.SIGN).exists()
    assert PendingDue.objects.filter(which=PendingDue.REPLY).exists()


def test_jurisdiction_filter_and_the_department_below_the_minimum(city: dict[str, Any]):
    world = city["world"]
    span = {"start": dt.date(2024, 12, 1), "end": dt.date(2025, 3, 31), "now": NOWS[2]}
    assert performance.department_performance(
        **span, jurisdiction=world.east
    ) == direct.department_performance(**span, jurisdiction=world.east)
    housing = next(
        row
        for row in performance.department_performance(**span)
        if row.key == world.housing_dept.pk
    )
    assert (housing.received, housing.sign_due, housing.signed_on_time) == (1, 1, 1)


def test_due_figures_change_with_the_clock_alone(city: dict[str, Any]):
    """The unsigned case of 31 January becomes due when its signing deadline passes, with no
    write in between: the roll-ups keep its deadline and count it at reading time."""
    unsigned = Case.objects.get(pk=city["cases"]["unsigned"].pk)
    roads = city["world"].city_roads.pk
    jan = Period(dt.date(2025, 1, 31), dt.date(2025, 1, 31))
    rollups.refresh()
    figures = {}
    with CaptureQueriesContext(connection) as queries:
        for label, moment in (
            ("before", unsigned.sign_deadline - dt.timedelta(minutes=1)),
            ("after", unsigned.sign_deadline + dt.timedelta(minutes=1)),
        ):
            rows = performance.department_performance(start=jan.start, end=jan.end, now=moment)
            figures[label] = next(r for r in rows if r.key == roads)
            assert rows == direct.department_performance(start=jan.start, end=jan.end, now=moment)
    assert (figures["before"].sign_due, figures["after"].sign_due) == (0, 1)
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "DELETE"))]


# --- the refresh ---------------------------------------------------------------------------------


def test_refresh_recomputes_only_the_days_of_the_changed_cases(city: dict[str, Any]):
    world, cases = city["world"], city["cases"]
    first = rollups.refresh()
    assert first.rebuilt  # the first run builds everything
    before = snapshot()
    again = rollups.refresh()
    assert (again.events, again.days, again.rows) == (0, [], 0)
    assert snapshot() == before

    signed = walk(world, cases["unsigned"], [do_sign])
    result = rollups.refresh()
    assert result.days == [dt.date(2025, 1, 31)]
    assert result.events == CaseEvent.objects.filter(case=signed, action="sign").count() == 1
    after = snapshot()
    for name, rows in after.items():
        # Rows of other days are the very same rows (same ids); those of 31 January are new.
        day_index = 1
        assert {r for r in rows if r[day_index] != dt.date(2025, 1, 31)} == {
            r for r in before[name] if r[day_index] != dt.date(2025, 1, 31)
        }, name
    assert after != before
    assert_same_figures(at(2025, 3, 31, 12), PERIODS[:3])


def test_a_refresh_of_one_change_reads_a_bounded_number_of_queries(
    city: dict[str, Any], django_assert_max_num_queries: Any
):
    rollups.refresh()
    walk(city["world"], city["cases"]["unsigned"], [do_sign])
    with django_assert_max_num_queries(32):  # a delete and a select per table, a few more
        result = rollups.refresh()
    assert len(result.days) == 1
    with django_assert_max_num_queries(6):  # nothing new: lock, look, stop (and 2 savepoints)
        assert rollups.refresh().days == []


def test_recomputing_twice_gives_the_same_rows(city: dict[str, Any]):
    rollups.rebuild()
    first = without_ids(snapshot())
    days = sorted({row[1] for row in snapshot()["DistrictDay"]})
    rollups.recompute_days(days)
    assert without_ids(snapshot()) == first
    rollups.rebuild()
    assert without_ids(snapshot()) == first


def test_a_change_to_an_earlier_case_recomputes_the_later_repeat_complaints(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    """A repeat complaint depends on the earlier cases of the same phone number: classifying
    the earlier one (10 January) makes the case of 1 February a repeat."""
    clock = Clock(monkeypatch, at(2025, 1, 10, 10))
    earlier = submit(world.citizen, contact_phone="13911112222")
    clock.set(at(2025, 2, 1, 10))
    later = reach(world, Status.HANDLING, contact_phone="13911112222")
    rollups.refresh()
    feb = Period(dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert performance.totals(
        performance.department_performance(start=feb.start, end=feb.end)
    ).repeat == (0)
    clock.set(at(2025, 2, 2, 10))
    walk(
        world,
        earlier,
        [
            lambda w, c: dispatch.case_dispatch(
                case_id=c.pk,
                actor=w.dispatcher,
                department_id=w.city_roads.pk,
                category_id=w.road_repair.pk,
            )
        ],
    )
    result = rollups.refresh()
    assert result.days == [dt.date(2025, 1, 10), dt.date(2025, 2, 1)]
    rows = performance.department_performance(start=feb.start, end=feb.end)
    assert performance.totals(rows).repeat == 1
    assert rows == direct.department_performance(start=feb.start, end=feb.end)
    assert later.pk in set(
        performance.figure_cases(Case.objects.all(), figure="repeat", period=feb).values_list(
            "pk", flat=True
        )
    )


def test_an_audit_row_committed_late_is_still_counted(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    """Ids are handed out before commit: a row with a lower id can appear after a higher one
    was read. The refresh remembers the id it passed over and takes the row when it appears."""
    clock = Clock(monkeypatch, at(2025, 3, 3, 10))
    slow = reach(world, Status.HANDLING)
    clock.set(at(2025, 3, 4, 10))
    fast = reach(world, Status.HANDLING, contact_phone="13900000000")
    rollups.refresh()
    last = RollupState.objects.get().last_event_id

    def changed(case: Case, kind: str, event_id: int) -> None:
        Case.objects.filter(pk=case.pk).update(kind=kind)
        CaseEvent.objects.bulk_create(
            [CaseEvent(id=event_id, case=case, action="recategorised", actor_role="system")]
        )

    changed(fast, Kind.HELP, last + 2)  # committed first, with the higher id
    result = rollups.refresh()
    assert result.days == [dt.date(2025, 3, 4)]
    assert [int(g[0]) for g in RollupState.objects.get().gaps] == [last + 1]
    changed(slow, Kind.SUGGESTION, last + 1)  # the slower transaction commits now
    result = rollups.refresh()
    assert result.days == [dt.date(2025, 3, 3)]
    assert RollupState.objects.get().gaps == []
    march = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert trends.by_kind(period=march) == direct.by_kind(period=march)
    assert {key for key, _label, _n in trends.by_kind(period=march)} == {"help", "suggestion"}


def test_a_calendar_change_rebuilds_the_working_days(city: dict[str, Any]):
    rollups.refresh()
    span = {"start": dt.date(2024, 12, 1), "end": dt.date(2025, 1, 31), "now": NOWS[-1]}
    before = performance.totals(performance.department_performance(**span)).working_days_total
    # 2 January 2025 becomes a day off: the working days to reply of the cases across it shrink.
    CalendarOverride.objects.create(date=dt.date(2025, 1, 2), is_workday=False, name="测试")
    result = rollups.refresh()
    assert result.rebuilt
    rows = performance.department_performance(**span)
    assert rows == direct.department_performance(**span)
    assert performance.totals(rows).working_days_total < before


def test_the_command_prints_what_it_did(city: dict[str, Any], capsys: pytest.CaptureFixture):
    call_command("refresh_rollups")
    assert '"rebuilt": true' in capsys.readouterr().out
    call_command("refresh_rollups", "--quiet")
    assert capsys.readouterr().out == ""
    call_command("refresh_rollups", "--rebuild")
    out = capsys.readouterr().out
    assert '"rebuilt": true' in out
    assert RollupState.objects.get().rebuilt_at is not None


# --- freshness on pages and in the API ----------------------------------------------------------


def api(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_without_refresh_on_read_pages_show_the_last_refresh_and_say_when(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any
):
    settings.WENZHENG_ROLLUP_REFRESH_ON_READ = 0
    clock = Clock(monkeypatch, at(2025, 3, 3, 10))
    reach(world, Status.HANDLING)
    clock.set(at(2025, 3, 3, 11))
    call_command("refresh_rollups", "--quiet")
    clock.set(at(2025, 3, 3, 12))
    reach(world, Status.HANDLING, contact_phone="13900000000")
    query = {"start": "2025-03-01", "end": "2025-03-31"}

    data = api(world.leader).get("/api/insights/performance/", query).json()
    assert data["total"]["counts"]["received"] == 1  # the second case is not counted yet
    assert data["figures_as_of"] == "2025-03-03T11:00:00+08:00"
    body = text(page(client, world.leader, reverse("frontend:dashboard") + "?start=2025-03-01"))
    assert "数据截至 2025-03-03 11:00:00" in body

    clock.set(at(2025, 3, 3, 13))
    call_command("refresh_rollups", "--quiet")
    data = api(world.leader).get("/api/insights/performance/", query).json()
    assert data["total"]["counts"]["received"] == 2
    assert data["figures_as_of"] == "2025-03-03T13:00:00+08:00"

    # The report command refreshes before it reads.
    reach(world, Status.HANDLING, contact_phone="13900000001")
    call_command("weekly_report", "--date", "2025-03-05", "--out", str(tmp_path))
    html = (tmp_path / "weekly-2025-W10.html").read_text(encoding="utf-8")
    assert RollupState.objects.get().last_event_id == CaseEvent.objects.latest("id").pk
    assert world.city_roads.name in html


def test_pages_refresh_a_small_backlog_on_the_spot(world: World, monkeypatch: pytest.MonkeyPatch):
    Clock(monkeypatch, at(2025, 3, 3, 10))
    reach(world, Status.HANDLING)
    data = api(world.supervisor).get("/api/insights/trends/", {"start": "2025-03-03"}).json()
    assert data["figures_as_of"] == "2025-03-03T10:00:00+08:00"
    assert sum(b["received"] for b in data["buckets"]) == 1
    assert RollupState.objects.get().last_event_id == CaseEvent.objects.latest("id").pk


def test_a_small_backlog_is_refreshed_even_when_audit_ids_are_far_apart(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    """Ids are not dense (PostgreSQL skips the ids of rolled-back transactions): what counts
    is how many audit rows wait, not how far the newest id is from the last one read."""
    Clock(monkeypatch, at(2025, 3, 3, 10))
    case = reach(world, Status.SUBMITTED)
    far = CaseEvent.objects.latest("id").pk + 10 * rollups.inline_limit()
    CaseEvent.objects.bulk_create(
        [CaseEvent(id=far, case=case, action="note", actor=world.dispatcher, actor_role="x")]
    )
    data = api(world.supervisor).get("/api/insights/trends/", {"start": "2025-03-03"}).json()
    assert data["figures_as_of"] == "2025-03-03T10:00:00+08:00"
    assert sum(b["received"] for b in data["buckets"]) == 1
    assert RollupState.objects.get().last_event_id == far


def test_dashboard_reads_a_bounded_number_of_queries(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch, settings: Any
):
    """The same queries for two cases as for many more, over more days and departments."""
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    clock = Clock(monkeypatch, at(2025, 3, 3, 10))
    reach(world, Status.HANDLING, district_id=world.east.pk)
    url = reverse("frontend:dashboard") + "?period=month&start=2025-03-01"
    client.force_login(world.leader)
    client.get(url)  # the first read refreshes the roll-ups

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for day in range(4, 20):
        clock.set(at(2025, 3, day, 10))
        case = reach(world, Status.REPLIED, district_id=world.east.pk)
        if day % 2:
            to_east(world, reach(world, Status.SUBMITTED, district_id=world.east.pk))
        walk(world, case, [do_evaluate])
    rollups.refresh()
    client.force_login(world.leader)  # the session of 3 March has expired
    client.get(url)
    assert count() == few
    assert few <= 40


def test_department_and_district_figures_read_three_queries_each(
    city: dict[str, Any], django_assert_num_queries: Any
):
    rollups.refresh()
    span = {"start": dt.date(2024, 1, 1), "end": dt.date(2025, 12, 31)}
    with rollups.reading(), django_assert_num_queries(2 + 3 + 3 + 2 + 1 + 1 + 1):
        # one freshness check (state, the audit rows waiting); departments, sums, pending; districts,
        # sums, pending; the trend (received, replied); each breakdown.
        performance.department_performance(**span)
        performance.district_performance(**span)
        trends.trend(period=Period(span["start"], span["end"]))
        trends.by_category(period=Period(span["start"], span["end"]))
        trends.by_kind(period=Period(span["start"], span["end"]))
        trends.by_district(period=Period(span["start"], span["end"]))


def test_the_scenario_is_what_it_says(city: dict[str, Any]):
    late = Case.objects.get(pk=city["cases"]["signed_late"].pk)
    assert late.signed_at > late.sign_deadline
    assert Case.objects.get(pk=city["cases"]["redo"].pk).redo_count == 1
    assert Case.objects.get(pk=city["cases"]["awaiting"].pk).status == Status.AWAITING_CITIZEN


# --- reply quality ------------------------------------------------------------------------------


def same_quality(a: list[Any], b: list[Any]) -> None:
    assert [(r.key, r.name, r.scored, r.weak, r.published_weak) for r in a] == [
        (r.key, r.name, r.scored, r.weak, r.published_weak) for r in b
    ]
    for mine, theirs in zip(a, b, strict=True):
        assert mine.means.keys() == theirs.means.keys()
        for name, value in mine.means.items():
            assert value == pytest.approx(theirs.means[name]), name


def test_reply_quality_from_the_rollups_equals_the_replies(city: dict[str, Any]):
    from interaction.replyquality.selectors import (
        Scope,
        department_reply_quality,
        reply_quality_total,
    )

    world = city["world"]
    rollups.refresh()
    # The scenario's replies are short: weak, and some sent to the citizen all the same.
    assert ReplyQualityDay.objects.filter(published_weak__gt=0).exists()
    scopes = [Scope(p.start, p.end) for p in PERIODS] + [
        Scope(PERIODS[-2].start, PERIODS[-2].end, world.city),
        Scope(PERIODS[-2].start, PERIODS[-2].end, world.east),
    ]
    total = reply_quality_total(Scope(PERIODS[-2].start, PERIODS[-2].end))
    assert total.scored == Reply.objects.filter(quality_overall__isnull=False).count() > 0
    for scope in scopes:
        same_quality(department_reply_quality(scope), direct.department_reply_quality(scope))
        same_quality([reply_quality_total(scope)], [direct.reply_quality_total(scope)])


def test_rescoring_replies_updates_the_rollups_without_an_audit_row(
    city: dict[str, Any], monkeypatch: pytest.MonkeyPatch
):
    from interaction.replyquality import services as quality_services
    from interaction.replyquality.selectors import Scope, reply_quality_total

    rollups.refresh()
    scope = Scope(PERIODS[-2].start, PERIODS[-2].end)
    before = reply_quality_total(scope)
    assert before.weak > 0
    events = CaseEvent.objects.count()
    # Scored again, every reply comes out sound (as with a more lenient threshold).
    original = quality_services.scoring.score_case_reply
    monkeypatch.setattr(
        quality_services.scoring,
        "score_case_reply",
        lambda **kwargs: dataclasses.replace(original(**kwargs), weak=False, weak_by=()),
    )
    quality_services.replies_rescore()
    assert CaseEvent.objects.count() == events
    after = reply_quality_total(scope)
    assert after.scored == before.scored
    assert after.weak == 0
    same_quality([after], [direct.reply_quality_total(scope)])
