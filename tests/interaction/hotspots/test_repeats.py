"""Repeat complaints (重复诉求): recorded once, with who and why, and supervisors told once."""

from __future__ import annotations

from interaction.hotspots.grouping import Grouper, regroup_all
from interaction.hotspots.models import HotIssue, RepeatComplaint
from interaction.models import Case, Notification
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import PATHS, walk

from .conftest import POTHOLE, citizens, the_group, write


def closed(world: World, case: Case) -> Case:
    return walk(world, case, PATHS[Status.CLOSED])


def test_the_same_citizen_writing_again_after_closure_is_a_repeat(
    world: World, grouper: Grouper
) -> None:
    author, other = citizens(2)
    first = write(author, POTHOLE[0])
    write(other, POTHOLE[1])  # written before the first case was closed: no repeat
    first = closed(world, first)
    grouper.run_once()
    assert not RepeatComplaint.objects.exists()
    again = write(author, POTHOLE[3])
    report = grouper.run_once()
    assert report.repeats == 1
    repeat = RepeatComplaint.objects.get()
    assert (repeat.case, repeat.earlier_case) == (again, first)
    assert repeat.reason == RepeatComplaint.Reason.SAME_ACCOUNT
    assert repeat.hot_issue == the_group(again)
    assert repeat.notified_at is not None
    assert the_group(again).repeat_count == 1
    note = Notification.objects.get(recipient=world.supervisor, verb="repeat_complaint")
    assert note.case == again
    assert note.text == (f"1 条重复诉求（办结后再次反映）：{again.tracking_no}←{first.tracking_no}")


def test_an_anonymous_writer_is_recognised_by_phone(world: World, grouper: Grouper) -> None:
    first = closed(world, write(citizens(1)[0], POTHOLE[0], contact_phone="13955550000"))
    write(None, POTHOLE[2], contact_phone="13955550000")
    grouper.run_once()
    repeat = RepeatComplaint.objects.get()
    assert repeat.earlier_case == first
    assert repeat.reason == RepeatComplaint.Reason.SAME_PHONE


def test_another_citizen_with_the_same_problem_after_closure(
    world: World, grouper: Grouper
) -> None:
    first = closed(world, write(citizens(1)[0], POTHOLE[0]))
    later = write(citizens(1)[0], POTHOLE[2])
    grouper.run_once()
    repeat = RepeatComplaint.objects.get()
    assert (repeat.case, repeat.earlier_case) == (later, first)
    assert repeat.reason == RepeatComplaint.Reason.SAME_PROBLEM
    assert repeat.similarity > 0.2


def test_an_open_earlier_case_makes_no_repeat(world: World, grouper: Grouper) -> None:
    author = citizens(1)[0]
    write(author, POTHOLE[0])  # still waiting for dispatch
    write(author, POTHOLE[1])
    grouper.run_once()
    assert not RepeatComplaint.objects.exists()
    assert HotIssue.objects.get().repeat_count == 0


def test_supervisors_get_one_notification_per_run(world: World, grouper: Grouper) -> None:
    author = citizens(1)[0]
    closed(world, write(author, POTHOLE[0]))
    grouper.run_once()
    write(author, POTHOLE[1])
    write(author, POTHOLE[2])
    grouper.run_once()
    assert RepeatComplaint.objects.count() == 2
    assert (
        Notification.objects.filter(recipient=world.supervisor, verb="repeat_complaint").count()
        == 1
    )
    assert not Notification.objects.filter(recipient=world.leader, verb="repeat_complaint").exists()


def test_a_regroup_neither_duplicates_nor_notifies_again(world: World, grouper: Grouper) -> None:
    author = citizens(1)[0]
    closed(world, write(author, POTHOLE[0]))
    write(author, POTHOLE[1])
    grouper.run_once()
    regroup_all()
    regroup_all()
    assert RepeatComplaint.objects.count() == 1
    assert Notification.objects.filter(verb="repeat_complaint").count() == 1
