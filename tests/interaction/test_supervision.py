"""Supervision (督办): graded notices in order, never twice, one digest per person and run.

The case below is a complaint dispatched Fri 13 February 2026 at 10:00 (13 working days across
the Spring Festival). Its thresholds (see test_deadlines):
  warning   Fri  6 March 09:36  (80 % of the limit)
  reminder  Tue 10 March 23:59:59 (the deadline)
  notice    Wed 11 March 23:59:59 (one working day after)
  criticism Wed 18 March 23:59:59 (five more working days)
"""

from __future__ import annotations

import pytest
from django.core import mail

from interaction.models import (
    Case,
    CaseEvent,
    Kind,
    Notification,
    PlatformSettings,
    SupervisionLevel,
    SupervisionNotice,
)
from interaction.services import handling, notifications, supervision
from interaction.sms import MemorySmsBackend
from interaction.states import Status
from tests.factories import World, submit

from .scenarios import (
    ANSWER,
    QUESTION,
    Clock,
    at,
    do_dispatch,
    listen,
    local,
    reach,
    received,
    walk,
)

WARNING_DUE = at(2026, 3, 6, 10)
REMINDER_DUE = at(2026, 3, 11, 0, 1)
NOTICE_DUE = at(2026, 3, 12, 0, 1)
CRITICISM_DUE = at(2026, 3, 19, 0, 1)


@pytest.fixture
def sms(settings) -> list[tuple[str, str]]:
    settings.WENZHENG_SMS_BACKEND = "interaction.sms.MemorySmsBackend"
    settings.LANGUAGE_CODE = "en"
    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, at(2026, 2, 13, 10))


def late_case(world: World, clock: Clock, **submission: object) -> Case:
    case = walk(world, submit(world.citizen, **submission), [do_dispatch])
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    clock.advance(minutes=1)
    return Case.objects.get(pk=case.pk)


def levels_of(case: Case) -> list[int]:
    return list(case.supervision_notices.order_by("level").values_list("level", flat=True))


def flush_digests() -> None:
    notifications.send_digests()
    mail.outbox.clear()
    MemorySmsBackend.outbox.clear()


def test_levels_come_in_order_at_their_moments(world: World, clock: Clock, sms) -> None:
    case = late_case(world, clock)
    assert local(case.warn_at) == at(2026, 3, 6, 9, 36)

    steps = [
        (at(2026, 3, 6, 9, 30), [], 0),
        (WARNING_DUE, [SupervisionLevel.WARNING], 1),
        (at(2026, 3, 10, 23, 0), [SupervisionLevel.WARNING], 1),
        (REMINDER_DUE, [1, 2], 2),
        (NOTICE_DUE, [1, 2, 3], 3),
        (at(2026, 3, 18, 12), [1, 2, 3], 3),
        (CRITICISM_DUE, [1, 2, 3, 4], 4),
    ]
    for now, expected, level in steps:
        supervision.supervise(now=now, digests=False)
        case.refresh_from_db()
        assert levels_of(case) == expected, now
        assert case.supervision_level == level, now

    rows = list(case.events.filter(action="supervision").values_list("data", "is_public"))
    assert rows == [
        ({"level": 1, "document": ""}, False),
        ({"level": 2, "document": ""}, False),
        ({"level": 3, "document": f"DB2026-{case.tracking_no}-1"}, True),
        ({"level": 4, "document": f"TB2026-{case.tracking_no}-1"}, True),
    ]
    assert all(
        e.actor is None and e.actor_role == "system"
        for e in case.events.filter(action="supervision")
    )
    notice = case.supervision_notices.get(level=SupervisionLevel.NOTICE)
    assert (notice.department, notice.stage_no, notice.deadline) == (
        world.city_roads,
        1,
        case.reply_deadline,
    )


