"""Counts over time and breakdowns: what keeps coming in, what kind, from where.

All counts are of cases received (created) in the period, as in `performance` (spam and merged
duplicates left out); "replied" counts replies sent in each time bucket. The trend and the
breakdowns read the daily roll-ups (`rollups`); `direct` computes them over the cases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from ..models import Kind
from . import rollups
from .models import CategoryDay, DistrictDay, KindDay, ReplyDay
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


def bucket_starts(period: Period, granularity: str) -> list[dt.date]:
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


def bucket_of(day: dt.date, granularity: str) -> dt.date:
    """The first day of the day, week (Monday) or month that contains `day`."""
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def trend(*, period: Period, granularity: str | None = None) -> list[Bucket]:
    """Cases received and replies sent per day, week or month of `period` (empty buckets: 0).
    Read from the roll-ups (`DistrictDay.cases`, `ReplyDay`); `direct.trend` is the reference."""
    granularity = granularity or granularity_for(period)
    rollups.ensure_fresh()
    received: dict[dt.date, int] = defaultdict(int)
    for day, n in (
        DistrictDay.objects.filter(day__gte=period.start, day__lte=period.end)
        .values_list("day")
        .annotate(n=Sum("cases"))
        .order_by()
    ):
        received[bucket_of(day, granularity)] += n
    replied: dict[dt.date, int] = defaultdict(int)
    for day, n in (
        ReplyDay.objects.filter(replied_day__gte=period.start, replied_day__lte=period.end)
        .values_list("replied_day")
        .annotate(n=Sum("cases"))
        .order_by()
    ):
        replied[bucket_of(day, granularity)] += n
    return [
        Bucket(start, received.get(start, 0), replied.get(start, 0))
        for start in bucket_starts(period, granularity)
    ]


def by_category(*, period: Period) -> list[tuple[int | None, str, int]]:
    """Cases per top-level category, most first: (category id, name, count)."""
    rollups.ensure_fresh()
    rows = (
        CategoryDay.objects.filter(day__gte=period.start, day__lte=period.end)
        .annotate(
            key_id=Coalesce("category__parent_id", "category_id"),
            label=Coalesce("category__parent__name", "category__name"),
        )
        .values("key_id", "label")
        .annotate(n=Sum("cases"))
        .order_by("-n", "label")
    )
    return [(r["key_id"], r["label"] or _("Not yet classified"), r["n"]) for r in rows]


def by_kind(*, period: Period) -> list[tuple[str, str, int]]:
    rollups.ensure_fresh()
    labels = dict(Kind.choices)
    rows = (
        KindDay.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("kind")
        .annotate(n=Sum("cases"))
        .order_by("-n", "kind")
    )
    return [(r["kind"], str(labels.get(r["kind"], r["kind"])), r["n"]) for r in rows]


def by_district(*, period: Period) -> list[tuple[int | None, str, int]]:
    rollups.ensure_fresh()
    rows = (
        DistrictDay.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("district_id", "district__name")
        .annotate(n=Sum("cases"))
        .order_by("-n", "district__name")
    )
    return [(r["district_id"], r["district__name"] or _("No district given"), r["n"]) for r in rows]
