"""Periods: the days a figure covers, in Beijing time, as an inclusive range of dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PERIOD_KINDS = ("week", "month", "year", "custom")


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        """The first moment of the period (local midnight), aware."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime:
        """The first moment after the period, aware."""
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def week_of(day: dt.date) -> Period:
    """The Monday-to-Sunday week that contains `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period(monday, monday + dt.timedelta(days=6))


def month_of(day: dt.date) -> Period:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, following - dt.timedelta(days=1))


def year_of(day: dt.date) -> Period:
    return Period(day.replace(month=1, day=1), day.replace(month=12, day=31))


def previous_week(today: dt.date) -> Period:
    return week_of(today - dt.timedelta(days=7))


def previous_month(today: dt.date) -> Period:
    return month_of(today.replace(day=1) - dt.timedelta(days=1))


class PeriodError(ValueError):
    pass


def parse_period(
    kind: str | None, start: str | None, end: str | None, *, today: dt.date | None = None
) -> tuple[str, Period]:
    """The period asked for by a page or API query (`week`, `month`, `year` containing `start`
    or today, or `custom` from `start` to `end`). Raises PeriodError with a user-facing message.
    """
    today = today or timezone.localdate()
    kind = kind or ("custom" if start and end else "month")
    if kind not in PERIOD_KINDS:
        raise PeriodError(_("Choose week, month, year or custom."))
    try:
        start_day = dt.date.fromisoformat(start) if start else None
        end_day = dt.date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise PeriodError(_("Dates are written YYYY-MM-DD.")) from exc
    anchor = start_day or today
    if kind == "week":
        return kind, week_of(anchor)
    if kind == "month":
        return kind, month_of(anchor)
    if kind == "year":
        return kind, year_of(anchor)
    if start_day is None or end_day is None:
        raise PeriodError(_("A custom period needs a start and an end date."))
    if end_day < start_day:
        raise PeriodError(_("The end date is before the start date."))
    if (end_day - start_day).days > 3660:
        raise PeriodError(_("A period can be at most ten years long."))
    return kind, Period(start_day, end_day)