def test_who_is_told_at_each_level(world: World, clock: Clock, sms) -> None:
    case = late_case(world, clock)
    supervision.supervise(now=REMINDER_DUE, digests=False)
    told = set(
        Notification.objects.filter(verb="supervision").values_list("recipient__username", "text")
    )
    deadline = "2026-03-10"
    assert told == {
        (who, text)
        for who in ("roads_liaison", "roads_head")
        for text in (
            f"Warning: case {case.tracking_no} has used most of its time; "
            f"the deadline is {deadline}.",
            f"Reminder: the deadline of case {case.tracking_no} ({deadline}) has passed.",
        )
    }
    supervision.supervise(now=NOTICE_DUE, digests=False)
    notice_texts = set(
        Notification.objects.filter(
            verb="supervision", text__startswith="Supervision notice"
        ).values_list("recipient__username", flat=True)
    )
    # The supervisor hears from the notice on; the citizen is never sent supervision notices.
    assert notice_texts == {"roads_liaison", "roads_head", "supervisor"}
    assert not Notification.objects.filter(recipient=world.citizen, verb="supervision").exists()


def test_a_late_first_run_issues_every_level_due_once_in_order(
    world: World, clock: Clock, sms
) -> None:
    case = late_case(world, clock)
    report = supervision.supervise(now=CRITICISM_DUE, digests=False)
    assert report.as_dict() == {
        "warnings": 1,
        "reminders": 1,
        "notices": 1,
        "criticisms": 1,
        "closed_unrated": 0,
        "digests": 0,
    }
    levels = [e.data["level"] for e in case.events.filter(action="supervision")]
    assert levels == [1, 2, 3, 4]


def test_running_twice_gives_no_duplicate_notices_or_messages(
    world: World, clock: Clock, sms
) -> None:
    late_case(world, clock)
    flush_digests()
    first = supervision.supervise(now=NOTICE_DUE)
    assert first.as_dict()["notices"] == 1
    counts = (
        SupervisionNotice.objects.count(),
        CaseEvent.objects.filter(action="supervision").count(),
        Notification.objects.count(),
        len(mail.outbox),
        len(sms),
    )
    second = supervision.supervise(now=NOTICE_DUE)
    assert second.as_dict() == {
        "warnings": 0,
        "reminders": 0,
        "notices": 0,
        "criticisms": 0,
        "closed_unrated": 0,
        "digests": 0,
    }
    assert (
        SupervisionNotice.objects.count(),
        CaseEvent.objects.filter(action="supervision").count(),
        Notification.objects.count(),
        len(mail.outbox),
        len(sms),
    ) == counts
    assert counts[0] == 3


def test_one_digest_per_person_per_run(world: World, clock: Clock, sms) -> None:
    late_case(world, clock)
    late_case(world, clock, subject="花园路路灯不亮")
    housing = submit(world.other_citizen, subject="公租房漏水")
    from interaction.services import dispatch

    dispatch.case_dispatch(
        case_id=housing.pk,
        actor=world.dispatcher,
        department_id=world.housing_dept.pk,
        category_id=world.housing.pk,
    )
    flush_digests()

    report = supervision.supervise(now=NOTICE_DUE)

    recipients = {"roads_liaison", "roads_head", "housing_liaison", "supervisor"}
    assert report.digests == len(recipients)
    assert len(mail.outbox) == len(recipients)
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == sorted(
        u.email for u in (world.liaison, world.head, world.housing_liaison, world.supervisor)
    )
    liaison_mail = next(m for m in mail.outbox if m.to == [world.liaison.email])
    # Two cases × warning, reminder, notice.
    assert liaison_mail.subject == "Wenzheng: 6 new notifications"
    assert len(liaison_mail.body.splitlines()) == 6
    supervisor_mail = next(m for m in mail.outbox if m.to == [world.supervisor.email])
    assert supervisor_mail.subject == "Wenzheng: 3 new notifications"  # the three notices
    # Staff also get one SMS each, saying how many notifications wait.
    assert sorted(phone for phone, _text in sms) == sorted(
        [world.liaison.phone, world.head.phone, world.housing_liaison.phone, world.supervisor.phone]
    )
    assert not Notification.objects.filter(digested_at__isnull=True).exists()


