"""Public statistics (政务公开): the performance figures of every department and district for a
month, a quarter or a year, so that citizens and journalists can compare them.

Every number comes from `interaction.insights` (`performance.department_performance`,
`performance.district_performance`, `ranking.rank`, `ranking.score`): the same definitions, the
same figures as the leaders' dashboard, nothing recomputed here. Only aggregates leave this
module: counts and rates per unit, never a case.

The public figures are a subset of the dashboard's: received, reply rate, closed on time,
satisfaction, double satisfaction (双满意率), actually solved, average working days to reply,
and the composite score. Units with fewer than `WENZHENG_RANKING_MIN_CASES` cases received in
the period are listed but not ranked, with the reason.

The figures of a period are cached for `WENZHENG_PUBLIC_STATS_CACHE_SECONDS` (default 300): the
page is public, and a few minutes' delay is acceptable for monthly figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..insights import performance, ranking
from ..insights.periods import Period, PeriodError, month_of, year_of

PERIOD_KINDS = ("month", "quarter", "year")
PUBLIC_RATES = (
    "reply_rate",
    "reply_on_time_rate",
    "satisfaction_rate",
    "double_satisfaction_rate",
    "solved_rate",
    "avg_working_days",
)
# The counts behind the public rates (numerators and denominators), for those who check.
PUBLIC_COUNTS = (
    "received",
    "replied",
    "reply_due",
    "replied_on_time",
    "evaluations",
    "satisfied",
    "double_satisfied",
    "solved",
    "working_days_cases",
)
SORT_KEYS = ("score", *PUBLIC_RATES)
SORT_LABELS: dict[str, Any] = {
    "score": gettext_lazy("Composite score"),
    **{name: performance.RATE_LABELS[name] for name in PUBLIC_RATES},
}
CACHE_PREFIX = "opendata:stats:v1"


def quarter_of(day: dt.date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = day.replace(month=first_month, day=1)
    return Period(start, month_of(start.replace(month=first_month + 2)).end)


@dataclass(frozen=True)
class PublicPeriod:
    kind: str
    period: Period

    @property
    def label(self) -> str:
        start = self.period.start
        if self.kind == "year":
            return str(start.year)
        if self.kind == "quarter":
            return _("%(year)d Q%(quarter)d") % {
                "year": start.year,
                "quarter": (start.month - 1) // 3 + 1,
            }
        return _("%(year)d-%(month)02d") % {"year": start.year, "month": start.month}

    @property
    def is_complete(self) -> bool:
        """Whether the period has ended (figures of a running period still change)."""
        return self.period.end < timezone.localdate()

    def shifted(self, steps: int) -> PublicPeriod:
        """The period `steps` before (negative) or after this one, of the same kind."""
        day = self.period.start
        if self.kind == "year":
            return public_period("year", day.replace(year=day.year + steps))
        months = day.year * 12 + day.month - 1 + steps * (3 if self.kind == "quarter" else 1)
        return public_period(self.kind, dt.date(months // 12, months % 12 + 1, 1))


def public_period(kind: str, day: dt.date) -> PublicPeriod:
    if kind == "year":
        return PublicPeriod(kind, year_of(day))
    if kind == "quarter":
        return PublicPeriod(kind, quarter_of(day))
    return PublicPeriod("month", month_of(day))


def default_period(today: dt.date | None = None) -> PublicPeriod:
    """The last complete month: a running month's figures are still moving."""
    today = today or timezone.localdate()
    return public_period("month", today.replace(day=1) - dt.timedelta(days=1))


def parse_public_period(
    kind: str | None, date: str | None, *, today: dt.date | None = None
) -> PublicPeriod:
    """The month, quarter or year containing `date` (YYYY-MM-DD, or YYYY-MM, or YYYY); without
    them the last complete month. Raises PeriodError with a message for the reader."""
    today = today or timezone.localdate()
    if not kind and not date:
        return default_period(today)
    kind = kind or "month"
    if kind not in PERIOD_KINDS:
        raise PeriodError(_("Choose month, quarter or year."))
    text = (date or "").strip()
    try:
        if not text:
            day = today
        elif len(text) == 4:
            day = dt.date(int(text), 1, 1)
        elif len(text) == 7:
            day = dt.date.fromisoformat(f"{text}-01")
        else:
            day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError(_("Dates are written YYYY-MM-DD.")) from exc
    if day > today:
        raise PeriodError(_("This period has not begun yet."))
    if day.year < 2000:
        raise PeriodError(_("There are no figures before 2000."))
    return public_period(kind, day)


