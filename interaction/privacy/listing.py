"""The public list of published cases (the home page): one page of search rows, and a count
that stays cheap with a million published cases.

What it costs, and why it is shaped this way (measured on PostgreSQL with 1,000,000 published
cases, `bench/public_bench.py`):

* Rows: only the search row is read (`PublishedCaseText`: masked subject, publication time and
  the public attributes; see its docstring), never the case. The first pages read their rows
  through the index that matches the filter (`pubtext_*_idx`: (filter, replied_at, case), read
  backwards); a deep page first takes the keys of its rows from that index alone, then fetches
  those twenty rows by key — it skips index entries instead of wide table rows.
* Words: PostgreSQL finds them with the GIN index of the stored tsvector. Sorting the matches
  by publication time needs each match's row; a word found in tens of thousands of cases would
  mean tens of thousands of rows read for one page. So a search looks first at the last month,
  then the last year, and only then at everything: the newest `offset + page` matches of the
  first window that holds that many are the page (all rows outside the window are older).
  A word that PostgreSQL's statistics call common (`word_share`) is first looked for by
  walking the newest `WALK_ROWS` rows (of the filter) without the index: a page takes a few
  hundred rows instead of a bitmap of every match. Words expected in at most `RARE_CAP` rows,
  and common words rare together, are collected through the index unordered in one pass that
  PostgreSQL sorts, counts and cuts to the page (`_collect`); the time windows are for the
  rest. A page's queries get `WORK_MEM` so that the bitmaps stay exact.
* Counts: `COUNT(*)` over a million rows costs hundreds of milliseconds. A list never needs
  more than `MAX_PAGES` pages (people refine the search long before), so counts are capped
  (`COUNT_CAP`, `TEXT_COUNT_CAP` for word searches: the first matches the index gives, in no
  order) and shown as "more than N"; a page that is not full gives the exact count for free.
* Rendering: the page is the same for every visitor, so the rendered list and the counts are
  cached (`WENZHENG_PUBLIC_LIST_CACHE_SECONDS`) with a version that every change of a search
  row bumps (see `bump_list_version`): nothing stale is served after a publication or a new
  masking rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from backend.organisation.models import Category, Department, Jurisdiction
from backend.refcache import cached

from .models import PublishedCaseText
from .selectors import PublicFilters, query_groups, query_terms, search_published

logger = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PAGES = 500  # 10,000 results
COUNT_CAP = PER_PAGE * MAX_PAGES
TEXT_COUNT_CAP = 1000
# A word search looks at the newest matches first (see the module docstring).
WINDOWS = (dt.timedelta(days=31), dt.timedelta(days=366))
ROW_FIELDS = ("case", "tracking_no", "subject", "replied_at", "category", "department", "district")


@dataclass(frozen=True)
class Reference:
    """Names and choices of the public filters, loaded once (reference-data cache)."""

    categories: dict[int, str]
    top_categories: frozenset[int]
    departments: dict[int, str]
    districts: dict[int, str]
    category_choices: list[tuple[int, str]] = field(default_factory=list)
    department_choices: list[tuple[int, str]] = field(default_factory=list)
    district_choices: list[tuple[int, str]] = field(default_factory=list)

    @cached_property
    def _options(self) -> dict[str, str]:
        return {
            name: "".join(
                f'<option value="{pk}">{escape(label)}</option>'
                for pk, label in getattr(self, f"{name}_choices")
            )
            for name in ("category", "department", "district")
        }

    def options(self, name: str, selected: int | None) -> SafeString:
        """The <option> elements of a filter's select, `selected` marked (built here rather
        than in the template, once per reference: the home page draws some seventy options)."""
        html = self._options[name]
        if selected is not None:
            plain = f'<option value="{int(selected)}">'
            html = html.replace(plain, plain[:-1] + " selected>", 1)
        return mark_safe(html)  # noqa: S308 (ids are integers, labels escaped)


def _load_reference() -> Reference:
    categories = {c.pk: c for c in Category.objects.all()}
    names = {
        pk: f"{categories[c.parent_id].name} / {c.name}" if c.parent_id in categories else c.name
        for pk, c in categories.items()
    }
    # Each top category followed by its sub-categories.
    active = sorted(
        (c for c in categories.values() if c.is_active),
        key=lambda c: (names.get(c.parent_id or 0, names[c.pk]), c.parent_id or 0, c.code),
    )
    departments = {d.pk: d.name for d in Department.objects.order_by("name")}
    districts = {
        j.pk: j.name
        for j in Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).order_by("name")
    }
    return Reference(
        categories=names,
        top_categories=frozenset(pk for pk, c in categories.items() if c.parent_id is None),
        departments=departments,
        districts=districts,
        category_choices=[(c.pk, names[c.pk]) for c in active],
        department_choices=list(departments.items()),
        district_choices=list(districts.items()),
    )


def reference() -> Reference:
    return cached("public_reference", _load_reference)


@dataclass(frozen=True)
class ListRow:
    """One published case as the public list shows it (masked subject, public attributes)."""

    tracking_no: str
    subject: str
    replied_at: dt.datetime | None
    category: str
    department: str
    district: str
    url: str
    replied_on: str  # the day of the reply, Beijing time, YYYY-MM-DD


@dataclass
class ListPage:
    rows: list[ListRow]
    number: int
    has_next: bool
    count: int
    count_exact: bool  # False: there are more than `count`
    beyond_limit: bool = False  # a page after MAX_PAGES was asked for: the last one is shown
    timed_out: bool = False  # the search was too broad to answer in time (see public_page)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the count is exact (None: "more than")."""
        if not self.count_exact:
            return None
        return max(1, -(-self.count // PER_PAGE))


# Up to this offset a page reads its rows directly (a few hundred index entries and rows at
# most); deeper pages take the keys from the index alone first.
DIRECT_OFFSET = 200


def _direct(rows: QuerySet[PublishedCaseText], offset: int, limit: int) -> list[PublishedCaseText]:
    return list(rows.only(*ROW_FIELDS)[offset : offset + limit])


# --- how common the words are -----------------------------------------------------------------
# PostgreSQL estimates a Chinese word badly: its bigrams are searched together (路灯维修: 路灯 &
# 灯维 & 维修) and the planner multiplies their frequencies as if they were independent, so it
# believes a common word is rare and collects every match through the GIN index. The frequency
# of each lexeme is known from ANALYZE (`pg_stats.most_common_elems`, kept for the 10,000 most
# common with the migration's statistics target); a word is as common as its rarest bigram.

STATS_SECONDS = 600
# Words at least this frequent (share of the rows) are first looked for by walking the newest
# rows rather than by collecting their matches through the index.
COMMON_SHARE = 0.005
# Common words are looked for among this many newest rows (of the filter) first.
WALK_ROWS = 2000
# Common words that are rare together: at most this many matches are collected and sorted.
RARE_CAP = 2000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_stats: tuple[float, dict[str, float], float, float] | None = (
    None  # (loaded at, freqs, floor, rows)
)


def _lexeme_statistics() -> tuple[dict[str, float], float, float] | None:
    """(frequency of each common lexeme, frequency under which all others lie, rows), from
    the planner's statistics; None where there are none (SQLite, never analysed)."""
    global _stats
    now = time.monotonic()
    if _stats is not None and now - _stats[0] < STATS_SECONDS:
        return _stats[1], _stats[2], _stats[3]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
            "WHERE s.tablename = 'interaction_publishedcasetext' "
            "AND s.attname = 'search_vector'"
        )
        row = cursor.fetchone()
    if not row or not row[0] or not row[1] or row[2] is None or row[2] <= 0:
        return None
    elements, freqs, rows = row
    table = dict(zip(elements, freqs, strict=False))
    floor = float(freqs[len(elements)]) if len(freqs) > len(elements) else min(freqs)
    _stats = (now, table, floor, float(rows))
    return table, floor, float(rows)


def word_shares(query: str) -> list[float] | None:
    """The estimated share of the rows holding each word of `query` (a word as common as its
    rarest bigram); None when unknown (prefix terms, no statistics)."""
    groups = query_groups(query)
    stats = _lexeme_statistics() if groups else None
    if stats is None or any(prefix for group in groups for _t, prefix in group):
        return None
    table, floor, _rows = stats
    return [min(table.get(term, floor / 2) for term, _prefix in group) for group in groups]


def word_share(query: str) -> float | None:
    """The estimated share of the rows matching every word of `query` (words independent)."""
    shares = word_shares(query)
    if shares is None:
        return None
    product = 1.0
    for share in shares:
        product *= share
    return product


def _walk(query: str, filters: PublicFilters | None) -> QuerySet[PublishedCaseText]:
    """The rows matching `query` and `filters` among the newest WALK_ROWS rows of the filters,
    newest first, the words checked row by row (`by_index=False`). The bound is the publication
    time of the WALK_ROWS-th row, read from the filter's index alone."""
    bound = search_published("", filters).values("replied_at")[WALK_ROWS - 1 : WALK_ROWS]
    return search_published(query, filters, by_index=False).filter(
        replied_at__gte=Coalesce(Subquery(bound), Value(_EPOCH))
    )


def _collect(rows: QuerySet[PublishedCaseText], offset: int) -> tuple[list[int], int] | None:
    """(keys of the page's rows and the one after, number of matches) when `rows` has at most
    RARE_CAP matches, else None: the matches are collected through the GIN index unordered, and
    sorted, counted and cut to the page by PostgreSQL (only the page's keys come back)."""
    sql, params = (
        rows.order_by().values("case_id", "replied_at")[: RARE_CAP + 1].query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            # `sql` is the ORM's own statement with its parameters apart.
            f"WITH m AS MATERIALIZED ({sql}) "  # noqa: S608
            "SELECT n.total, p.case_id FROM (SELECT count(*) AS total FROM m) n "
            "LEFT JOIN LATERAL (SELECT case_id FROM m ORDER BY replied_at DESC, case_id DESC "
            "LIMIT %s OFFSET %s) p ON true",
            [*params, PER_PAGE + 1, offset],
        )
        fetched = cursor.fetchall()
    total = fetched[0][0]
    if total > RARE_CAP:
        return None
    return [case_id for _total, case_id in fetched if case_id is not None], total


def _keys(rows: QuerySet[PublishedCaseText], offset: int, limit: int, *, words: bool) -> list[int]:
    keys = rows.values_list("case_id", flat=True)
    if words and connection.vendor == "postgresql":
        now = timezone.now()
        for window in WINDOWS:
            found = list(keys.filter(replied_at__gte=now - window)[offset : offset + limit])
            if len(found) == limit:
                return found
    return list(keys[offset : offset + limit])


# --- the cache of the list ----------------------------------------------------------------------
# Everyone sees the same public list, so a page (rendered) and a count are kept in the shared
# cache, each stored with the list's version at the time. Any change to a search row (a reply
# published, a masking rule added, a reindex) bumps the version after commit: an entry of an
# older version is never served (the next view renders afresh), so a newly masked word is never
# served from the cache. The version and an entry are read together, in one round trip.

VERSION_KEY = "public-list:version"


def cache_seconds() -> int:
    return int(getattr(settings, "WENZHENG_PUBLIC_LIST_CACHE_SECONDS", 300))


def list_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def bump_list_version() -> None:
    """Invalidate every cached page and count of the public list."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns(), None)


def cache_key(kind: str, *parts: object) -> str:
    raw = "|".join(str(p) for p in parts).encode()
    return f"public-list:{kind}:{hashlib.sha256(raw).hexdigest()[:40]}"


def cache_lookup(key: str) -> tuple[Any, int]:
    """(the entry under `key` if it was stored at the list's current version, else None; the
    current version), in one round trip."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        return None, list_version()
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == version:
        return entry[1], int(version)
    return None, int(version)


def cache_store(key: str, value: Any, version: int) -> None:
    """Keep `value` under `key` as computed at list version `version` (from `cache_lookup`)."""
    cache.set(key, (version, value), cache_seconds())


def _count_key(query: str, filters: PublicFilters | None) -> str:
    return cache_key("count", " ".join(query.split()), repr(filters))


def _count(
    rows: QuerySet[PublishedCaseText],
    query: str,
    filters: PublicFilters | None,
    *,
    words: bool,
    share: float | None = None,
) -> tuple[int, bool]:
    """(count, exact), capped at COUNT_CAP (TEXT_COUNT_CAP for words) and cached with the list
    (paging through a search counts once). Not exact: there are at least that many."""
    key = _count_key(query, filters) if cache_seconds() else None
    hit, version = cache_lookup(key) if key else (None, 0)
    if hit is not None:
        return hit
    cap = TEXT_COUNT_CAP if words else COUNT_CAP
    stats = _lexeme_statistics() if share is not None else None
    if share is not None and stats is not None and not filters and share * stats[2] > 4 * cap:
        result = (cap, False)  # far more matches than the cap: no need to count them
    else:
        # Words: the first `cap + 1` matches the index gives, in no order (newest first would
        # read and sort every match). No words: along the filter's index, entries only.
        n = (rows.order_by() if words else rows)[: cap + 1].count()
        result = (min(n, cap), n <= cap)
    if key:
        cache_store(key, result, version)
    return result


# Memory for one page's queries. A word's matches and a filter's rows meet in bitmaps of the
# table's pages; with PostgreSQL's default 4 MB a common word's bitmap (a fifth of a million
# rows) turns lossy, and every row of every page it touches is read and checked again:
# measured 172 ms for a common word in one category, 37 ms with 32 MB.
WORK_MEM = "32MB"


def timeout_ms() -> int:
    return int(getattr(settings, "WENZHENG_PUBLIC_LIST_TIMEOUT_MS", 2000))


def public_page(
    query: str = "",
    filters: PublicFilters | None = None,
    number: int = 1,
    *,
    ref: Reference | None = None,
) -> ListPage:
    """Page `number` (from 1) of the published cases matching `query` and `filters`, newest
    reply first: a handful of queries whatever the number of rows (see the module docstring).

    On PostgreSQL the queries of one page get `WORK_MEM` and, together,
    `WENZHENG_PUBLIC_LIST_TIMEOUT_MS`: a search so broad that it would take longer is answered
    with an empty page that says so (`timed_out`), instead of holding a worker."""
    limit = timeout_ms()
    if connection.vendor != "postgresql" or limit <= 0:
        return _public_page(query, filters, number, ref=ref)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), "
                    "set_config('work_mem', %s, true)",
                    [str(limit), WORK_MEM],
                )
            return _public_page(query, filters, number, ref=ref)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "57014":  # query_canceled
            raise
        logger.warning("public list query cancelled after %d ms: %r %r", limit, query, filters)
        return ListPage(
            rows=[],
            number=max(1, number),
            has_next=False,
            count=0,
            count_exact=False,
            timed_out=True,
        )


