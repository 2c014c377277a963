"""Dashboard, drill-down, report page, Excel workbook, weekly_report command and the API:
who may NOT open them, and what they show."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from interaction.insights import report
from interaction.insights.periods import Period
from interaction.models import Case, SupervisionLevel, SupervisionNotice
from interaction.states import Status
from tests.factories import World
from tests.frontend.conftest import assert_no_external_assets, page, text
from tests.interaction.scenarios import Clock, at, do_evaluate, do_redo, reach, walk

WEEK = Period(dt.date(2025, 3, 3), dt.date(2025, 3, 9))


@pytest.fixture
def week(world: World, monkeypatch: pytest.MonkeyPatch, settings) -> dict[str, Case]:
    """Week of 3 March 2025: city roads answers 2 of 3 cases, one rated satisfied, one redone.
    A supervision notice is issued to city roads for the unanswered one."""
    settings.WENZHENG_RANKING_MIN_CASES = 3
    clock = Clock(monkeypatch, at(2025, 3, 3, 10))
    good = reach(world, Status.REPLIED, contact_phone="13800000001", district_id=world.east.pk)
    good = walk(world, good, [do_evaluate])
    redone = reach(world, Status.REPLIED, contact_phone="13800000002", district_id=world.east.pk)
    redone = walk(world, redone, [do_redo])
    silent = reach(world, Status.HANDLING, contact_phone="13800000003", district_id=world.west.pk)
    SupervisionNotice.objects.create(
        case=silent,
        stage_no=1,
        level=SupervisionLevel.NOTICE,
        department=world.city_roads,
        document_no="督办〔2025〕1号",
    )
    clock.set(at(2025, 3, 10, 9))
    return {"good": good, "redone": redone, "silent": silent}


# --- the report data and its workbook ---------------------------------------------------------


def test_report_lists_departments_below_the_standard_and_supervision(
    world: World, week: dict[str, Case], settings
):
    settings.LANGUAGE_CODE = "en"
    data = report.build_report(kind="week", period=WEEK)
    assert (data.totals.received, data.totals.replied) == (3, 2)
    below = {item.figures.name: item.reasons for item in data.below_standard}
    # Satisfaction 1/2 = 50 % < 85 %; reply rate 2/3 = 66.7 % < 92 %.
    assert below == {
        world.city_roads.name: [
            "satisfaction 50.0% below 85%",
            "reply rate 66.7% below 92%",
        ]
    }
    assert [n.document_no for n in data.notices] == ["督办〔2025〕1号"]
    assert data.top_categories[0][1:] == (world.roads.name, 3)
    # The grouping did not run in this week (its own tests: tests/interaction/hotspots).
    assert (data.hot_issues, data.repeat_complaints) == ([], 0)
    assert data.filename == "weekly-2025-W10"


def test_report_standard_is_configurable(world: World, week: dict[str, Case], settings):
    settings.WENZHENG_STANDARD_SATISFACTION = 0.5
    settings.WENZHENG_STANDARD_REPLY_RATE = 0.6
    assert report.build_report(kind="week", period=WEEK).below_standard == []


def test_excel_has_the_sheets_and_the_numbers(world: World, week: dict[str, Case], settings):
    settings.LANGUAGE_CODE = "en"
    data = report.build_report(kind="week", period=WEEK)
    book = openpyxl.load_workbook(io.BytesIO(report.report_xlsx(data)))
    assert book.sheetnames == ["概况", "部门考核", "督办", "热点问题"]
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if row}
    assert overview["Received"] == 3
    assert overview["Replied"] == 2
    assert overview["Reply rate"] == pytest.approx(2 / 3)
    assert overview["Satisfaction"] == 0.5
    assert overview[world.city_roads.name].startswith("satisfaction 50.0%")
    departments = list(book["部门考核"].iter_rows(values_only=True))
    header = departments[0]
    roads = next(row for row in departments if row[1] == world.city_roads.name)
    assert roads[0] == 1  # ranked first: the only department with enough cases
    assert roads[header.index("Received")] == 3
    assert roads[header.index("Reply rate")] == pytest.approx(2 / 3)
    housing = next(row for row in departments if row[1] == world.housing_dept.name)
    assert housing[0] is None
    assert "at least 3 are needed" in housing[-1]
    notices = list(book["督办"].iter_rows(values_only=True))
    assert notices[1][2:4] == ("督办〔2025〕1号", week["silent"].tracking_no)


def test_weekly_report_command_writes_the_files(world: World, week: dict[str, Case], tmp_path):
    call_command("weekly_report", "--date", "2025-03-05", "--out", str(tmp_path))
    xlsx = tmp_path / "weekly-2025-W10.xlsx"
    html = tmp_path / "weekly-2025-W10.html"
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["概况", "部门考核", "督办", "热点问题"]
    body = html.read_text(encoding="utf-8")
    assert world.city_roads.name in body
    assert "督办〔2025〕1号" in body
    assert "@media print" in body


def test_monthly_report_command(world: World, week: dict[str, Case], tmp_path):
    call_command("weekly_report", "--month", "--date", "2025-03-05", "--out", str(tmp_path))
    assert (tmp_path / "monthly-2025-03.xlsx").exists()


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["citizen", "liaison", "dispatcher", "head"])
def test_dashboard_report_and_lists_are_refused_to_other_roles(client, world: World, persona):
    user = getattr(world, persona)
    for name in (
        "frontend:dashboard",
        "frontend:report",
        "frontend:report-xlsx",
        "frontend:insights-cases",
    ):
        assert page(client, user, reverse(name)).status_code == 403, name


def test_visitor_is_sent_to_sign_in(client, world: World):
    response = page(client, None, reverse("frontend:dashboard"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["leader", "supervisor", "admin"])
def test_dashboard_renders_svg_charts_and_the_table(
    client, world: World, week: dict[str, Case], persona
):
    response = page(
        client,
        getattr(world, persona),
        reverse("frontend:dashboard") + "?period=week&start=2025-03-03",
    )
    assert response.status_code == 200
    body = text(response)
    assert body.count("<svg") >= 6  # trend, 3 breakdowns, 2 Lorenz curves
    assert '<script src="http' not in body
    assert_no_external_assets(response)
    assert world.city_roads.name in body
    # Drill-down from the reply-rate cell of city roads: its unanswered case.
    assert (
        f"figure=not_replied&amp;start=2025-03-03&amp;end=2025-03-09&amp;department={world.city_roads.pk}"
        in body
    )


def test_dashboard_nav_item_only_for_leaders(client, world: World):
    url = reverse("frontend:dashboard")
    assert f'href="{url}"' in text(page(client, world.leader, "/"))
    assert f'href="{url}"' not in text(page(client, world.liaison, "/"))


def test_drill_down_lists_exactly_the_cases_behind_the_figure(
    client, world: World, week: dict[str, Case]
):
    url = reverse("frontend:insights-cases") + (
        f"?figure=not_replied&start=2025-03-03&end=2025-03-09&department={world.city_roads.pk}"
    )
    body = text(page(client, world.leader, url))
    assert week["silent"].tracking_no in body
    assert week["good"].tracking_no not in body
    assert week["redone"].tracking_no not in body


def test_report_page_is_printable(client, world: World, week: dict[str, Case]):
    response = page(client, world.leader, reverse("frontend:report") + "?kind=week&date=2025-03-05")
    body = text(response)
    assert response.status_code == 200
    assert "@media print" in body
    assert "督办〔2025〕1号" in body
    assert_no_external_assets(response)


def test_excel_download_from_the_page(client, world: World, week: dict[str, Case]):
    response = page(
        client, world.leader, reverse("frontend:report-xlsx") + "?kind=month&date=2025-03-05"
    )
    assert response["Content-Disposition"] == 'attachment; filename="monthly-2025-03.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book["部门考核"].max_row == 4  # header + three departments


# --- API ----------------------------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


ENDPOINTS = [
    "/api/insights/performance/",
    "/api/insights/trends/",
    "/api/insights/gini/",
    "/api/insights/report.xlsx",
]


@pytest.mark.parametrize("persona", ["citizen", "liaison", "head", "dispatcher"])
def test_api_refuses_other_roles(world: World, persona):
    for url in ENDPOINTS:
        assert api(getattr(world, persona)).get(url).status_code == 403, url


def test_api_refuses_visitors(world: World):
    for url in ENDPOINTS:
        assert api().get(url).status_code in (401, 403), url


def test_api_performance_figures(world: World, week: dict[str, Case]):
    response = api(world.leader).get(
        "/api/insights/performance/", {"start": "2025-03-03", "end": "2025-03-09"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    roads = next(d for d in data["departments"] if d["id"] == world.city_roads.pk)
    assert roads["counts"]["received"] == 3
    assert roads["rates"]["reply_rate"] == pytest.approx(2 / 3)
    assert roads["rates"]["satisfaction_rate"] == 0.5
    assert roads["rank"] == 1
    housing = next(d for d in data["departments"] if d["id"] == world.housing_dept.pk)
    assert housing["rank"] is None
    assert housing["not_ranked_reason"].startswith("0 cases received")
    east = next(d for d in data["districts"] if d["id"] == world.east.pk)
    assert east["counts"]["received"] == 2
    assert data["total"]["counts"]["replied"] == 2


def test_api_performance_rejects_a_bad_period(world: World):
    response = api(world.leader).get(
        "/api/insights/performance/", {"start": "2025-03-09", "end": "2025-03-03"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


def test_api_trends_and_gini(world: World, week: dict[str, Case]):
    trends = (
        api(world.supervisor)
        .get("/api/insights/trends/", {"start": "2025-03-03", "end": "2025-03-09"})
        .json()
    )
    assert trends["granularity"] == "day"
    assert trends["buckets"][0] == {"start": "2025-03-03", "received": 3, "replied": 2}
    assert len(trends["buckets"]) == 7
    assert {row["name"]: row["cases"] for row in trends["by_district"]} == {
        world.east.name: 2,
        world.west.name: 1,
    }
    gini = (
        api(world.supervisor)
        .get("/api/insights/gini/", {"start": "2025-03-03", "end": "2025-03-09"})
        .json()
    )
    # Districts: too few cases each (minimum 3) -> nothing compared.
    assert gini["districts"]["gini"] == 0.0
    assert set(gini["districts"]["left_out"]) == {world.east.name, world.west.name}
    assert gini["departments"]["units"] == [[world.city_roads.name, pytest.approx(2 / 3)]]


def test_api_report_xlsx(world: World, week: dict[str, Case]):
    response = api(world.admin).get(
        "/api/insights/report.xlsx", {"kind": "week", "date": "2025-03-05"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概况", "部门考核", "督办", "热点问题"]