@dataclass
class PublicRow:
    """One department, district or the total: its public figures, rank and score."""

    key: int | None
    name: str
    jurisdiction: str
    rank: int | None
    not_ranked_reason: str
    score: float | None
    counts: dict[str, int]
    rates: dict[str, float | None]


@dataclass
class PublicStatistics:
    period: PublicPeriod
    sort: str
    minimum: int
    departments: list[PublicRow]
    districts: list[PublicRow]
    total: PublicRow
    computed_at: dt.datetime
    sort_labels: dict[str, Any] = field(default_factory=lambda: dict(SORT_LABELS))


def _row(
    figures: performance.DepartmentFigures, rank: int | None = None, reason: str = ""
) -> PublicRow:
    return PublicRow(
        key=figures.key,
        name=figures.name,
        jurisdiction=figures.jurisdiction,
        rank=rank,
        not_ranked_reason=reason,
        score=ranking.score(figures),
        counts={name: getattr(figures, name) for name in PUBLIC_COUNTS},
        rates={name: getattr(figures, name) for name in PUBLIC_RATES},
    )


def _ranked(rows: list[performance.DepartmentFigures], sort: str) -> list[PublicRow]:
    """Ranked units first (best first, ties share a rank), then the others with the reason."""
    result = ranking.rank(rows, by=sort)
    return [_row(r.figures, r.rank) for r in result.ranked] + [
        _row(n.figures, None, n.reason) for n in result.not_ranked
    ]


def _figures(
    period: Period,
) -> tuple[list[performance.DepartmentFigures], list[performance.DepartmentFigures], dt.datetime]:
    ttl = int(getattr(settings, "WENZHENG_PUBLIC_STATS_CACHE_SECONDS", 300))
    key = f"{CACHE_PREFIX}:{period.start.isoformat()}:{period.end.isoformat()}"
    if ttl > 0:
        hit = cache.get(key)
        if hit is not None:
            departments, districts, computed_at = hit
            return departments, districts, computed_at
    now = timezone.now()
    departments = performance.department_performance(start=period.start, end=period.end, now=now)
    districts = performance.district_performance(start=period.start, end=period.end, now=now)
    if ttl > 0:
        cache.set(key, (departments, districts, now), ttl)
    return departments, districts, now


def public_statistics(*, period: PublicPeriod, sort: str = "score") -> PublicStatistics:
    """The public figures of every department and district for `period`, ranked by `sort`
    (one of SORT_KEYS; ValueError otherwise)."""
    if sort not in SORT_KEYS:
        raise ValueError(f"Unknown sort key {sort!r}")
    departments, districts, computed_at = _figures(period.period)
    return PublicStatistics(
        period=period,
        sort=sort,
        minimum=ranking.min_cases(),
        departments=_ranked(departments, sort),
        districts=_ranked(districts, sort),
        total=_row(performance.totals(departments)),
        computed_at=computed_at,
    )


def minimum_note(minimum: int) -> str:
    return _(
        "Only departments and districts with at least %(min)d cases received in the period are "
        "ranked: with fewer cases one late reply would decide the place. The others are listed "
        "with their figures, unranked."
    ) % {"min": minimum}


def score_note() -> str:
    weights = ", ".join(
        f"{performance.RATE_LABELS[name]} {round(100 * weight)}%"
        for name, weight in ranking.SCORE_WEIGHTS.items()
    )
    return _(
        "The composite score (0–100) is the weighted mean of: %(weights)s. A rate that cannot "
        "be computed is left out and the other weights are scaled up."
    ) % {"weights": weights}
