"""Public statistics (/api/public/statistics/ and the figures behind /statistics/): the insight
figures, ranked with the minimum-cases rule, for a month, quarter or year; aggregates only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from interaction.insights import performance, ranking
from interaction.insights.periods import Period, PeriodError
from interaction.models import Case
from interaction.opendata import statistics
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import REPLY_TEXT, do_redo, reach

API = "/api/public/statistics/"


@pytest.fixture
def cases(world: World) -> list[Case]:
    """Cases of this month in several states: replied, closed and rated, redone, open."""
    made = [
        reach(
            world, Status.CLOSED, contact_name="王五", body="我是王五，电话13812345678，路灯坏了。"
        ),
        reach(world, Status.CLOSED),
        reach(world, Status.REPLIED),
        reach(world, Status.HANDLING),
        reach(world, Status.DISPATCHED),
        reach(world, Status.SUBMITTED),
    ]
    redo = reach(world, Status.REPLIED)
    do_redo(world, redo)
    made.append(redo)
    return made


def this_month() -> statistics.PublicPeriod:
    return statistics.public_period("month", timezone.localdate())


def get(client: Client, **params: str):
    return client.get(API, params, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_figures_are_the_insight_figures(world: World, cases: list[Case], settings):
    settings.WENZHENG_RANKING_MIN_CASES = 1
    today = timezone.localdate()
    response = get(Client(), period="month", date=today.isoformat())
    assert response.status_code == 200
    data = response.json()
    period = this_month().period
    assert data["period"]["start"] == period.start.isoformat()
    assert data["period"]["end"] == period.end.isoformat()
    assert data["period"]["kind"] == "month"
    assert data["period"]["complete"] is False
    expected = {
        row.key: row
        for row in performance.department_performance(start=period.start, end=period.end)
    }
    assert {d["id"] for d in data["departments"]} == set(expected)
    for unit in data["departments"]:
        figures = expected[unit["id"]]
        assert unit["name"] == figures.name
        for name in statistics.PUBLIC_COUNTS:
            assert unit["counts"][name] == getattr(figures, name), name
        for name in statistics.PUBLIC_RATES:
            assert unit["rates"][name] == pytest.approx(getattr(figures, name)), name
        assert unit["score"] == ranking.score(figures)
    roads = next(d for d in data["departments"] if d["id"] == world.city_roads.pk)
    assert roads["counts"]["received"] == 6  # the submitted one is not dispatched yet
    assert roads["counts"]["evaluations"] == 3  # two closed and the redone one's evaluation
    assert roads["rates"]["satisfaction_rate"] == pytest.approx(2 / 3)
    districts = performance.district_performance(start=period.start, end=period.end)
    assert [d["id"] for d in data["districts"]] == [
        r.figures.key for r in ranking.rank(districts).ranked
    ] + [n.figures.key for n in ranking.rank(districts).not_ranked]
    total = performance.totals(
        performance.department_performance(start=period.start, end=period.end)
    )
    assert data["total"]["counts"]["received"] == total.received
    assert data["total"]["rates"]["reply_rate"] == pytest.approx(total.reply_rate)


def test_nothing_about_a_single_case_leaves(world: World, cases: list[Case]):
    body = get(Client(), period="year", date=str(timezone.localdate().year)).content.decode()
    for case in cases:
        assert case.tracking_no not in body
        assert case.subject not in body
    for secret in ("13812345678", "王五", "13800138000", "张先生", cases[0].access_token):
        assert secret not in body
    data = json.loads(body)
    allowed = {
        "id",
        "name",
        "jurisdiction",
        "rank",
        "not_ranked_reason",
        "score",
        "counts",
        "rates",
    }
    for unit in [*data["departments"], *data["districts"], data["total"]]:
        assert set(unit) == allowed


def test_units_under_the_minimum_are_listed_unranked_with_the_reason(
    world: World, cases: list[Case], settings
):
    settings.WENZHENG_RANKING_MIN_CASES = 5
    data = get(Client(), period="month", date=timezone.localdate().isoformat()).json()
    assert data["minimum_cases"] == 5
    by_id = {d["id"]: d for d in data["departments"]}
    assert by_id[world.city_roads.pk]["rank"] == 1
    housing = by_id[world.housing_dept.pk]
    assert housing["rank"] is None
    assert housing["not_ranked_reason"] == "本时段受理 0 件，至少 5 件方可参与排名。"
    # Ranked first, then the others.
    assert data["departments"][0]["id"] == world.city_roads.pk
    assert data["notes"][0].startswith("只有本时段受理不少于 5 件")


def test_sorting_by_a_figure_lower_is_better_for_working_days(world: World, settings):
    settings.WENZHENG_RANKING_MIN_CASES = 1
    reach(world, Status.REPLIED)  # city roads
    housing = reach(world, Status.SUBMITTED)
    from backend.accounts.models import Role
    from interaction.services import dispatch, handling, review
    from tests.factories import make_user

    head = make_user(Role.HEAD, department=world.housing_dept)
    dispatch.case_dispatch(
        case_id=housing.pk,
        actor=world.dispatcher,
        department_id=world.housing_dept.pk,
        category_id=world.housing.pk,
    )
    handling.case_sign(case_id=housing.pk, actor=world.housing_liaison)
    handling.case_start(case_id=housing.pk, actor=world.housing_liaison)
    handling.case_draft_reply(case_id=housing.pk, actor=world.housing_liaison, body=REPLY_TEXT)
    review.case_approve_reply(case_id=housing.pk, actor=head)
    review.case_publish_reply(case_id=housing.pk, actor=world.dispatcher)
    # Make the housing reply take longer: its dispatch moves two weeks back.
    Case.objects.filter(pk=housing.pk).update(dispatched_at=timezone.now() - dt.timedelta(days=14))
    today = timezone.localdate().isoformat()
    data = get(Client(), period="month", date=today, sort="avg_working_days").json()
    assert data["sorted_by"] == "avg_working_days"
    ranked = [d for d in data["departments"] if d["rank"] is not None]
    assert [d["id"] for d in ranked] == [world.city_roads.pk, world.housing_dept.pk]
    assert ranked[0]["rates"]["avg_working_days"] < ranked[1]["rates"]["avg_working_days"]


def test_quarter_and_year_periods(world: World):
    data = get(Client(), period="quarter", date="2026-05-20").json()
    assert (data["period"]["start"], data["period"]["end"]) == ("2026-04-01", "2026-06-30")
    assert data["period"]["label"] == "2026年第2季度"
    data = get(Client(), period="year", date="2025").json()
    assert (data["period"]["start"], data["period"]["end"]) == ("2025-01-01", "2025-12-31")
    data = get(Client(), period="month", date="2025-02").json()
    assert (data["period"]["start"], data["period"]["end"]) == ("2025-02-01", "2025-02-28")
    assert data["period"]["label"] == "2025年02月"
    assert data["period"]["complete"] is True


def test_default_is_the_last_complete_month(world: World):
    today = timezone.localdate()
    data = get(Client()).json()
    last = today.replace(day=1) - dt.timedelta(days=1)
    assert data["period"]["start"] == last.replace(day=1).isoformat()
    assert data["period"]["end"] == last.isoformat()


def test_bad_parameters_are_refused_in_chinese(world: World):
    client = Client()
    response = get(client, period="week")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"period": ["请选择月、季度或年。"]}
    response = get(client, period="month", date="2026-13-40")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"period": ["日期格式为 YYYY-MM-DD。"]}
    future = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    response = get(client, period="month", date=future)
    assert response.json()["error"]["fields"] == {"period": ["这个时段还没有开始。"]}
    response = get(client, sort="subject")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"sort": ["未知的指标。"]}


def test_read_only_and_open_to_everyone(world: World):
    client = Client()
    assert get(client).status_code == 200
    assert client.post(API, {}).status_code in (401, 403, 405)
    client.force_login(world.citizen)
    assert get(client).status_code == 200


def test_anonymous_reads_are_throttled(world: World, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = Client()
    statuses = [get(client).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_period_parsing():
    today = dt.date(2026, 11, 22)
    parse = statistics.parse_public_period
    assert parse(None, None, today=today).period == Period(
        dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    )
    assert parse("quarter", "2026-11-22", today=today).period == Period(
        dt.date(2026, 10, 1), dt.date(2026, 12, 31)
    )
    assert parse("year", None, today=today).period == Period(
        dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    )
    assert parse("month", "2024-02", today=today).period.end == dt.date(2024, 2, 29)
    with pytest.raises(PeriodError):
        parse("month", "1999-01", today=today)
    with pytest.raises(PeriodError):
        parse("decade", None, today=today)
    quarter = statistics.public_period("quarter", dt.date(2026, 1, 5))
    assert quarter.shifted(-1).period == Period(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert quarter.shifted(1).period.start == dt.date(2026, 4, 1)
    month = statistics.public_period("month", dt.date(2026, 1, 5))
    assert month.shifted(-1).period.start == dt.date(2025, 12, 1)
    assert statistics.public_period("year", dt.date(2026, 1, 5)).shifted(-1).period.start == (
        dt.date(2025, 1, 1)
    )


def test_figures_are_cached_for_a_while(world: World, settings, django_assert_num_queries):
    settings.WENZHENG_PUBLIC_STATS_CACHE_SECONDS = 60
    period = this_month()
    first = statistics.public_statistics(period=period)
    reach(world, Status.DISPATCHED)
    with django_assert_num_queries(0):
        second = statistics.public_statistics(period=period, sort="reply_rate")
    assert second.total.counts == first.total.counts
    settings.WENZHENG_PUBLIC_STATS_CACHE_SECONDS = 0
    fresh = statistics.public_statistics(period=period)
    assert fresh.total.counts["received"] == first.total.counts["received"] + 1
