"""Hot-issue pages: the list and one group, the leader's decisions, the coordinated answer, the
support button, the supervision board, the dashboard and the report — and who may NOT."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import Role
from interaction.hotspots.grouping import Grouper
from interaction.hotspots.models import CaseSupport, CoordinatedAnswer, HotIssue
from interaction.insights import report
from interaction.insights.periods import Period
from interaction.models import Case
from interaction.services import dispatch, handling
from interaction.states import Status
from tests.factories import World, make_user
from tests.frontend.conftest import assert_no_external_assets, page, text
from tests.interaction.hotspots.conftest import (
    POTHOLE,
    citizens,
    make_pothole,
    the_group,
    write,
)
from tests.interaction.scenarios import PATHS, walk

ANSWER = "市城管局已组织施工队对花园路与经三路交叉口路面进行修补，预计本周五前完工。"


@pytest.fixture
def grouper() -> Grouper:
    return Grouper()


@pytest.fixture
def pothole(world: World, grouper: Grouper) -> list[Case]:
    return make_pothole(grouper)


@pytest.fixture
def issue(world: World, pothole: list[Case]) -> HotIssue:
    return the_group(pothole[0])


def test_leader_sees_the_list_with_figures(client: Client, world: World, issue: HotIssue) -> None:
    response = page(client, world.leader, reverse("frontend:hot-issues"))
    assert response.status_code == 200
    body = text(response)
    assert f'data-hot-issue="{issue.pk}"' in body
    assert issue.title in body
    assert "热点问题" in body
    assert "位市民" in body
    assert_no_external_assets(response)


@pytest.mark.parametrize("who", ["citizen", "other_citizen"])
def test_citizens_may_not_open_the_pages(
    client: Client, world: World, issue: HotIssue, who: str
) -> None:
    user = getattr(world, who)
    assert page(client, user, reverse("frontend:hot-issues")).status_code == 403
    assert page(client, user, reverse("frontend:hot-issue", args=[issue.pk])).status_code == 403


def test_visitors_are_sent_to_sign_in(client: Client, issue: HotIssue) -> None:
    response = page(client, None, reverse("frontend:hot-issue", args=[issue.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_department_sees_only_what_was_assigned_to_it(
    client: Client, world: World, issue: HotIssue
) -> None:
    url = reverse("frontend:hot-issue", args=[issue.pk])
    assert page(client, world.liaison, url).status_code == 404
    assert issue.title not in text(page(client, world.liaison, reverse("frontend:hot-issues")))
    client.force_login(world.leader)
    client.post(
        reverse("frontend:hot-issue-assign", args=[issue.pk]),
        {"department": world.city_roads.pk},
    )
    assert page(client, world.liaison, url).status_code == 200
    assert page(client, world.east_liaison, url).status_code == 404


def test_detail_shows_cases_and_the_leaders_forms(
    client: Client,
    world: World,
    pothole: list[Case],
    issue: HotIssue,
) -> None:
    url = reverse("frontend:hot-issue", args=[issue.pk])
    body = text(page(client, world.leader, url))
    for case in pothole:
        assert f'href="{case.get_absolute_url()}"' in body
    assert 'name="confirm"' in body
    assert 'name="assign"' in body
    supervisor_view = text(page(client, world.supervisor, url))
    assert 'name="confirm"' not in supervisor_view
    assert 'name="assign"' not in supervisor_view


def test_confirm_and_assign_from_the_page(client: Client, world: World, issue: HotIssue) -> None:
    client.force_login(world.leader)
    response = client.post(reverse("frontend:hot-issue-confirm", args=[issue.pk]), follow=True)
    assert "已确认为热点问题。" in text(response)
    response = client.post(
        reverse("frontend:hot-issue-assign", args=[issue.pk]),
        {"department": world.city_roads.pk, "note": "牵头"},
        follow=True,
    )
    assert "已交办统一答复。" in text(response)
    issue.refresh_from_db()
    assert (issue.status, issue.department) == (HotIssue.Status.CONFIRMED, world.city_roads)


def test_assign_without_a_department_says_so_and_changes_nothing(
    client: Client, world: World, issue: HotIssue
) -> None:
    client.force_login(world.leader)
    response = client.post(reverse("frontend:hot-issue-assign", args=[issue.pk]), {})
    assert response.status_code == 400
    assert "请选择启用中的单位。" in text(response)
    issue.refresh_from_db()
    assert issue.department is None
    assert issue.status == HotIssue.Status.CANDIDATE


def test_a_supervisor_may_not_post_a_decision(
    client: Client, world: World, issue: HotIssue
) -> None:
    client.force_login(world.supervisor)
    response = client.post(reverse("frontend:hot-issue-confirm", args=[issue.pk]))
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.status == HotIssue.Status.CANDIDATE


def test_the_coordinated_answer_through_the_pages(
    client: Client,
    world: World,
    pothole: list[Case],
    issue: HotIssue,
) -> None:
    for case in pothole[:2]:
        dispatch.case_dispatch(
            case_id=case.pk,
            actor=world.dispatcher,
            department_id=world.city_roads.pk,
            category_id=world.road_repair.pk,
        )
        handling.case_sign(case_id=case.pk, actor=world.liaison)
    client.force_login(world.leader)
    client.post(
        reverse("frontend:hot-issue-assign", args=[issue.pk]), {"department": world.city_roads.pk}
    )
    url = reverse("frontend:hot-issue", args=[issue.pk])
    assert 'name="write_answer"' in text(page(client, world.liaison, url))
    assert 'name="write_answer"' not in text(page(client, world.leader, url))
    client.force_login(world.liaison)
    response = client.post(
        reverse("frontend:hot-issue-answer", args=[issue.pk]), {"body": ANSWER}, follow=True
    )
    assert "已为 2 件工单撰写答复" in text(response)
    answer = CoordinatedAnswer.objects.get()
    assert 'name="pass"' in text(page(client, world.head, url))
    assert 'name="pass"' not in text(page(client, world.liaison, url))
    client.force_login(world.head)
    client.post(reverse("frontend:hot-answer-approve", args=[answer.pk]))
    client.force_login(world.dispatcher)
    response = client.post(reverse("frontend:hot-answer-publish", args=[answer.pk]), follow=True)
    assert "统一答复已发送给全部市民。" in text(response)
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in pothole[:2]]).values_list("status", flat=True)
    ) == {Status.REPLIED}


def test_a_short_answer_is_shown_on_the_form(client: Client, world: World, issue: HotIssue) -> None:
    client.force_login(world.leader)
    client.post(
        reverse("frontend:hot-issue-assign", args=[issue.pk]), {"department": world.city_roads.pk}
    )
    client.force_login(world.liaison)
    response = client.post(reverse("frontend:hot-issue-answer", args=[issue.pk]), {"body": "好"})
    assert response.status_code == 400
    assert "答复内容过短：请说明办理情况。" in text(response)
    assert not CoordinatedAnswer.objects.exists()


# --- support on the case page ---------------------------------------------------------------


def test_a_citizen_supports_from_the_case_page_once(
    client: Client,
    world: World,
    pothole: list[Case],
) -> None:
    case = walk(world, pothole[0], PATHS[Status.REPLIED])
    supporter = make_user(Role.CITIZEN)
    body = text(page(client, supporter, case.get_absolute_url()))
    assert "0 位市民附议了这条留言" in body
    assert 'name="support"' in body
    response = client.post(reverse("frontend:case-support", args=[case.tracking_no]), follow=True)
    assert "谢谢，您的附议已记录。" in text(response)
    assert "1 位市民附议了这条留言" in text(response)
    assert "您已附议。" in text(response)
    response = client.post(reverse("frontend:case-support", args=[case.tracking_no]), follow=True)
    assert "您已经附议过这条留言。" in text(response)
    assert CaseSupport.objects.count() == 1


def test_the_author_and_visitors_get_no_support_button(
    client: Client,
    world: World,
    pothole: list[Case],
) -> None:
    case = walk(world, pothole[0], PATHS[Status.REPLIED])
    assert 'name="support"' not in text(page(client, case.citizen, case.get_absolute_url()))
    visitor = text(page(client, None, case.get_absolute_url()))
    assert 'name="support"' not in visitor
    assert "登录后附议" in visitor


# --- supervision board, dashboard, report ------------------------------------------------------


def test_the_supervision_board_lists_repeat_complaints(
    client: Client,
    world: World,
    grouper,
) -> None:
    author = citizens(1)[0]
    first = walk(world, write(author, POTHOLE[0]), PATHS[Status.CLOSED])
    again = write(author, POTHOLE[1])
    grouper.run_once()
    body = text(page(client, world.supervisor, reverse("frontend:board")))
    assert 'id="repeats"' in body
    assert again.tracking_no in body
    assert first.tracking_no in body
    assert "同一市民（账号）" in body


def test_the_dashboard_shows_the_hot_issues(client: Client, world: World, issue: HotIssue) -> None:
    body = text(page(client, world.leader, reverse("frontend:dashboard")))
    assert 'id="hot-issues"' in body
    assert reverse("frontend:hot-issue", args=[issue.pk]) in body
    assert "Recurring" not in body


def test_the_report_lists_the_hot_issues_in_page_and_excel(
    client: Client, world: World, issue: HotIssue
) -> None:
    today = timezone.localdate()
    period = Period(
        today - dt.timedelta(days=today.weekday()), today + dt.timedelta(days=6 - today.weekday())
    )
    data = report.build_report(kind="week", period=period)
    [line] = data.hot_issues
    assert (line.id, line.cases, line.citizens, line.open) == (issue.pk, 4, 4, 4)
    body = text(page(client, world.leader, f"{reverse('frontend:report')}?kind=week&date={today}"))
    assert f'data-hot-issue="{issue.pk}"' in body
    book = openpyxl.load_workbook(io.BytesIO(report.report_xlsx(data)))
    sheet = book["热点问题"]
    assert sheet["A1"].value == "热点问题"
    assert sheet["A2"].value == issue.title
    assert sheet["F2"].value == 4


def test_a_long_list_pages_and_keeps_its_filter(client: Client, world: World) -> None:
    now = timezone.now()
    HotIssue.objects.bulk_create(
        HotIssue(
            key=1000 + n,
            title=f"第{n}个问题",
            first_at=now,
            last_at=now,
            case_count=3,
            citizen_count=3,
            status=HotIssue.Status.CONFIRMED,
            rank_key=float(n),
        )
        for n in range(31)
    )
    url = reverse("frontend:hot-issues")
    body = text(page(client, world.leader, url + "?status=confirmed"))
    assert body.count("data-hot-issue=") == 30
    assert 'href="?status=confirmed&amp;page=2" rel="next"' in body
    second = text(page(client, world.leader, url + "?status=confirmed&page=2"))
    assert second.count("data-hot-issue=") == 1
    assert "第0个问题" in second
    assert 'href="?status=confirmed&amp;page=1" rel="prev"' in second
