"""Writing a day's open-data files (`manage.py export_open_data`).

For a day D (Beijing time) four files are written into the open-data directory:

* `published-cases-D.csv` / `.json`: the cases whose reply was published on D and which the
  citizen allowed to be published (`Case.is_published`): what their public pages show and
  nothing else — the masked subject, message and reply (masked by `privacy.selectors.ListMasker`,
  the same masking as the public pages and the API), category, department, district, dates, the
  public steps. Never a name, a phone number, a token, an internal note or an unpublished case.
* `statistics-D.csv` / `.json`: the public figures of every department and district for the
  month up to D (`opendata.statistics`, i.e. the insight figures).

Idempotent: the files are written under a temporary name and renamed over the old ones, so a
second run for the same day replaces them (a reader never sees half a file) and the index lists
each file once. Streaming: the cases are read in chunks of `CHUNK` (two queries for the masking
and two prefetches per chunk) and written as they come, so memory stays flat on a busy day.
CSV files are UTF-8 with a byte order mark, so that Excel opens the Chinese text correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation

from ..insights.periods import Period
from ..models import Case, CaseEvent, Reply
from ..privacy.selectors import ListMasker
from . import store
from .fields import CASE_FIELDS, STATISTICS_FIELDS, csv_columns
from .statistics import PublicPeriod, PublicRow, public_statistics

CHUNK = 500


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    period = Period(day, day)
    return period.start_at, period.end_before


def published_on(day: dt.date) -> QuerySet[Case]:
    """The cases published (their reply sent and the case made public) on `day`."""
    start, end = day_bounds(day)
    return Case.objects.filter(is_published=True, replied_at__gte=start, replied_at__lt=end)


def _iso(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).replace(microsecond=0).isoformat() if moment else ""


def _url(case: Case) -> str:
    return (
        f"{getattr(settings, 'WENZHENG_PUBLIC_BASE_URL', '').rstrip('/')}{case.get_absolute_url()}"
    )


def _chunks(day: dt.date) -> Iterator[Sequence[Case]]:
    """The day's published cases in publication order, CHUNK at a time (keyset pagination on
    (replied_at, id): each chunk is one query however far into the day)."""
    cases = (
        published_on(day)
        .select_related("category", "category__parent", "lead_department", "district")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.filter(state=Reply.State.PUBLISHED).order_by(
                    "published_at", "pk"
                ),
                to_attr="published_replies",
            ),
            Prefetch(
                "events",
                queryset=CaseEvent.objects.filter(is_public=True)
                .select_related("department")
                .order_by("created_at", "pk"),
                to_attr="public_events",
            ),
        )
        .order_by("replied_at", "pk")
    )
    after: tuple[dt.datetime, int] | None = None
    while True:
        page = cases
        if after is not None:
            page = page.filter(Q(replied_at__gt=after[0]) | Q(replied_at=after[0], pk__gt=after[1]))
        chunk = list(page[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]
        assert last.replied_at is not None
        after = (last.replied_at, last.pk)


def case_record(case: Case, hide: ListMasker) -> dict[str, Any]:
    """One published case as the files carry it (see fields.CASE_FIELDS)."""
    replies: list[Reply] = getattr(case, "published_replies", [])
    events: list[CaseEvent] = getattr(case, "public_events", [])
    category = case.category
    return {
        "tracking_no": case.tracking_no,
        "url": _url(case),
        "kind": case.kind,
        "kind_label": str(case.get_kind_display()),
        "category_code": category.code if category else "",
        "category": str(category) if category else "",
        "department": case.lead_department.name if case.lead_department else "",
        "district": case.district.name if case.district else "",
        "status": case.status,
        "subject": hide(case, case.subject),
        "body": hide(case, case.body),
        "reply": hide(case, replies[-1].body) if replies else "",
        "received_at": _iso(case.created_at),
        "reply_deadline": _iso(case.reply_deadline),
        "replied_at": _iso(case.replied_at),
        "timeline": [
            {
                "at": _iso(event.created_at),
                "action": event.action,
                "label": str(event.action_label),
                "department": event.department.name if event.department else "",
            }
            for event in events
        ],
    }


def case_records(day: dt.date) -> Iterator[dict[str, Any]]:
    for chunk in _chunks(day):
        hide = ListMasker(chunk)
        for case in chunk:
            yield case_record(case, hide)


def statistics_records(day: dt.date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows of the statistics files (total, departments, districts) and the file header."""
    period = PublicPeriod("month", Period(day.replace(day=1), day))
    stats = public_statistics(period=period)
    computed_at = _iso(stats.computed_at)

    def row(unit_type: str, unit: PublicRow) -> dict[str, Any]:
        return {
            "period_start": period.period.start.isoformat(),
            "period_end": period.period.end.isoformat(),
            "unit_type": unit_type,
            "unit_id": unit.key,
            "unit": unit.name,
            "rank": unit.rank,
            "not_ranked_reason": unit.not_ranked_reason,
            "score": unit.score,
            **unit.counts,
            **{k: None if v is None else round(v, 6) for k, v in unit.rates.items()},
            "computed_at": computed_at,
        }

    rows = [row("total", stats.total)]
    rows += [row("department", unit) for unit in stats.departments]
    rows += [row("district", unit) for unit in stats.districts]
    header = {
        "period_start": period.period.start.isoformat(),
        "period_end": period.period.end.isoformat(),
        "minimum_cases": stats.minimum,
        "computed_at": computed_at,
    }
    return rows, header


