"""The leader's dashboard section on reply quality (its own include: insights/_reply_quality.html).

Per department, for the replies drafted in the dashboard's period: the mean quality score and the
share flagged weak (the flag and the formula: `interaction.replyquality`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from backend.organisation.models import Jurisdiction
from interaction.insights.periods import Period
from interaction.replyquality.selectors import (
    DepartmentQuality,
    Scope,
    department_reply_quality,
    reply_quality_total,
)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _row(figures: DepartmentQuality) -> dict[str, Any]:
    return {
        "name": figures.name,
        "scored": figures.scored,
        "mean": _percent(figures.mean_overall),
        "relevance": _percent(figures.means.get("relevance")),
        "completeness": _percent(figures.means.get("completeness")),
        "interpretability": _percent(figures.means.get("interpretability")),
        "weak": figures.weak,
        "weak_share": _share(figures.weak_share),
        "published_weak": figures.published_weak,
    }


def reply_quality_section(period: Period, jurisdiction: Jurisdiction | None) -> dict[str, Any]:
    """The rows of the section: one per department with scored replies, then the total."""
    scope = Scope(period.start, period.end, jurisdiction)
    rows = department_reply_quality(scope)
    return {
        "rows": [_row(r) for r in rows],
        "total": _row(reply_quality_total(scope, name=_("All departments"))),
    }
