"""The figures aggregated directly over the cases: the reference the roll-ups must equal.

Pages, the API and the report read the roll-up tables (`performance`, `trends`); this module
computes the same figures by scanning `Case`, `Evaluation`, `ExtensionRequest` and
`ReturnRequest` with the shared `performance.FIGURES` conditions. The tests compare both on
scenarios that cover every figure, and `bench/insights_bench.py` compares them on 1,000,000
cases. It is not used to serve anything: on PostgreSQL with 1 M cases each grouped aggregate
here takes 120–300 ms.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.organisation.models import Jurisdiction
from backend.organisation.workcalendar import WorkCalendar

from ..models import Case, Evaluation, Kind, Reply, ReturnRequest
from ..replyquality.selectors import SUB_SCORE_FIELDS, DepartmentQuality, Scope, quality_figures
from .performance import (
    FIGURES,
    GOOD,
    NOT_RECEIVED,
    DepartmentFigures,
    WorkingDayCounter,
    empty_department_rows,
    received_cases,
)
from .periods import Period
from .rollups import start_of
from .trends import GRANULARITIES, Bucket, bucket_starts, granularity_for

# --- performance --------------------------------------------------------------------------------


def _case_counts(cases: QuerySet[Case], group: str, now: dt.datetime) -> Iterable[dict]:
    q = {name: FIGURES[name][1](now) for name in FIGURES}
    return (
        cases.values(group)
        .annotate(
            received=Count("id"),
            sign_due=Count("id", filter=q["sign_due"]),
            signed_on_time=Count("id", filter=q["signed_on_time"]),
            reply_due=Count("id", filter=q["reply_due"]),
            replied_on_time=Count("id", filter=q["replied_on_time"]),
            replied=Count("id", filter=q["replied"]),
            redone=Count("id", filter=q["redone"]),
            extended=Count("id", filter=q["extended"]),
            repeat=Count("id", filter=q["repeat"]),
        )
        .order_by(group)
    )


def _evaluation_counts(cases: QuerySet[Case], group: str) -> Iterable[dict]:
    good_attitude = Q(attitude__in=GOOD)
    good_result = Q(result__in=GOOD)
    return (
        Evaluation.objects.filter(case__in=cases.values("pk"))
        .values(f"case__{group}")
        .annotate(
            evaluations=Count("id"),
            satisfied=Count("id", filter=good_result),
            double_satisfied=Count("id", filter=good_attitude & good_result),
            solved=Count("id", filter=Q(solved=True)),
        )
        .order_by(f"case__{group}")
    )


def _working_days(cases: QuerySet[Case], group: str) -> dict[object, tuple[int, int]]:
    """Per group: (total working days from dispatch to the latest reply, cases counted)."""
    rows = list(
        cases.filter(replied_at__isnull=False, dispatched_at__isnull=False).values_list(
            group, "dispatched_at", "replied_at"
        )
    )
    if not rows:
        return {}
    counter = WorkingDayCounter(
        WorkCalendar.load(), [(sent, replied) for _k, sent, replied in rows]
    )
    totals: dict[object, list[int]] = defaultdict(lambda: [0, 0])
    for key, sent, replied in rows:
        totals[key][0] += counter.between(sent, replied)
        totals[key][1] += 1
    return {key: (total, n) for key, (total, n) in totals.items()}


def _collect(
    cases: QuerySet[Case], group: str, now: dt.datetime, rows: dict[int, DepartmentFigures]
) -> None:
    for row in _case_counts(cases, group, now):
        figures = rows.get(row[group])
        if figures is None:
            continue
        for name, value in row.items():
            if name != group:
                setattr(figures, name, value)
    for row in _evaluation_counts(cases, group):
        figures = rows.get(row[f"case__{group}"])
        if figures is None:
            continue
        for name in ("evaluations", "satisfied", "double_satisfied", "solved"):
            setattr(figures, name, row[name])
    for key, (total, n) in _working_days(cases, group).items():
        if key in rows:
            rows[key].working_days_total = total
            rows[key].working_days_cases = n


def department_performance(
    *,
    start: dt.date,
    end: dt.date,
    jurisdiction: Jurisdiction | None = None,
    now: dt.datetime | None = None,
) -> list[DepartmentFigures]:
    """`performance.department_performance`, aggregated over the cases."""
    now = now or timezone.now()
    period = Period(start, end)
    rows = empty_department_rows(jurisdiction)
    cases = received_cases(period).filter(lead_department__in=list(rows))
    _collect(cases, "lead_department", now, rows)
    # Returns follow the department that returned the case, wherever the case went next.
    returns = (
        ReturnRequest.objects.filter(
            department__in=list(rows),
            case__created_at__gte=period.start_at,
            case__created_at__lt=period.end_before,
        )
        .values("department")
        .annotate(
            returned=Count("case", distinct=True),
            misrouted=Count(
                "case", distinct=True, filter=Q(decision=ReturnRequest.Decision.ACCEPTED)
            ),
            returned_away=Count(
                "case",
                distinct=True,
                filter=~Q(case__lead_department=F("department")) | Q(case__status__in=NOT_RECEIVED),
            ),
        )
        .order_by("department")
    )
    for row in returns:
        figures = rows[row["department"]]
        figures.returned = row["returned"]
        figures.misrouted = row["misrouted"]
        figures.returned_away = row["returned_away"]
    return list(rows.values())


def district_performance(
    *, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> list[DepartmentFigures]:
    """`performance.district_performance`, aggregated over the cases."""
    now = now or timezone.now()
    period = Period(start, end)
    districts = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).order_by("code")
    rows = {d.pk: DepartmentFigures(key=d.pk, name=d.name) for d in districts}
    cases = received_cases(period).filter(district__in=list(rows), lead_department__isnull=False)
    _collect(cases, "district", now, rows)
    accepted = ReturnRequest.objects.filter(
        case=OuterRef("pk"), decision=ReturnRequest.Decision.ACCEPTED
    )
    for row in (
        cases.values("district")
        .annotate(
            returned=Count("id", filter=Q(return_count__gt=0)),
            misrouted=Count("id", filter=Q(Exists(accepted))),
        )
        .order_by("district")
    ):
        rows[row["district"]].returned = row["returned"]
        rows[row["district"]].misrouted = row["misrouted"]
    return list(rows.values())


# --- trends -------------------------------------------------------------------------------------


def _as_date(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def trend(*, period: Period, granularity: str | None = None) -> list[Bucket]:
    """`trends.trend`, aggregated over the cases."""
    granularity = granularity or granularity_for(period)
    trunc = GRANULARITIES[granularity]
    received = {
        _as_date(row["bucket"]): row["n"]
        for row in received_cases(period)
        .annotate(bucket=trunc("created_at"))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by("bucket")
    }
    replied = {
        _as_date(row["bucket"]): row["n"]
        for row in Case.objects.filter(
            replied_at__gte=period.start_at, replied_at__lt=period.end_before
        )
        .annotate(bucket=trunc("replied_at"))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by("bucket")
    }
    return [
        Bucket(start, received.get(start, 0), replied.get(start, 0))
        for start in bucket_starts(period, granularity)
    ]


def by_category(*, period: Period) -> list[tuple[int | None, str, int]]:
    rows = (
        received_cases(period)
        .annotate(
            key_id=Coalesce("category__parent_id", "category_id"),
            label=Coalesce("category__parent__name", "category__name"),
        )
        .values("key_id", "label")
        .annotate(n=Count("id"))
        .order_by("-n", "label")
    )
    return [(r["key_id"], r["label"] or _("Not yet classified"), r["n"]) for r in rows]


def by_kind(*, period: Period) -> list[tuple[str, str, int]]:
    labels = dict(Kind.choices)
    rows = received_cases(period).values("kind").annotate(n=Count("id")).order_by("-n", "kind")
    return [(r["kind"], str(labels.get(r["kind"], r["kind"])), r["n"]) for r in rows]


def by_district(*, period: Period) -> list[tuple[int | None, str, int]]:
    rows = (
        received_cases(period)
        .values("district_id", "district__name")
        .annotate(n=Count("id"))
        .order_by("-n", "district__name")
    )
    return [(r["district_id"], r["district__name"] or _("No district given"), r["n"]) for r in rows]


# --- reply quality ------------------------------------------------------------------------------


def _scored_replies(scope: Scope) -> QuerySet[Reply]:
    rows = Reply.objects.filter(
        created_at__gte=start_of(scope.start),
        created_at__lt=start_of(scope.end + dt.timedelta(days=1)),
        quality_overall__isnull=False,
    )
    if scope.jurisdiction is not None:
        rows = rows.filter(department__jurisdiction=scope.jurisdiction)
    return rows


def _quality_aggregates() -> dict[str, Any]:
    scores = {"overall": "quality_overall", **SUB_SCORE_FIELDS}
    return {
        "scored": Count("id"),
        "weak": Count("id", filter=Q(quality_weak=True)),
        "published_weak": Count("id", filter=Q(quality_weak=True, state=Reply.State.PUBLISHED)),
        **{f"{name}_sum": Sum(field) for name, field in scores.items()},
        **{f"{name}_n": Count(field) for name, field in scores.items()},
    }


def department_reply_quality(scope: Scope) -> list[DepartmentQuality]:
    """`replyquality.selectors.department_reply_quality`, over the replies themselves."""
    rows: Any = (
        _scored_replies(scope)
        .values("department_id", "department__name")
        .annotate(**_quality_aggregates())
        .order_by()
    )
    found = [
        quality_figures(row, key=row["department_id"], name=row["department__name"]) for row in rows
    ]
    found.sort(key=lambda f: (-(f.mean_overall or 0.0), f.name))
    return found


def reply_quality_total(scope: Scope, *, name: str = "") -> DepartmentQuality:
    """`replyquality.selectors.reply_quality_total`, over the replies themselves."""
    return quality_figures(
        _scored_replies(scope).aggregate(**_quality_aggregates()), key=None, name=name
    )
