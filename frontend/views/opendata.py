"""Open government pages for everyone: public statistics per department and district, and the
open-data files (list, field documentation, downloads).

Only aggregates and the files written by `manage.py export_open_data` are shown here; the
figures come from `interaction.opendata.statistics` (the insight figures), the files from
`interaction.opendata.store`, which is the only way a name sent by a visitor becomes a path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from interaction.insights import ranking
from interaction.insights.periods import PeriodError
from interaction.opendata import fields, statistics, store
from interaction.opendata.statistics import PublicPeriod, PublicRow

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "–"
    if name == "avg_working_days":
        return f"{value:.1f}"
    return f"{100 * value:.1f}%"


def _cells(row: PublicRow) -> list[dict[str, Any]]:
    return [{"name": name, "text": _fmt(name, row.rates[name])} for name in statistics.PUBLIC_RATES]


def _table(rows: list[PublicRow]) -> list[dict[str, Any]]:
    return [
        {
            "rank": row.rank,
            "reason": row.not_ranked_reason,
            "name": row.name,
            "jurisdiction": row.jurisdiction,
            "received": row.counts["received"],
            "score": "–" if row.score is None else f"{row.score:.1f}",
            "cells": _cells(row),
        }
        for row in rows
    ]


def _query(period: PublicPeriod, **extra: str) -> str:
    return urlencode({"period": period.kind, "date": period.period.start.isoformat(), **extra})


@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Per department and per district: the public figures of a month, quarter or year, ranked
    (sortable by any figure), with the minimum-cases rule and how the score is made."""
    error = ""
    try:
        period = statistics.parse_public_period(request.GET.get("period"), request.GET.get("date"))
    except PeriodError as exc:
        period, error = statistics.default_period(), str(exc)
    sort = request.GET.get("sort") or "score"
    if sort not in statistics.SORT_KEYS:
        sort = "score"
    stats = statistics.public_statistics(period=period, sort=sort)
    today = timezone.localdate()
    previous = period.shifted(-1)
    following = period.shifted(1)
    columns = [
        {
            "key": key,
            "label": statistics.SORT_LABELS[key],
            "href": "?" + _query(period, sort=key),
            "current": key == sort,
            "order": "ascending" if key in ranking.LOWER_IS_BETTER else "descending",
        }
        for key in statistics.SORT_KEYS
    ]
    context = {
        "error": error,
        "period": period,
        "kinds": [
            ("month", _("Month")),
            ("quarter", _("Quarter")),
            ("year", _("Year")),
        ],
        "date_value": period.period.start.isoformat(),
        "sort": sort,
        "sort_label": statistics.SORT_LABELS[sort],
        "score_column": columns[0],
        "rate_columns": columns[1:],
        "departments": _table(stats.departments),
        "districts": _table(stats.districts),
        "total": _table([stats.total])[0],
        "minimum_note": statistics.minimum_note(stats.minimum),
        "score_note": statistics.score_note(),
        "computed_at": stats.computed_at,
        "previous_href": "?" + _query(previous, sort=sort),
        "next_href": "?" + _query(following, sort=sort) if following.period.start <= today else "",
        "api_query": _query(period, sort=sort),
    }
    return render(request, "frontend/public/statistics.html", context)


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """The files to download, newest day first, and what every field means."""
    entries = store.read_index()
    days: dict[str, list[store.IndexEntry]] = {}
    for entry in entries:
        days.setdefault(entry.date, []).append(entry)
    context = {
        "days": list(days.items()),
        "case_fields": fields.CASE_FIELDS,
        "statistics_fields": fields.STATISTICS_FIELDS,
        "has_index": (store.root() / store.INDEX_NAME).is_file(),
    }
    return render(request, "frontend/public/open_data.html", context)


@require_GET
def open_data_file(request: HttpRequest, name: str) -> FileResponse:
    """One open-data file, as a download. Any name that is not one of ours is a 404."""
    path = store.safe_path(name)
    if path is None:
        raise Http404(_("No such file."))
    fmt = "json" if name.endswith(".json") else "csv"
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    return response