def _public_page(
    query: str,
    filters: PublicFilters | None,
    number: int,
    *,
    ref: Reference | None = None,
) -> ListPage:
    number = max(1, number)
    beyond = number > MAX_PAGES
    number = min(number, MAX_PAGES)
    words = bool(query_terms(query))
    shares = word_shares(query) if words else None
    share = None
    if shares is not None:
        share = 1.0
        for each in shares:
            share *= each
    # Only common words: collecting their matches through the index costs more than walking
    # the newest rows (of the filter) and checking each.
    common = shares is not None and min(shares) >= COMMON_SHARE
    rows = search_published(query, filters)
    offset = (number - 1) * PER_PAGE
    found: dict[int, PublishedCaseText] | None = None
    keys: list[int] | None = None
    known: tuple[int, bool] | None = None  # (count, exact) when known without counting
    stats = _lexeme_statistics() if share is not None else None
    # The newest WALK_ROWS rows (of the filter) are walked: a common word fills a page within a
    # few hundred; words rare together stop there instead of walking on. Not even that when
    # the words together (as if independent) would not fill the page there.
    if common and share is not None and offset + PER_PAGE + 1 <= share * WALK_ROWS:
        direct = _direct(_walk(query, filters), offset, PER_PAGE + 1)
        if len(direct) == PER_PAGE + 1:
            keys = [row.case_id for row in direct]
            found = {row.case_id: row for row in direct}
            # Counting a common word's matches would walk the rows to their end or collect
            # them all: the page says "at least" what it has seen, or the cap when the word
            # alone is known to be far above it.
            many = stats is not None and share * stats[2] > 4 * TEXT_COUNT_CAP
            known = (TEXT_COUNT_CAP, False) if many and not filters else (0, False)
    # Common words rare together, or words expected in at most RARE_CAP rows: one pass through
    # the index, unordered (an ordered scan would walk the whole table looking for them), gives
    # the page and the count; a pass per time window would repeat the costly part, reading the
    # words' lists of matches.
    few = stats is not None and share is not None and share * stats[2] <= RARE_CAP
    if keys is None and (few or common and stats is not None):
        collected = _collect(rows, offset)
        if collected is not None:
            keys, total = collected
            known = (min(total, TEXT_COUNT_CAP), total <= TEXT_COUNT_CAP)
        else:  # more than RARE_CAP matches: the count is known to be "at least", no counting
            known = (min(RARE_CAP + 1, TEXT_COUNT_CAP), False)
    if keys is not None:
        pass
    elif offset <= DIRECT_OFFSET and not words:
        direct = _direct(rows, offset, PER_PAGE + 1)
        keys = [row.case_id for row in direct]
        found = {row.case_id: row for row in direct}
    else:
        keys = _keys(rows, offset, PER_PAGE + 1, words=words)
    has_next = len(keys) > PER_PAGE and number < MAX_PAGES
    keys = keys[:PER_PAGE]
    if not keys and number > 1:
        # Past the end (an old link, or a count that moved): show the last page instead.
        count, exact = known or _count(rows, query, filters, words=words, share=share)
        last = max(1, min(MAX_PAGES, -(-count // PER_PAGE)))
        if count and last < number:
            shown = _public_page(query, filters, last, ref=ref)
            shown.beyond_limit = beyond
            return shown
        number = 1 if not count else number
    if found is None:
        found = {
            row.case_id: row
            for row in PublishedCaseText.objects.filter(case_id__in=keys).only(*ROW_FIELDS)
        }
    ref = ref or reference()
    # One reverse() for the page: the case address differs only by its tracking number.
    url = reverse("frontend:case-detail", args=["TRACKINGNO"])
    page_rows = [
        ListRow(
            tracking_no=row.tracking_no,
            subject=row.subject,
            replied_at=row.replied_at,
            category=ref.categories.get(row.category_id or 0, ""),
            department=ref.departments.get(row.department_id or 0, ""),
            district=ref.districts.get(row.district_id or 0, ""),
            url=url.replace("TRACKINGNO", row.tracking_no),
            replied_on=timezone.localtime(row.replied_at).date().isoformat()
            if row.replied_at
            else "",
        )
        for key in keys
        if (row := found.get(key)) is not None
    ]
    if not keys:
        count, exact = 0, True
    elif len(keys) < PER_PAGE or not has_next and number < MAX_PAGES:
        count, exact = offset + len(keys), True  # the last page: the count is known
    else:
        count, exact = known or _count(rows, query, filters, words=words, share=share)
        count = max(count, offset + len(keys) + (1 if has_next else 0))
    return ListPage(
        rows=page_rows,
        number=number,
        has_next=has_next,
        count=count,
        count_exact=exact,
        beyond_limit=beyond,
    )