def test_granted_extension_resets_levels_not_yet_due(world: World, clock: Clock, sms) -> None:
    case = late_case(world, clock)
    supervision.supervise(now=WARNING_DUE, digests=False)
    clock.set(at(2026, 3, 6, 11))
    request = handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=5, reason="需等待第三方检测报告。"
    )
    clock.set(at(2026, 3, 9, 9))
    supervision.extension_decide(request_id=request.pk, actor=world.supervisor, grant=True)
    case.refresh_from_db()
    assert local(case.reply_deadline) == at(2026, 3, 17, 23, 59).replace(second=59)
    assert case.supervision_level == 0  # the new warning moment (Mar 13) is still ahead

    # At the old reminder moment nothing happens any more.
    assert sum(supervision.supervise(now=REMINDER_DUE, digests=False).notices.values()) == 0
    # At the new deadline the reminder comes; the warning is not sent a second time.
    report = supervision.supervise(now=at(2026, 3, 18, 0, 1), digests=False)
    assert report.as_dict()["warnings"] == 0
    assert report.as_dict()["reminders"] == 1
    assert levels_of(case) == [1, 2]


def test_cases_waiting_for_the_citizen_are_not_supervised(world: World, clock: Clock, sms) -> None:
    case = late_case(world, clock)
    handling.case_start(case_id=case.pk, actor=world.liaison)
    clock.set(at(2026, 3, 2, 10))
    handling.case_request_info(case_id=case.pk, actor=world.liaison, question=QUESTION)
    report = supervision.supervise(now=CRITICISM_DUE, digests=False)
    assert sum(report.notices.values()) == 0
    case.refresh_from_db()
    assert (case.status, case.supervision_level) == (Status.AWAITING_CITIZEN, 0)

    clock.set(at(2026, 3, 5, 10))
    handling.case_provide_info(case_id=case.pk, actor=world.citizen, answer=ANSWER)
    case.refresh_from_db()
    assert case.paused_days == 3
    assert local(case.reply_deadline) == at(2026, 3, 13, 23, 59).replace(second=59)
    supervision.supervise(now=at(2026, 3, 13, 12), digests=False)
    assert levels_of(case) == [SupervisionLevel.WARNING]


def test_replied_cases_are_not_supervised(world: World, clock: Clock, sms) -> None:
    case = reach(world, Status.REPLIED)
    supervision.supervise(now=at(2026, 12, 31), digests=False)
    assert levels_of(case) == []


def test_unrated_cases_close_after_the_configured_days(world: World, clock: Clock, sms) -> None:
    PlatformSettings.objects.update_or_create(pk=1, defaults={"evaluation_days": 3})
    case = reach(world, Status.REPLIED, kind=Kind.CONSULTATION)
    replied = local(case.replied_at)
    assert supervision.supervise(now=at(2026, 2, 16, 9, 59), digests=False).closed_unrated == 0
    report = supervision.supervise(now=replied.replace(day=16), digests=False)
    assert report.closed_unrated == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closure_reason == "Closed without evaluation."
    row = case.events.get(action="close_unrated")
    assert (row.from_status, row.to_status, row.actor, row.actor_role) == (
        "replied",
        "closed",
        None,
        "system",
    )
    assert supervision.supervise(now=at(2026, 3, 1), digests=False).closed_unrated == 0


def test_supervision_events_are_published_only_after_commit(
    world: World, clock: Clock, sms, django_capture_on_commit_callbacks
) -> None:
    case = late_case(world, clock)
    channel = listen(f"case.{case.pk}")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        supervision.supervise(now=WARNING_DUE, digests=False)
    assert received(channel) == []
    for callback in callbacks:
        callback()
    events = [m for m in received(channel) if m.get("event") == "supervision"]
    assert len(events) == 1
    assert events[0]["case_id"] == case.pk
