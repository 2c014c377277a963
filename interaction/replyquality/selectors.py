"""Reads of reply quality: a reply's scores as a reviewer reads them; figures per department.

Who may read them is decided by the caller (staff pages, staff API, leaders' dashboard): nothing
here is ever shown to a citizen or the public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum

from backend.organisation.models import Jurisdiction

from ..insights.models import ReplyQualityDay
from ..insights.rollups import ensure_fresh
from ..models import Case, Reply
from .scoring import SCORE_LABELS, WEAK_BY_TEXTS, reason_text

SUB_SCORE_FIELDS = {
    "relevance": "quality_relevance",
    "completeness": "quality_completeness",
    "interpretability": "quality_interpretability",
    "timeliness": "quality_timeliness",
}


@dataclass(frozen=True)
class ScoreRow:
    key: str
    label: str
    value: float | None

    @property
    def percent(self) -> int | None:
        return None if self.value is None else round(100 * self.value)


@dataclass(frozen=True)
class QualityView:
    """A scored reply's quality, ready for a page or the API (labels in the reader's language)."""

    overall: float
    weak: bool
    scores: list[ScoreRow]
    reasons: list[dict[str, Any]]
    weak_by: list[str]
    version: str
    scored_at: dt.datetime | None

    @property
    def overall_percent(self) -> int:
        return round(100 * self.overall)

    @property
    def reason_texts(self) -> list[str]:
        return [r["text"] for r in self.reasons]

    @property
    def weak_by_labels(self) -> list[str]:
        return [str(WEAK_BY_TEXTS.get(key, key)) for key in self.weak_by]


def quality_of(reply: Reply | None) -> QualityView | None:
    """The quality of `reply` as a reviewer reads it; None if it is not scored (or no reply)."""
    if reply is None or reply.quality_overall is None:
        return None
    detail = reply.quality_detail or {}
    reasons = [
        {**reason, "text": reason_text(reason)}
        for reason in detail.get("reasons", [])
        if isinstance(reason, dict)
    ]
    return QualityView(
        overall=reply.quality_overall,
        weak=bool(reply.quality_weak),
        scores=[
            ScoreRow(key, str(SCORE_LABELS[key]), getattr(reply, name))
            for key, name in SUB_SCORE_FIELDS.items()
        ],
        reasons=reasons,
        weak_by=[str(key) for key in detail.get("weak_by", [])],
        version=reply.quality_version,
        scored_at=reply.quality_scored_at,
    )


def current_replies_for(cases: Iterable[Case]) -> dict[int, Reply]:
    """The current reply of each case (as `selectors.current_reply`), by case id, in one query."""
    cases = list(cases)
    stages = {case.pk: case.stage_no for case in cases}
    found: dict[int, Reply] = {}
    rows = (
        Reply.objects.filter(case_id__in=list(stages))
        .exclude(state=Reply.State.SENT_BACK)
        .order_by("-pk")
    )
    for reply in rows:
        if reply.stage_no == stages[reply.case_id] and reply.case_id not in found:
            found[reply.case_id] = reply
    return found


# --- figures for leaders -------------------------------------------------------------------------


@dataclass
class DepartmentQuality:
    """Reply quality of one department's drafts in a period (every draft, sent back or not)."""

    key: int | None
    name: str
    scored: int
    weak: int
    published_weak: int
    means: dict[str, float | None] = field(default_factory=dict)

    @property
    def mean_overall(self) -> float | None:
        return self.means.get("overall")

    @property
    def weak_share(self) -> float | None:
        return self.weak / self.scored if self.scored else None


@dataclass(frozen=True)
class Scope:
    """Replies drafted from `start` to `end` (Beijing dates, both included), by the departments
    of `jurisdiction` if given."""

    start: dt.date
    end: dt.date
    jurisdiction: Jurisdiction | None = None


def quality_figures(row: dict[str, Any], *, key: int | None, name: str) -> DepartmentQuality:
    """Figures from summed `ReplyQualityDay` columns (`scored`, `weak`, `published_weak`,
    `<score>_sum`, `<score>_n`)."""
    return DepartmentQuality(
        key=key,
        name=name,
        scored=row["scored"] or 0,
        weak=row["weak"] or 0,
        published_weak=row["published_weak"] or 0,
        means={
            score: row[f"{score}_sum"] / row[f"{score}_n"] if row[f"{score}_n"] else None
            for score in ("overall", *SUB_SCORE_FIELDS)
        },
    )


def _sums() -> dict[str, Any]:
    names = ["scored", "weak", "published_weak"]
    for score in ("overall", *SUB_SCORE_FIELDS):
        names += [f"{score}_sum", f"{score}_n"]
    return {name: Sum(name) for name in names}


def _days(scope: Scope) -> QuerySet[ReplyQualityDay]:
    ensure_fresh()
    rows = ReplyQualityDay.objects.filter(reply_day__gte=scope.start, reply_day__lte=scope.end)
    if scope.jurisdiction is not None:
        rows = rows.filter(department__jurisdiction=scope.jurisdiction)
    return rows


def department_reply_quality(scope: Scope) -> list[DepartmentQuality]:
    """Per department: the replies of `scope` that were scored (every draft, sent back or not),
    their mean scores, how many were flagged weak, and how many weak ones were sent to the
    citizen anyway. Ordered by mean overall score, best first (then by name). Read from the
    daily roll-up `insights.ReplyQualityDay` (`insights.direct` computes the same from replies)."""
    # Typed loosely: the annotations' names come from `_sums()`, unknown to the type checker.
    rows: Any = _days(scope).values("department_id", "department__name").annotate(**_sums())
    found = [
        quality_figures(row, key=row["department_id"], name=row["department__name"])
        for row in rows.order_by()
    ]
    found.sort(key=lambda f: (-(f.mean_overall or 0.0), f.name))
    return found


def reply_quality_total(scope: Scope, *, name: str = "") -> DepartmentQuality:
    """The same figures for all departments of `scope` together."""
    return quality_figures(_days(scope).aggregate(**_sums()), key=None, name=name)
