"""Hot issues in the weekly/monthly report and on the leader's dashboard (selectors).

A group belongs to a period when one of its messages was written in it; its hotness is the one
at the end of the period (or now, for a period not over yet), and groups are listed hottest
first by that measure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from interaction.insights.periods import Period

from .conf import hot_settings
from .models import HotIssue, RepeatComplaint
from .selectors import status_counts


@dataclass
class HotIssueLine:
    id: int
    title: str
    place: str
    district: str
    first_at: dt.datetime
    last_at: dt.datetime
    cases: int
    citizens: int
    support: int
    repeats: int
    hotness: float
    open: int
    overdue: int
    unsatisfied: int
    status: str
    assigned_to: str
    departments: list[str] = field(default_factory=list)


def hot_issues_in(
    period: Period, *, limit: int = 10, now: dt.datetime | None = None
) -> list[HotIssueLine]:
    """The hottest groups with a message in `period` (at most `limit`)."""
    now = now or timezone.now()
    moment = min(now, period.end_before)
    rows = list(
        HotIssue.objects.filter(
            case_count__gte=hot_settings().min_cases,
            last_at__gte=period.start_at,
            first_at__lt=period.end_before,
        )
        .select_related("district", "department")
        .order_by("-rank_key", "-pk")[: limit * 3]
    )
    # The stored order is the order of the hotness now; at the end of a past period the decay
    # of a group that got messages after it differs: sort again by the hotness then.
    rows.sort(key=lambda h: (-h.hotness(moment), -h.pk))
    rows = rows[:limit]
    counts = status_counts(rows, now=now)
    return [
        HotIssueLine(
            id=h.pk,
            title=h.title,
            place=h.place,
            district=h.district.name if h.district else "",
            first_at=h.first_at,
            last_at=h.last_at,
            cases=h.case_count,
            citizens=h.citizen_count,
            support=h.support_count,
            repeats=h.repeat_count,
            hotness=round(h.hotness(moment), 2),
            open=counts[h.pk].open,
            overdue=counts[h.pk].overdue,
            unsatisfied=counts[h.pk].unsatisfied,
            status=str(h.get_status_display()),
            assigned_to=h.department.name if h.department else "",
            departments=counts[h.pk].departments,
        )
        for h in rows
    ]


def repeat_complaints_in(period: Period) -> int:
    """Repeat complaints written in `period`."""
    return RepeatComplaint.objects.filter(
        case__created_at__gte=period.start_at, case__created_at__lt=period.end_before
    ).count()
