"""Deadlines in working days across the 2026 holidays, with pauses, extensions and recomputation.

Calendar facts used (chinesecalendar 1.11): Spring Festival 2026 is Sun 15 – Mon 23 February off,
Sat 14 and Sat 28 February working days; National Day 2026 is 1 – 7 October off, Sun 20 September
and Sat 10 October working days. 2027 is unknown to the package (fallback: weekends only).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from backend.organisation.models import CalendarOverride
from backend.organisation.workcalendar import SOURCE_OVERRIDE, WorkCalendar
from interaction.deadlines import (
    compute_deadlines,
    explain,
    limits_for,
    working_time,
)
from interaction.errors import DeadlinePassed
from interaction.models import Case, CaseEvent, DeadlinePolicy, Kind, Notification, Urgency
from interaction.services import calendar as calendar_service
from interaction.services import evaluation, handling, supervision
from interaction.states import Status
from tests.factories import World, submit

from .scenarios import ANSWER, QUESTION, Clock, at, do_dispatch, local, reach, walk


def end_of(year: int, month: int, day: int) -> dt.datetime:
    return at(year, month, day, 23, 59).replace(second=59)


def dispatched_at(world: World, clock: Clock, moment: dt.datetime, **submission: object) -> Case:
    clock.set(moment)
    case = submit(world.citizen, **submission)
    return walk(world, case, [do_dispatch])


# --- limits -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (Kind.CONSULTATION, 3),
        (Kind.HELP, 3),
        (Kind.COMPLAINT, 13),
        (Kind.SUGGESTION, 13),
        (Kind.REPORT, 13),
    ],
)
def test_default_limits_by_kind(kind: str, days: int) -> None:
    limits = limits_for(kind, Urgency.NORMAL)
    assert (limits.sign_days, limits.reply_days) == (1, days)


@pytest.mark.django_db
def test_configured_policy_wins_and_urgent_falls_back_to_normal_policy() -> None:
    DeadlinePolicy.objects.create(kind=Kind.COMPLAINT, urgency=Urgency.NORMAL, reply_days=10)
    DeadlinePolicy.objects.create(kind=Kind.HELP, urgency=Urgency.URGENT, sign_days=1, reply_days=1)
    assert limits_for(Kind.COMPLAINT, Urgency.URGENT).reply_days == 10
    assert limits_for(Kind.HELP, Urgency.URGENT).reply_days == 1
    assert limits_for(Kind.HELP, Urgency.NORMAL).reply_days == 3


# --- the clock starts at dispatch -------------------------------------------------------------


def test_complaint_dispatched_before_spring_festival(world: World, monkeypatch) -> None:
    clock = Clock(monkeypatch, at(2026, 2, 13))
    case = dispatched_at(world, clock, at(2026, 2, 13, 10))
    assert case.limit_days == 13
    assert local(case.clock_started_at) == at(2026, 2, 13, 10)
    assert local(case.sign_deadline) == end_of(2026, 2, 14)  # the make-up Saturday
    # 13 working days: Feb 14, 24–28 (Sat 28 works), Mar 2–6, Mar 9, Mar 10.
    assert local(case.reply_deadline) == end_of(2026, 3, 10)
    # 80 % of 13 = 10.4 working days: 40 % into the 11th working day (Fri Mar 6).
    assert local(case.warn_at) == at(2026, 3, 6, 9, 36)
    assert local(case.notice_at) == end_of(2026, 3, 11)  # one working day after
    assert local(case.criticism_at) == end_of(2026, 3, 18)  # five more working days
    assert not case.calendar_unofficial


def test_consultation_dispatched_before_national_day_ends_on_the_make_up_saturday(
    world: World, monkeypatch
) -> None:
    clock = Clock(monkeypatch, at(2026, 9, 30))
    case = dispatched_at(world, clock, at(2026, 9, 30, 16), kind=Kind.CONSULTATION)
    assert local(case.sign_deadline) == end_of(2026, 10, 8)
    assert local(case.reply_deadline) == end_of(2026, 10, 10)  # Thu 8, Fri 9, Sat 10


def test_sign_deadline_on_a_sunday_make_up_day(world: World, monkeypatch) -> None:
    clock = Clock(monkeypatch, at(2026, 9, 19))
    case = dispatched_at(world, clock, at(2026, 9, 19, 9), kind=Kind.HELP)
    assert local(case.sign_deadline) == end_of(2026, 9, 20)


def test_case_shows_how_its_deadline_was_computed(world: World, monkeypatch) -> None:
    clock = Clock(monkeypatch, at(2026, 2, 13))
    case = dispatched_at(world, clock, at(2026, 2, 13, 10), kind=Kind.CONSULTATION)
    how = explain(case)
    assert how is not None
    assert (how.start, how.limit_days, how.extension_days, how.paused_days, how.total_days) == (
        dt.date(2026, 2, 13),
        3,
        0,
        0,
        3,
    )
    assert how.deadline == dt.date(2026, 2, 25)
    assert [d.date for d in how.counted] == [
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 24),
        dt.date(2026, 2, 25),
    ]
    assert [d.date for d in how.skipped] == [
        dt.date(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)
    ]
    assert {d.name for d in how.skipped} == {"春节"}
    assert not how.unofficial


@pytest.mark.django_db
def test_no_clock_no_deadlines() -> None:
    case = Case(kind=Kind.COMPLAINT, reply_deadline=at(2026, 1, 1), warn_at=at(2026, 1, 1))
    compute_deadlines(case)
    assert (case.reply_deadline, case.warn_at, case.calendar_unofficial) == (None, None, False)
    assert explain(case) is None


# --- pauses (补充材料) --------------------------------------------------------------------------


def test_waiting_for_the_citizen_stops_the_clock(world: World, monkeypatch) -> None:
    clock = Clock(monkeypatch, at(2026, 2, 13))
    case = dispatched_at(world, clock, at(2026, 2, 13, 10), kind=Kind.CONSULTATION)
    assert local(case.reply_deadline) == end_of(2026, 2, 25)
    clock.set(at(2026, 2, 14, 9))
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    handling.case_start(case_id=case.pk, actor=world.liaison)
    clock.set(at(2026, 2, 24, 10))
    handling.case_request_info(case_id=case.pk, actor=world.liaison, question=QUESTION)

    # Waiting: supervision leaves the case alone even long after the old deadline.
    report = supervision.supervise(now=at(2026, 3, 20), digests=False)
    assert sum(report.notices.values()) == 0
    assert not case.supervision_notices.exists()

    clock.set(at(2026, 2, 27, 15))
    handling.case_provide_info(case_id=case.pk, actor=world.citizen, answer=ANSWER)
    case.refresh_from_db()
    assert case.status == Status.HANDLING
    assert case.paused_days == 3  # Wed 25, Thu 26, Fri 27
    # 3 + 3 working days after Feb 13: Feb 14, 24, 25, 26, 27 and the make-up Saturday Feb 28.
    assert local(case.reply_deadline) == end_of(2026, 2, 28)
    # The warning still comes when 80 % of the 3-day limit is used, paused days excluded.
    assert local(case.warn_at) == at(2026, 2, 28, 9, 36)
    resumed = case.events.get(action="provide_info")
    assert resumed.data == {"paused_working_days": 3}
    progress = working_time(case, now=at(2026, 2, 27, 16))
    assert progress is not None
    assert (progress.used_days, progress.left_days, progress.total_days) == (1.7, 1.3, 3)
    assert not progress.overdue


def test_pause_over_the_holiday_counts_only_working_days(world: World, monkeypatch) -> None:
    clock = Clock(monkeypatch, at(2026, 2, 12))
    case = dispatched_at(world, clock, at(2026, 2, 12, 10))
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    clock.set(at(2026, 2, 13, 15))
    handling.case_request_info(case_id=case.pk, actor=world.liaison, question=QUESTION)
    clock.set(at(2026, 2, 24, 9))
    handling.case_provide_info(case_id=case.pk, actor=world.citizen, answer=ANSWER)
    case.refresh_from_db()
    assert case.paused_days == 2  # Sat Feb 14 (make-up) and Tue Feb 24; 15–23 are off anyway


# --- extensions (延期) --------------------------------------------------------------------------


def test_extension_granted_for_fewer_days_moves_the_deadline_and_tells_the_citizen(
    world: World, monkeypatch, settings
) -> None:
    settings.LANGUAGE_CODE = "en"
    clock = Clock(monkeypatch, at(2026, 2, 13))
    case = dispatched_at(world, clock, at(2026, 2, 13, 10))
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    clock.set(at(2026, 3, 2, 10))
    request = handling.extension_request(
        case_id=case.pk, actor=world.liaison, days=5, reason="需协调多个部门现场勘查。"
    )
    clock.set(at(2026, 3, 3, 10))
    supervision.extension_decide(request_id=request.pk, actor=world.supervisor, grant=True, days=3)
    case.refresh_from_db()
    assert case.extension_days == 3
    assert local(case.reply_deadline) == end_of(2026, 3, 13)  # Mar 10 + Wed 11, Thu 12, Fri 13
    assert local(case.warn_at) == at(2026, 3, 10, 19, 12)  # 80 % of 16 = 12.8 working days
    assert local(case.notice_at) == end_of(2026, 3, 16)
    told = Notification.objects.get(recipient=world.citizen, verb="extension_granted")
    assert told.text == (
        f"Case {case.tracking_no} was given 3 more working days; the new deadline is 2026-03-13."
    )
    granted = case.events.get(action="extension_granted")
    assert granted.data == {"days": 3, "deadline": "2026-03-13"}
    assert granted.actor == world.supervisor


def test_extension_must_be_asked_before_the_deadline(world: World, monkeypatch) -> None:
    clock = Clock(monkeypatch, at(2026, 2, 13))
    case = dispatched_at(world, clock, at(2026, 2, 13, 10), kind=Kind.CONSULTATION)
    clock.set(at(2026, 2, 26, 0, 1))
    with pytest.raises(DeadlinePassed) as caught, translation.override("en"):
        handling.extension_request(case_id=case.pk, actor=world.liaison, days=2, reason="来不及")
    with translation.override("en"):
        assert str(caught.value.message) == (
            "The deadline has passed: an extension must be asked before it."
        )
    assert not case.extension_requests.exists()


# --- redo (重办) ---------------------------------------------------------------------------------


def test_redo_starts_a_new_clock_from_the_unsatisfied_evaluation(world: World, monkeypatch) -> None:
    clock = Clock(monkeypatch, at(2026, 9, 1))
    case = reach(world, Status.REPLIED, kind=Kind.HELP)
    clock.set(at(2026, 9, 30, 11))
    evaluation.case_evaluate(
        case_id=case.pk,
        actor=world.citizen,
        attitude="basically",
        result="unsatisfied",
        solved=False,
    )
    case.refresh_from_db()
    assert (case.status, case.stage_no, case.redo_count) == (Status.HANDLING, 2, 1)
    assert local(case.clock_started_at) == at(2026, 9, 30, 11)
    assert local(case.dispatched_at) == at(2026, 9, 1)  # the dispatch itself is not redone
    assert local(case.reply_deadline) == end_of(2026, 10, 10)
    assert case.supervision_level == 0


# --- the calendar changes: open deadlines follow ----------------------------------------------


def test_admin_override_for_2027_recomputes_open_deadlines(
    world: World, monkeypatch, settings
) -> None:
    settings.LANGUAGE_CODE = "en"
    clock = Clock(monkeypatch, at(2026, 12, 28))
    complaint = dispatched_at(world, clock, at(2026, 12, 28, 10))
    clock.advance(minutes=1)
    consultation = dispatched_at(world, clock, clock.now, kind=Kind.CONSULTATION)
    clock.advance(minutes=1)
    waiting = reach(world, Status.AWAITING_CITIZEN)
    clock.advance(minutes=1)
    done = reach(world, Status.CLOSED, citizen=world.other_citizen)
    clock.advance(minutes=1)
    queued = submit(world.other_citizen)

    # Unknown year: Fri 1 January 2027 counts as a working day, and the deadline says so.
    assert local(complaint.reply_deadline) == end_of(2027, 1, 14)
    assert complaint.calendar_unofficial
    assert local(consultation.reply_deadline) == end_of(2026, 12, 31)
    assert local(consultation.notice_at) == end_of(2027, 1, 1)
    closed_deadline = done.reply_deadline

    clock.set(at(2026, 12, 29, 9))
    changed = calendar_service.calendar_override_set(
        actor=world.admin, date=dt.date(2027, 1, 1), is_workday=False, name="元旦"
    )

    assert changed == 3  # the complaint, the consultation (its notice moved) and the waiting one
    complaint.refresh_from_db()
    assert local(complaint.reply_deadline) == end_of(2027, 1, 15)
    assert complaint.calendar_unofficial  # the rest of January is still the fallback
    row = complaint.events.get(action="deadline_recomputed")
    assert row.actor == world.admin
    assert row.reason == "The work calendar changed for 2027-01-01."
    moved = {k: dt.datetime.fromisoformat(v) for k, v in row.data.items()}
    assert moved == {"before": end_of(2027, 1, 14), "after": end_of(2027, 1, 15)}
    consultation.refresh_from_db()
    assert local(consultation.reply_deadline) == end_of(2026, 12, 31)
    assert local(consultation.notice_at) == end_of(2027, 1, 4)
    assert consultation.events.filter(action="deadline_recomputed").count() == 1
    assert waiting.events.filter(action="deadline_recomputed").count() == 1
    done.refresh_from_db()
    assert done.reply_deadline == closed_deadline
    assert not done.events.filter(action="deadline_recomputed").exists()
    assert not queued.events.filter(action="deadline_recomputed").exists()

    how = explain(complaint)
    assert how is not None
    new_year = next(d for d in how.skipped if d.date == dt.date(2027, 1, 1))
    assert (new_year.source, new_year.name) == (SOURCE_OVERRIDE, "元旦")
    assert how.unofficial

    # Setting the same override again changes nothing and leaves no new audit rows.
    again = calendar_service.calendar_override_set(
        actor=world.admin, date=dt.date(2027, 1, 1), is_workday=False, name="元旦"
    )
    assert again == 0
    assert CaseEvent.objects.filter(action="deadline_recomputed").count() == 3

    assert calendar_service.calendar_override_delete(actor=world.admin, date=dt.date(2027, 1, 1))
    complaint.refresh_from_db()
    assert local(complaint.reply_deadline) == end_of(2027, 1, 14)
    assert not CalendarOverride.objects.exists()


@pytest.mark.django_db
def test_compute_deadlines_uses_the_calendar_it_is_given() -> None:
    case = Case(
        kind=Kind.COMPLAINT,
        clock_started_at=at(2026, 12, 28, 10),
        dispatched_at=at(2026, 12, 28, 10),
        limit_days=13,
    )
    closed = WorkCalendar({dt.date(2027, 1, d): (False, "") for d in (4, 5)})
    compute_deadlines(case, calendar=closed)
    assert local(case.reply_deadline) == end_of(2027, 1, 18)
    assert case.calendar_unofficial
