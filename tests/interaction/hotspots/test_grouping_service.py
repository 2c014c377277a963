"""The grouping service: cases → groups in the database, off the request path, idempotent."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from interaction.hotspots.grouping import Grouper, regroup_all
from interaction.hotspots.models import GroupingState, HotIssue, HotIssueCase
from interaction.models import Case
from interaction.services import dispatch
from tests.factories import World

from .conftest import OTHERS, POTHOLE, citizens, group, the_group, write


def test_cases_about_the_same_problem_form_one_group(world: World, pothole: list[Case]) -> None:
    hot = the_group(pothole[0])
    assert set(hot.memberships.values_list("case_id", flat=True)) == {c.pk for c in pothole}
    assert hot.case_count == 4
    assert hot.citizen_count == 4
    assert hot.key == pothole[0].pk
    assert "花园路" in hot.place
    assert hot.representative in pothole
    assert hot.title == hot.representative.subject
    assert hot.hotness_base > 0
    # The other messages stay alone: no group is stored for a single case.
    assert HotIssue.objects.count() == 1
    assert HotIssueCase.objects.count() == 4


def test_a_title_is_masked_like_a_published_subject(world: World, grouper: Grouper) -> None:
    """Titles reach dashboards, reports and departments: no phone number, no writer's name."""
    writers = citizens(4)
    for user, (subject, body) in zip(writers, POTHOLE, strict=True):
        write(user, (f"{user.display_name}：{subject}，电话13912345678", body))
    grouper.run_once()
    hot = HotIssue.objects.get()
    assert "13912345678" not in hot.title
    assert hot.representative is not None
    assert hot.representative.contact_name not in hot.title
    assert hot.title.startswith("*"), hot.title
    assert hot.representative.citizen.display_name not in hot.title


def test_submission_does_not_group_until_the_grouping_runs(world: World) -> None:
    cases = [write(u, t) for u, t in zip(citizens(2), POTHOLE[:2], strict=True)]
    assert not HotIssueCase.objects.filter(case__in=cases).exists()
    report = group()
    assert report.grouped == 2
    assert report.joined == 1
    assert HotIssueCase.objects.filter(case__in=cases).count() == 2


def test_a_new_case_joins_the_existing_group(
    world: World, pothole: list[Case], grouper: Grouper
) -> None:
    late = write(citizens(1)[0], ("花园路大坑积水", POTHOLE[1][1]))
    report = grouper.run_once()
    assert report.grouped == 1
    assert report.joined == 1
    hot = the_group(late)
    assert hot == the_group(pothole[0])
    assert hot.case_count == 5


def test_running_twice_changes_nothing(world: World, pothole: list[Case], grouper: Grouper) -> None:
    before = list(HotIssueCase.objects.values_list("case_id", "hot_issue_id").order_by("case_id"))
    assert grouper.run_once().grouped == 0
    # A fresh process scores the recent single cases again: the groups stay the same.
    Grouper().run_once()
    assert (
        list(HotIssueCase.objects.values_list("case_id", "hot_issue_id").order_by("case_id"))
        == before
    )


def test_a_fresh_process_reloads_the_groups_and_continues(
    world: World, pothole: list[Case]
) -> None:
    # A second process (another Grouper) reloads its engine from the stored groups first.
    late = write(citizens(1)[0], POTHOLE[2])
    report = Grouper().run_once()
    assert report.reloaded
    assert the_group(late) == the_group(pothole[0])
    assert the_group(pothole[0]).case_count == 5


def test_another_process_writing_makes_a_warm_grouper_reload(world: World) -> None:
    first, second = Grouper(), Grouper()
    write(citizens(1)[0], POTHOLE[0])
    assert first.run_once().grouped == 1
    write(citizens(1)[0], POTHOLE[1])
    report = second.run_once()
    assert report.reloaded
    assert report.joined == 1
    assert HotIssue.objects.get().case_count == 2
    write(citizens(1)[0], POTHOLE[2])
    report = first.run_once()  # its engine is behind: the row's version changed under it
    assert report.reloaded
    assert report.joined == 1
    assert HotIssue.objects.get().case_count == 3


def test_a_late_committed_case_below_the_last_id_is_still_grouped(
    world: World, pothole: list[Case], grouper: Grouper
) -> None:
    # Case ids are taken at insert, the grouping sees a case at commit: a case can appear
    # below the last id grouped. The warm process looks back over the recent ids.
    late = write(citizens(1)[0], POTHOLE[3])
    state = GroupingState.row()
    GroupingState.objects.filter(pk=state.pk).update(last_case_id=late.pk + 10)
    report = grouper.run_once()
    assert report.grouped == 1
    assert the_group(late) == the_group(pothole[0])


def test_spam_is_not_grouped(world: World) -> None:
    spam = [write(u, POTHOLE[0]) for u in citizens(2)]
    for case in spam:
        dispatch.case_close_invalid(case_id=case.pk, actor=world.dispatcher, reason="重复广告。")
    assert group().grouped == 0
    assert not HotIssue.objects.exists()


def test_full_regroup_gives_the_groups_of_the_incremental_run(
    world: World, pothole: list[Case]
) -> None:
    for user, text in zip(citizens(2), [POTHOLE[1], OTHERS[0]], strict=True):
        write(user, text)
    group()
    incremental = set(HotIssueCase.objects.values_list("case_id", "hot_issue__key"))
    report = regroup_all()
    assert report.groups == 2  # the pothole, and the two messages about the square dance
    assert set(HotIssueCase.objects.values_list("case_id", "hot_issue__key")) == incremental
    assert GroupingState.row().generation == 1


def test_regroup_twice_keeps_the_same_rows(world: World, pothole: list[Case]) -> None:
    regroup_all()
    rows = list(HotIssue.objects.values_list("pk", "key").order_by("pk"))
    regroup_all()
    assert list(HotIssue.objects.values_list("pk", "key").order_by("pk")) == rows


def test_a_confirmed_group_keeps_its_cases_through_a_regroup(
    world: World, pothole: list[Case], settings
) -> None:
    from interaction.hotspots.services import hot_issue_confirm

    hot = the_group(pothole[0])
    hot_issue_confirm(hot_issue_id=hot.pk, actor=world.leader)
    settings.WENZHENG_HOT_THRESHOLD = 0.99  # nothing would group any more
    regroup_all()
    hot.refresh_from_db()
    assert hot.status == HotIssue.Status.CONFIRMED
    assert hot.memberships.count() == 4


def test_after_a_regroup_the_running_grouper_reloads(
    world: World, pothole: list[Case], grouper: Grouper
) -> None:
    regroup_all()
    write(citizens(1)[0], POTHOLE[1])
    report = grouper.run_once()
    assert report.reloaded
    assert report.joined == 1


def test_figures_count_citizens_by_account_or_phone(world: World) -> None:
    author = citizens(1)[0]
    write(author, POTHOLE[0])
    write(author, POTHOLE[1])
    write(None, POTHOLE[2], contact_phone="13912345678")
    write(None, POTHOLE[3], contact_phone="13912345678")
    group()
    hot = HotIssue.objects.get()
    assert (hot.case_count, hot.citizen_count) == (4, 2)


def test_a_run_costs_a_bounded_number_of_queries(
    world: World, pothole: list[Case], grouper: Grouper
) -> None:
    for user, text in zip(citizens(3), POTHOLE[1:], strict=True):
        write(user, text)
    with CaptureQueriesContext(connection) as ctx:
        report = grouper.run_once()
    assert report.grouped == 3
    assert len(ctx.captured_queries) < 40
