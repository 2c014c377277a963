"""The Chinese work calendar: official holidays and make-up days, admin overrides, the fallback.

The 2026 dates below were read from chinesecalendar 1.11 (`get_holiday_detail`), not guessed:
Spring Festival: Sun 15 – Mon 23 February off; Sat 14 and Sat 28 February are working days.
National Day (with Mid-autumn on Fri 25 September): Thu 1 – Wed 7 October off; Sun 20 September
and Sat 10 October are working days; Thu 8 October is an ordinary working day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from backend.organisation.models import CalendarOverride
from backend.organisation.workcalendar import (
    SOURCE_FALLBACK,
    SOURCE_OFFICIAL,
    SOURCE_OVERRIDE,
    WorkCalendar,
)

D = dt.date


def days_off(calendar: WorkCalendar, start: dt.date, end: dt.date) -> list[dt.date]:
    return [d.date for d in calendar.days(start, end) if not d.is_workday]


def test_spring_festival_2026_days_off_and_make_up_saturdays() -> None:
    calendar = WorkCalendar()
    assert days_off(calendar, D(2026, 2, 14), D(2026, 2, 28)) == [
        D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)
    ]
    for saturday in (D(2026, 2, 14), D(2026, 2, 28)):
        info = calendar.day(saturday)
        assert saturday.weekday() == 5
        assert info.is_workday
        assert info.source == SOURCE_OFFICIAL
        assert info.official
    assert calendar.day(D(2026, 2, 17)).name == "春节"
    assert calendar.is_workday(D(2026, 2, 24))


def test_national_day_2026_days_off_and_make_up_days() -> None:
    calendar = WorkCalendar()
    assert days_off(calendar, D(2026, 9, 19), D(2026, 10, 11)) == [
        D(2026, 9, 19),  # an ordinary weekend
        D(2026, 9, 25),  # Mid-autumn festival (Friday)
        D(2026, 9, 26),
        D(2026, 9, 27),
        *[D(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)],
        D(2026, 10, 11),
    ]
    assert calendar.is_workday(D(2026, 9, 20))  # Sunday make-up day
    assert calendar.is_workday(D(2026, 10, 8))
    assert calendar.is_workday(D(2026, 10, 10))  # Saturday make-up day
    assert calendar.day(D(2026, 10, 1)).name == "国庆节"


def test_adding_working_days_jumps_the_spring_festival() -> None:
    calendar = WorkCalendar()
    end, skipped = calendar.add_working_days(D(2026, 2, 13), 3)
    assert end == D(2026, 2, 25)  # Sat 14, Tue 24, Wed 25
    assert [d.date for d in skipped] == [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]
    assert calendar.add_working_days(D(2026, 2, 13), 0) == (D(2026, 2, 13), [])


def test_adding_working_days_counts_the_national_day_make_up_saturday() -> None:
    end, skipped = WorkCalendar().add_working_days(D(2026, 9, 30), 3)
    assert end == D(2026, 10, 10)  # Thu 8, Fri 9, Sat 10
    assert len(skipped) == 7


def test_repeated_questions_get_the_same_answers() -> None:
    """add_working_days remembers its answers; a caller changing the list it got back does not
    change the next answer."""
    calendar = WorkCalendar()
    first = calendar.add_working_days(D(2026, 2, 13), 3)
    first[1].clear()
    assert calendar.add_working_days(D(2026, 2, 13), 3) == WorkCalendar().add_working_days(
        D(2026, 2, 13), 3
    )
    assert len(calendar.add_working_days(D(2026, 2, 13), 3)[1]) == 9


def test_official_between_says_whether_a_span_rests_on_the_fallback() -> None:
    calendar = WorkCalendar()
    assert calendar.official_between(D(2026, 12, 1), D(2026, 12, 31))
    assert not calendar.official_between(D(2026, 12, 28), D(2027, 1, 4))
    assert WorkCalendar({D(2027, 1, 1): (False, "元旦")}).official_between(
        D(2026, 12, 31), D(2027, 1, 1)
    )


def test_working_days_between_is_half_open() -> None:
    calendar = WorkCalendar()
    assert calendar.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert calendar.working_days_between(D(2026, 2, 24), D(2026, 2, 24)) == 0
    assert calendar.working_days_between(D(2026, 2, 24), D(2026, 2, 28)) == 4


def test_year_the_package_does_not_know_falls_back_to_weekends_flagged_unofficial() -> None:
    calendar = WorkCalendar()
    new_year = calendar.day(D(2027, 1, 1))  # a Friday: the fallback cannot know it is a holiday
    assert new_year.is_workday
    assert new_year.source == SOURCE_FALLBACK
    assert not new_year.official
    saturday = calendar.day(D(2027, 1, 2))
    assert not saturday.is_workday
    assert not saturday.official
    end, _skipped = calendar.add_working_days(D(2026, 12, 28), 13)
    assert end == D(2027, 1, 14)


def test_override_wins_over_package_and_fallback() -> None:
    calendar = WorkCalendar({D(2027, 1, 1): (False, "元旦"), D(2026, 2, 16): (True, "应急值守")})
    new_year = calendar.day(D(2027, 1, 1))
    assert (new_year.is_workday, new_year.source, new_year.name) == (False, SOURCE_OVERRIDE, "元旦")
    assert new_year.official
    assert calendar.is_workday(D(2026, 2, 16))
    assert calendar.add_working_days(D(2026, 12, 28), 13)[0] == D(2027, 1, 15)


@pytest.mark.django_db
def test_load_reads_the_admin_overrides() -> None:
    CalendarOverride.objects.create(date=D(2027, 2, 8), is_workday=False, name="春节")
    info = WorkCalendar.load().day(D(2027, 2, 8))
    assert (info.is_workday, info.source, info.name) == (False, SOURCE_OVERRIDE, "春节")


def test_a_calendar_without_working_days_fails_loudly() -> None:
    start = D(2030, 1, 1)
    never = {start + dt.timedelta(days=i): (False, "") for i in range(1, 3700)}
    with pytest.raises(ValueError, match="no working days"):
        WorkCalendar(never).add_working_days(start, 1)
