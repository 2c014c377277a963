"""Chinese working days: the official calendar (chinesecalendar), admin overrides, and a fallback.

`chinesecalendar` knows holidays and make-up working days (调休) up to the last year the State
Council has published. An admin can override any date (`CalendarOverride`). For a year the package
does not know and no override covers, weekends are days off and weekdays working days; such days
are flagged `official=False` so a deadline can say it rests on an unofficial calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar

SOURCE_OVERRIDE = "override"
SOURCE_OFFICIAL = "official"
SOURCE_FALLBACK = "fallback"

# Guard against a runaway loop on a calendar that (by mistake) has no working days at all.
_MAX_SCAN_DAYS = 3660


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_workday: bool
    source: str
    name: str = ""

    @property
    def official(self) -> bool:
        return self.source != SOURCE_FALLBACK


class WorkCalendar:
    """Answers "is this a working day?" for any date. Construct with the overrides to apply."""

    def __init__(self, overrides: dict[dt.date, tuple[bool, str]] | None = None) -> None:
        self._overrides = overrides or {}
        self._cache: dict[dt.date, DayInfo] = {}
        # Answers of add_working_days and official_between: every case dispatched on one day
        # asks the same few questions.
        self._added: dict[tuple[dt.date, int], tuple[dt.date, tuple[DayInfo, ...]]] = {}
        self._official: dict[tuple[dt.date, dt.date], bool] = {}

    @classmethod
    def load(cls) -> WorkCalendar:
        """The calendar with every admin override from the database (cached briefly)."""
        from backend.refcache import cached

        from .models import CalendarOverride

        def loader() -> WorkCalendar:
            rows = CalendarOverride.objects.values_list("date", "is_workday", "name")
            return cls({d: (w, n) for d, w, n in rows})

        return cached("work_calendar", loader)

    def day(self, date: dt.date) -> DayInfo:
        info = self._cache.get(date)
        if info is None:
            info = self._compute(date)
            self._cache[date] = info
        return info

    def _compute(self, date: dt.date) -> DayInfo:
        if date in self._overrides:
            workday, name = self._overrides[date]
            return DayInfo(date, workday, SOURCE_OVERRIDE, name)
        try:
            on_holiday, holiday = chinese_calendar.get_holiday_detail(date)
        except NotImplementedError:
            return DayInfo(date, date.weekday() < 5, SOURCE_FALLBACK)
        name = _holiday_name(holiday)
        return DayInfo(date, not on_holiday, SOURCE_OFFICIAL, name)

    def is_workday(self, date: dt.date) -> bool:
        return self.day(date).is_workday

    def add_working_days(self, start: dt.date, days: int) -> tuple[dt.date, list[DayInfo]]:
        """The `days`-th working day strictly after `start`, and the days skipped on the way.

        With days == 0 the answer is `start` itself.
        """
        known = self._added.get((start, days))
        if known is None:
            end, skipped = self._add_working_days(start, days)
            known = self._added[(start, days)] = (end, tuple(skipped))
        return known[0], list(known[1])

    def _add_working_days(self, start: dt.date, days: int) -> tuple[dt.date, list[DayInfo]]:
        current = start
        skipped: list[DayInfo] = []
        counted = 0
        scanned = 0
        while counted < days:
            current += dt.timedelta(days=1)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS:
                raise ValueError("The work calendar has no working days in ten years.")
            info = self.day(current)
            if info.is_workday:
                counted += 1
            else:
                skipped.append(info)
        return current, skipped

    def official_between(self, start: dt.date, end: dt.date) -> bool:
        """True if every day from `start` to `end` (inclusive) comes from the official calendar
        or an admin's override, none from the weekend fallback."""
        known = self._official.get((start, end))
        if known is None:
            known = self._official[(start, end)] = all(d.official for d in self.days(start, end))
        return known

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie in (start, end]."""
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.day(current).is_workday:
                count += 1
        return count

    def days(self, start: dt.date, end: dt.date) -> Iterable[DayInfo]:
        current = start
        while current <= end:
            yield self.day(current)
            current += dt.timedelta(days=1)


_HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(holiday: object) -> str:
    if holiday is None:
        return ""
    # chinesecalendar returns the English name as a plain string (older versions: an Enum).
    english = getattr(holiday, "value", holiday)
    if isinstance(english, tuple):
        english = english[0]
    return _HOLIDAY_NAMES_ZH.get(str(english), str(english))
