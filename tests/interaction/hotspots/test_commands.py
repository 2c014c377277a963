"""The commands: `group_messages` (idempotent; two runs, no duplicate groups), `regroup_messages`
(full recomputation, `--scores`)."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from interaction.hotspots.models import HotIssue, HotIssueCase
from interaction.models import Case
from tests.factories import World

from .conftest import OTHERS, POTHOLE, citizens, write


def run(*args: str) -> list[dict]:
    out = StringIO()
    call_command(*args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_group_messages_groups_new_cases_and_twice_changes_nothing(world: World) -> None:
    for user, text in zip(citizens(5), [*POTHOLE[:3], *OTHERS], strict=True):
        write(user, text)
    [report] = run("group_messages")
    assert report["grouped"] == 5
    assert report["joined"] == 2
    rows = list(HotIssueCase.objects.values_list("case_id", "hot_issue_id").order_by("case_id"))
    run("group_messages")
    run("group_messages")
    assert HotIssue.objects.count() == 1
    assert (
        list(HotIssueCase.objects.values_list("case_id", "hot_issue_id").order_by("case_id"))
        == rows
    )


def test_group_messages_quiet_prints_nothing_when_idle(world: World) -> None:
    assert run("group_messages", "--quiet") == []


def test_group_messages_rebuild_recomputes_first(world: World) -> None:
    for user, text in zip(citizens(2), POTHOLE[:2], strict=True):
        write(user, text)
    reports = run("group_messages", "--rebuild")
    assert reports[0]["regroup"]["groups"] == 1


def test_regroup_messages_twice_gives_the_same_rows(world: World) -> None:
    cases = [write(u, t) for u, t in zip(citizens(4), POTHOLE, strict=True)]
    [first] = run("regroup_messages")
    assert first["groups"] == 1
    assert first["grouped_cases"] == 4
    rows = list(HotIssue.objects.values_list("pk", "key", "case_count"))
    [second] = run("regroup_messages")
    assert second["removed"] == 0
    assert list(HotIssue.objects.values_list("pk", "key", "case_count")) == rows
    assert HotIssue.objects.get().key == cases[0].pk


def test_regroup_scores_follows_new_weights(world: World, settings) -> None:
    for user, text in zip(citizens(3), POTHOLE[:3], strict=True):
        write(user, text)
    run("regroup_messages")
    before = HotIssue.objects.get().hotness_base
    settings.WENZHENG_HOT_WEIGHTS = "messages=0,citizens=0,support=0,repeats=0"
    [report] = run("regroup_messages", "--scores")
    assert report == {"refreshed": 1}
    assert before > 0
    assert HotIssue.objects.get().hotness_base == 0
    assert Case.objects.count() == 3