class _Writer:
    """The CSV and JSON file of one kind, written side by side, one record at a time."""

    def __init__(self, kind: str, day: dt.date, columns: list[str], header: dict[str, Any]):
        self.kind = kind
        self.day = day
        self.columns = columns
        self.rows = 0
        self.csv_temp, self.csv_final = store.atomic_target(store.file_name(kind, day, "csv"))
        self.json_temp, self.json_final = store.atomic_target(store.file_name(kind, day, "json"))
        self.csv_handle = self.csv_temp.open("w", encoding="utf-8-sig", newline="")
        self.json_handle = self.json_temp.open("w", encoding="utf-8")
        self.csv = csv.DictWriter(self.csv_handle, fieldnames=columns, extrasaction="ignore")
        self.csv.writeheader()
        opening = json.dumps(header, ensure_ascii=False)[:-1]  # the header object, left open
        self.json_handle.write(f'{opening}{", " if header else ""}"records": [\n')

    def write(self, record: dict[str, Any]) -> None:
        self.csv.writerow({k: "" if record[k] is None else record[k] for k in self.columns})
        if self.rows:
            self.json_handle.write(",\n")
        self.json_handle.write(json.dumps(record, ensure_ascii=False))
        self.rows += 1

    def close(self, now: dt.datetime) -> list[store.IndexEntry]:
        self.json_handle.write(f'\n], "count": {self.rows}}}\n')
        self.csv_handle.close()
        self.json_handle.close()
        entries = []
        for fmt, temp, final in (
            ("csv", self.csv_temp, self.csv_final),
            ("json", self.json_temp, self.json_final),
        ):
            store.publish(temp, final)
            entries.append(
                store.IndexEntry(
                    name=final.name,
                    kind=self.kind,
                    format=fmt,
                    date=self.day.isoformat(),
                    rows=self.rows,
                    bytes=final.stat().st_size,
                    sha256=store.sha256_of(final),
                    written_at=_iso(now),
                )
            )
        return entries

    def abandon(self) -> None:
        for handle in (self.csv_handle, self.json_handle):
            handle.close()
        for temp in (self.csv_temp, self.json_temp):
            Path(temp).unlink(missing_ok=True)


def export_day(day: dt.date) -> list[store.IndexEntry]:
    """Write (or rewrite) the four files of `day` and their index entries; returns the entries."""
    now = timezone.now()
    entries: list[store.IndexEntry] = []
    with translation.override(settings.LANGUAGE_CODE), store.locked():
        cases = _Writer("cases", day, csv_columns(CASE_FIELDS), {"date": day.isoformat()})
        try:
            for record in case_records(day):
                cases.write(record)
        except BaseException:
            cases.abandon()
            raise
        entries += cases.close(now)
        rows, header = statistics_records(day)
        stats = _Writer("statistics", day, csv_columns(STATISTICS_FIELDS), header)
        try:
            for record in rows:
                stats.write(record)
        except BaseException:
            stats.abandon()
            raise
        entries += stats.close(now)
        store.write_index(entries, now=now)
    return entries


def export_recent_days(days: int, *, until: dt.date | None = None) -> list[store.IndexEntry]:
    """The files of the `days` days up to `until` (default: today), oldest first."""
    last = until or timezone.localdate()
    entries: list[store.IndexEntry] = []
    for offset in range(days - 1, -1, -1):
        entries += export_day(last - dt.timedelta(days=offset))
    return entries
