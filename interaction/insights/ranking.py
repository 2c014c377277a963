"""Rankings (排名) of departments or districts, with who was not ranked and why.

A unit is ranked only with at least `min_cases` cases received in the period (setting
`WENZHENG_RANKING_MIN_CASES`): a department with two cases and one late reply should not come
last. Units without the figure ranked on (e.g. no evaluation yet) are not ranked either. Both are
listed with the reason, so nobody disappears from the table silently.

The default order is the composite score (考核得分), a weighted mean of five rates, times 100:
closed on time 25 %, satisfaction 25 %, reply rate 20 %, actually solved 20 %, signed on time
10 %. A rate that cannot be computed (no denominator) is left out and the other weights are
scaled up; with no rate at all there is no score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .performance import RATE_NAMES, DepartmentFigures

SCORE_WEIGHTS: dict[str, float] = {
    "reply_on_time_rate": 0.25,
    "satisfaction_rate": 0.25,
    "reply_rate": 0.20,
    "solved_rate": 0.20,
    "sign_on_time_rate": 0.10,
}
# Rates where lower is better.
LOWER_IS_BETTER = frozenset(
    {"redo_rate", "return_rate", "extension_rate", "repeat_rate", "avg_working_days"}
)
RANK_KEYS = ("score", *RATE_NAMES)


def score(figures: DepartmentFigures) -> float | None:
    """The composite score, 0–100 (see the module docstring)."""
    total = weight = 0.0
    for name, w in SCORE_WEIGHTS.items():
        value = getattr(figures, name)
        if value is not None:
            total += w * value
            weight += w
    return round(100 * total / weight, 2) if weight else None


def min_cases() -> int:
    return int(getattr(settings, "WENZHENG_RANKING_MIN_CASES", 5))


@dataclass
class Ranked:
    rank: int
    figures: DepartmentFigures
    value: float


@dataclass
class NotRanked:
    figures: DepartmentFigures
    reason: str


@dataclass
class Ranking:
    by: str
    minimum: int
    ranked: list[Ranked]
    not_ranked: list[NotRanked]


def value_of(figures: DepartmentFigures, by: str) -> float | None:
    return score(figures) if by == "score" else getattr(figures, by)


def rank(
    rows: Iterable[DepartmentFigures], *, by: str = "score", minimum: int | None = None
) -> Ranking:
    """Rank `rows` by `by` (best first; ties share a rank: 1, 2, 2, 4)."""
    if by not in RANK_KEYS:
        raise ValueError(f"Unknown ranking key {by!r}")
    minimum = min_cases() if minimum is None else minimum
    eligible: list[tuple[float, DepartmentFigures]] = []
    not_ranked: list[NotRanked] = []
    for row in rows:
        value = value_of(row, by)
        if row.received < minimum:
            reason = _(
                "%(n)d cases received in the period; at least %(min)d are needed to be ranked."
            ) % {"n": row.received, "min": minimum}
            not_ranked.append(NotRanked(row, reason))
        elif value is None:
            not_ranked.append(NotRanked(row, _("No case to compute this figure from.")))
        else:
            eligible.append((value, row))
    descending = by not in LOWER_IS_BETTER
    eligible.sort(key=lambda item: (-item[0] if descending else item[0], item[1].name))
    ranked: list[Ranked] = []
    for position, (value, row) in enumerate(eligible, start=1):
        same = ranked and ranked[-1].value == value
        ranked.append(Ranked(ranked[-1].rank if same else position, row, value))
    return Ranking(by=by, minimum=minimum, ranked=ranked, not_ranked=not_ranked)
