"""Counts over time and breakdowns: what keeps coming in, what kind, from where.

All counts are of cases received (created) in the period, as in `performance` (spam and merged
duplicates left out); "replied" counts replies sent in each time bucket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Case, Kind
from .performance import received_cases
from .periods import Period

GRANULARITIES = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


@dataclass
class Bucket:
    start: dt.date
    received: int
    replied: int


def granularity_for(period: Period) -> str:
    """A sensible bucket size: days up to two months, weeks up to a year, else months."""
    if period.days <= 62:
        return "day"
    if period.days <= 366:
        return "week"
    return "month"


def _bucket_starts(period: Period, granularity: str) -> list[dt.date]:
    day = period.start
    if granularity == "week":
        day -= dt.timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    starts = []
    while day <= period.end:
        starts.append(day)
        if granularity == "day":
            day += dt.timedelta(days=1)
        elif granularity == "week":
            day += dt.timedelta(days=7)
        else:
            day = (day + dt.timedelta(days=32)).replace(day=1)
    return starts


def _as_date(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def trend(*, period: Period, granularity: str | None = None) -> list[Bucket]:
    """Cases received and replies sent per day, week or month of `period` (empty buckets: 0)."""
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
        for start in _bucket_starts(period, granularity)
    ]


def by_category(*, period: Period) -> list[tuple[int | None, str, int]]:
    """Cases per top-level category, most first: (category id, name, count)."""
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


@dataclass
class HotSpot:
    category_id: int | None
    category: str
    district_id: int | None
    district: str
    cases: int
    repeat_writers: int


def recurring(*, period: Period, limit: int = 10) -> list[HotSpot]:
    """The category × district pairs with the most cases (a stand-in for hot-issue detection:
    it groups by where and what, not by the content of the messages). `repeat_writers` counts
    the phone numbers that wrote more than once about the pair."""
    base = received_cases(period).exclude(category__isnull=True)
    rows = list(
        base.values("category_id", "category__name", "district_id", "district__name")
        .annotate(n=Count("id"), writers=Count("contact_phone", distinct=True))
        .order_by("-n", "category__name")[:limit]
    )
    return [
        HotSpot(
            r["category_id"],
            r["category__name"],
            r["district_id"],
            r["district__name"] or _("No district given"),
            r["n"],
            _repeat_writers(base, r["category_id"], r["district_id"]),
        )
        for r in rows
    ]


def _repeat_writers(base: QuerySet[Case], category_id: int, district_id: int | None) -> int:
    district = Q(district_id=district_id) if district_id else Q(district__isnull=True)
    return (
        base.filter(district, category_id=category_id)
        .values("contact_phone")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
