"""Keeping the roll-up tables (`insights.models`) equal to the cases, off the write path.

    refresh()         read the audit rows written since the last run, recompute their days
    rebuild()         recompute every day from scratch (demo load, calendar change, first run)
    recompute_days()  the one function that writes roll-up rows: delete + insert of whole days
    ensure_fresh()    called by the readers: refresh on the spot when the backlog is small
    reading()         the same once for a whole page (the readers inside do not check again)

Services do nothing for the roll-ups: every change to a case already writes an audit row
(`CaseEvent`, ids increasing) in the same transaction, so "which days changed" is "the receiving
days of the cases of the audit rows after `RollupState.last_event_id`", plus, because a repeat
complaint depends on the earlier cases of the same phone number, the days of the later cases of
the same numbers within `REPEAT_WINDOW_DAYS`. A day is recomputed whole (delete + insert, in the
run's transaction): a case that moves to another department, district or category leaves its old
row and joins the new one in the same statement pair, and running it twice gives the same rows.

Runs never overlap: each holds the `RollupState` row locked (`select_for_update`) for its
transaction; a second run waits (the command) or skips (a page). Ids are handed out before
commit, so an audit row may become visible after a higher one was processed: the ids skipped
over are kept in `RollupState.gaps` and looked for again on each run for `GAP_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from backend.organisation.models import CalendarOverride
from backend.organisation.workcalendar import WorkCalendar

from ..models import Case, CaseEvent, Evaluation, Reply, ReturnRequest
from .models import (
    COUNT_FIELDS,
    CategoryDay,
    DepartmentDay,
    DistrictDay,
    KindDay,
    PendingDue,
    ReplyDay,
    ReplyQualityDay,
    RollupState,
)

logger = logging.getLogger(__name__)

GAP_SECONDS = 600  # how long an audit row id skipped over is looked for again
MAX_GAPS = 2000
EVENT_BATCH = 20_000  # audit rows per transaction
DAYS_PER_QUERY = 31
CHUNK = 2000  # ids per IN (...) list
TABLES: tuple[Any, ...] = (
    DepartmentDay,
    DistrictDay,
    CategoryDay,
    KindDay,
    ReplyDay,
    PendingDue,
    ReplyQualityDay,
)
# Reply scores summed in `ReplyQualityDay` (`<name>_sum` over `<name>_n` replies scored on it).
QUALITY_SCORES = {
    "overall": "quality_overall",
    "relevance": "quality_relevance",
    "completeness": "quality_completeness",
    "interpretability": "quality_interpretability",
    "timeliness": "quality_timeliness",
}


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(zone()).date()


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone())


@dataclass
class RefreshResult:
    events: int = 0
    days: list[dt.date] = field(default_factory=list)
    rows: int = 0
    rebuilt: bool = False
    skipped: bool = False  # another run held the lock
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "days": len(self.days),
            "rows": self.rows,
            "rebuilt": self.rebuilt,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
        }


# --- recomputing days ---------------------------------------------------------------------------


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days [(first, last), ...]."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and day == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _received_on(runs: list[tuple[dt.date, dt.date]], prefix: str = "") -> Q:
    q = Q()
    for first, last in runs:
        q |= Q(
            **{
                f"{prefix}created_at__gte": start_of(first),
                f"{prefix}created_at__lt": start_of(last + dt.timedelta(days=1)),
            }
        )
    return q


def recompute_days(days: Iterable[dt.date]) -> int:
    """Rewrite every roll-up row of `days` from the cases (call inside a transaction holding the
    state lock: `refresh` and `rebuild` do). Returns the number of rows written."""
    ordered = sorted(set(days))
    written = 0
    for i in range(0, len(ordered), DAYS_PER_QUERY):
        batch = ordered[i : i + DAYS_PER_QUERY]
        for model in TABLES:
            model.objects.filter(day__in=batch).delete()
        written += _insert(_runs(batch))
    return written


def _insert(runs: list[tuple[dt.date, dt.date]]) -> int:
    """Compute and insert the rows of the days in `runs` (their old rows are gone)."""
    from . import performance as perf

    day = TruncDate("created_at", tzinfo=zone())
    cases = Case.objects.filter(_received_on(runs))
    received = cases.exclude(status__in=perf.NOT_RECEIVED)
    now = timezone.now()  # the static figures below do not depend on it
    figure = {name: perf.FIGURES[name][1](now) for name in perf.FIGURES}
    accepted = ReturnRequest.objects.filter(
        case=OuterRef("pk"), decision=ReturnRequest.Decision.ACCEPTED
    )
    dept: dict[tuple[dt.date, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    dist: dict[tuple[dt.date, int | None], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(key_dept: int | None, key: tuple[dt.date, int | None], counts: dict[str, int]) -> None:
        if key_dept is None:
            return
        for name, value in counts.items():
            dept[(key[0], key_dept)][name] += value
            dist[key][name] += value

    main = (
        received.annotate(d=day)
        .values("d", "lead_department", "district")
        .annotate(
            received=Count("id"),
            signed=Count("id", filter=perf.SIGN_SETTLED),
            signed_on_time=Count("id", filter=figure["signed_on_time"]),
            answered=Count("id", filter=perf.REPLY_SETTLED),
            replied_on_time=Count("id", filter=figure["replied_on_time"]),
            replied=Count("id", filter=figure["replied"]),
            redone=Count("id", filter=figure["redone"]),
            extended=Count("id", filter=figure["extended"]),
            repeat=Count("id", filter=figure["repeat"]),
            own_returned=Count("id", filter=Q(return_count__gt=0)),
            own_misrouted=Count("id", filter=Q(Exists(accepted))),
        )
        .order_by()
    )
    for found in main:
        row: dict[str, Any] = dict(found)
        key = (row.pop("d"), row.pop("district"))
        lead = row.pop("lead_department")
        dist[key]["cases"] += row["received"]
        own = {"returned": row.pop("own_returned"), "misrouted": row.pop("own_misrouted")}
        if lead is not None:
            for name, value in own.items():
                dist[key][name] += value
        add(lead, key, row)

    good_attitude = Q(attitude__in=perf.GOOD)
    good_result = Q(result__in=perf.GOOD)
    evaluations = (
        Evaluation.objects.filter(_received_on(runs, "case__"))
        .exclude(case__status__in=perf.NOT_RECEIVED)
        .annotate(d=TruncDate("case__created_at", tzinfo=zone()))
        .values("d", "case__lead_department", "case__district")
        .annotate(
            evaluations=Count("id"),
            satisfied=Count("id", filter=good_result),
            double_satisfied=Count("id", filter=good_attitude & good_result),
            solved=Count("id", filter=Q(solved=True)),
        )
        .order_by()
    )
    for evaluated in evaluations:
        row = dict(evaluated)
        key = (row.pop("d"), row.pop("case__district"))
        add(row.pop("case__lead_department"), key, row)

    timed = [
        (created, lead, district, sent, replied)
        for created, lead, district, sent, replied in received.filter(
            lead_department__isnull=False, replied_at__isnull=False, dispatched_at__isnull=False
        ).values_list("created_at", "lead_department", "district", "dispatched_at", "replied_at")
        if sent is not None and replied is not None
    ]
    if timed:
        counter = perf.WorkingDayCounter(WorkCalendar.load(), [(r[3], r[4]) for r in timed])
        for created, lead, district, sent, replied in timed:
            key = (local_day(created), district)
            add(lead, key, {"working_days_total": counter.between(sent, replied)})
            add(lead, key, {"working_days_cases": 1})

    # Returns count for the department that returned the case, whatever became of it.
    returns = (
        ReturnRequest.objects.filter(_received_on(runs, "case__"))
        .annotate(d=TruncDate("case__created_at", tzinfo=zone()))
        .values("d", "department")
        .annotate(
            returned=Count("case", distinct=True),
            misrouted=Count(
                "case", distinct=True, filter=Q(decision=ReturnRequest.Decision.ACCEPTED)
            ),
            returned_away=Count(
                "case",
                distinct=True,
                filter=~Q(case__lead_department=F("department"))
                | Q(case__status__in=perf.NOT_RECEIVED),
            ),
        )
        .order_by()
    )
    for returned in returns:
        row = dict(returned)
        counts = dept[(row["d"], row["department"])]
        for name in ("returned", "misrouted", "returned_away"):
            counts[name] += row[name]

    objects: list[Any] = [
        DepartmentDay(day=d, department_id=key, **_counts(counts, extra=("returned_away",)))
        for (d, key), counts in dept.items()
    ]
    objects += [
        DistrictDay(day=d, district_id=key, **_counts(counts, extra=("cases",)))
        for (d, key), counts in dist.items()
    ]
    objects += [
        CategoryDay(day=row["d"], category_id=row["category"], cases=row["n"])
        for row in received.annotate(d=day).values("d", "category").annotate(n=Count("id"))
    ]
    objects += [
        KindDay(day=row["d"], kind=row["kind"], cases=row["n"])
        for row in received.annotate(d=day).values("d", "kind").annotate(n=Count("id"))
    ]
    objects += [
        ReplyDay(day=row["d"], replied_day=row["rd"], cases=row["n"])
        for row in cases.filter(replied_at__isnull=False)
        .annotate(d=day, rd=TruncDate("replied_at", tzinfo=zone()))
        .values("d", "rd")
        .annotate(n=Count("id"))
        .order_by()
    ]
    dispatched = received.filter(lead_department__isnull=False).annotate(d=day)
    for which, condition, deadline in (
        (PendingDue.SIGN, perf.SIGN_PENDING, "sign_deadline"),
        (PendingDue.REPLY, perf.REPLY_PENDING, "reply_deadline"),
    ):
        objects += [
            PendingDue(
                day=row["d"],
                department_id=row["lead_department"],
                district_id=row["district"],
                which=which,
                deadline=row[deadline],
                cases=row["n"],
            )
            for row in dispatched.filter(condition)
            .values("d", "lead_department", "district", deadline)
            .annotate(n=Count("id"))
            .order_by()
        ]
    quality: Any = (
        Reply.objects.filter(_received_on(runs, "case__"), quality_overall__isnull=False)
        .annotate(
            d=TruncDate("case__created_at", tzinfo=zone()),
            rd=TruncDate("created_at", tzinfo=zone()),
        )
        .values("d", "rd", "department")
        .annotate(
            scored=Count("id"),
            weak=Count("id", filter=Q(quality_weak=True)),
            published_weak=Count("id", filter=Q(quality_weak=True, state=Reply.State.PUBLISHED)),
            **{f"{name}_sum": Coalesce(Sum(field), 0.0) for name, field in QUALITY_SCORES.items()},
            **{f"{name}_n": Count(field) for name, field in QUALITY_SCORES.items()},
        )
        .order_by()
    )
    objects += [
        ReplyQualityDay(
            day=row.pop("d"), reply_day=row.pop("rd"), department_id=row.pop("department"), **row
        )
        for row in quality
    ]
    by_model: dict[Any, list[Any]] = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    for model, rows in by_model.items():
        model.objects.bulk_create(rows, batch_size=1000)
    return len(objects)


def _counts(counts: dict[str, int], *, extra: tuple[str, ...]) -> dict[str, int]:
    return {name: counts.get(name, 0) for name in (*COUNT_FIELDS, *extra)}


# --- which days changed -------------------------------------------------------------------------


def days_of_cases(case_ids: Iterable[int]) -> set[dt.date]:
    """The receiving days of these cases and of the cases whose repeat-complaint figure they
    can change (same phone number, received up to `REPEAT_WINDOW_DAYS` later)."""
    from .performance import REPEAT_WINDOW_DAYS

    window = dt.timedelta(days=REPEAT_WINDOW_DAYS)
    ids = sorted(set(case_ids))
    days: set[dt.date] = set()
    for i in range(0, len(ids), CHUNK):
        earlier: dict[str, list[dt.datetime]] = defaultdict(list)
        for created, phone in Case.objects.filter(pk__in=ids[i : i + CHUNK]).values_list(
            "created_at", "contact_phone"
        ):
            days.add(local_day(created))
            earlier[phone].append(created)
        if not earlier:
            continue
        first = min(min(v) for v in earlier.values())
        last = max(max(v) for v in earlier.values())
        phones = sorted(earlier)
        for j in range(0, len(phones), CHUNK):
            later = Case.objects.filter(
                contact_phone__in=phones[j : j + CHUNK],
                created_at__gt=first,
                created_at__lte=last + window,
            ).values_list("contact_phone", "created_at")
            for phone, created in later:
                if any(e < created <= e + window for e in earlier[phone]):
                    days.add(local_day(created))
    return days


@dataclass
class _Batch:
    case_ids: list[int]
    read: int  # audit rows read (new ones and late ones)
    last_id: int  # the highest id read (or the state's)
    full: bool  # `size` rows read: more may wait
    gaps: list[list[float]]


def _read_events(state: RollupState, size: int) -> _Batch:
    """The audit rows after the state's (at most `size`) and the late ones of its gaps."""
    rows = list(
        CaseEvent.objects.filter(id__gt=state.last_event_id)
        .order_by("id")
        .values_list("id", "case_id")[:size]
    )
    now = time.time()
    gaps = [g for g in state.gaps if now - g[1] < GAP_SECONDS]
    late: list[tuple[int, int]] = []
    if gaps:
        late = list(
            CaseEvent.objects.filter(id__in=[int(g[0]) for g in gaps]).values_list("id", "case_id")
        )
        found = {event_id for event_id, _case in late}
        gaps = [g for g in gaps if int(g[0]) not in found]
    if rows:
        # Ids passed over: a transaction still running (or rolled back) holds them. A state that
        # never ran has no "before" to compare with.
        previous = state.last_event_id or rows[0][0] - 1
        missing: list[int] = []
        for event_id, _case in rows:
            if event_id - previous > 1:
                missing.extend(range(max(previous + 1, event_id - MAX_GAPS), event_id))
            previous = event_id
        gaps = (gaps + [[float(event_id), now] for event_id in missing])[-MAX_GAPS:]
    return _Batch(
        case_ids=[case_id for _id, case_id in rows] + [case_id for _id, case_id in late],
        read=len(rows) + len(late),
        last_id=rows[-1][0] if rows else state.last_event_id,
        full=len(rows) == size,
        gaps=gaps,
    )


# --- the runs -----------------------------------------------------------------------------------


def calendar_signature() -> str:
    """Changes when the work calendar changes (the working-day counts depend on it)."""
    import chinese_calendar

    overrides = CalendarOverride.objects.order_by("date").values_list("date", "is_workday")
    text = (
        getattr(chinese_calendar, "__version__", "")
        + ";"
        + ";".join(f"{d.isoformat()}={int(w)}" for d, w in overrides)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _lock(wait: bool) -> RollupState | None:
    """The state row, locked for this transaction; None if another run holds it (wait=False)."""
    if not RollupState.objects.filter(pk=1).exists():
        try:
            with transaction.atomic():
                RollupState.objects.create(pk=1)
        except IntegrityError:
            pass  # created by a concurrent run
    return RollupState.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()


def _rebuild_locked(state: RollupState, result: RefreshResult) -> None:
    started = timezone.now()
    head = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
    # Ids missing among the last audit rows may belong to transactions still running: look
    # for them again in the next runs.
    seen = set(
        CaseEvent.objects.filter(id__gt=head - 200, id__lte=head).values_list("id", flat=True)
    )
    now = time.time()
    gaps = [[float(i), now] for i in range(min(seen, default=head), head) if i not in seen]
    for model in TABLES:
        model.objects.all().delete()
    span = Case.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is not None:
        day, last = local_day(span["first"]), local_day(span["last"])
        while day <= last:
            batch = [day + dt.timedelta(days=i) for i in range(DAYS_PER_QUERY)]
            batch = [d for d in batch if d <= last]
            result.rows += _insert(_runs(batch))
            result.days += batch
            day = batch[-1] + dt.timedelta(days=1)
    state.last_event_id = head
    state.gaps = gaps
    state.calendar_signature = calendar_signature()
    state.refreshed_at = started
    state.rebuilt_at = timezone.now()
    state.save()
    result.rebuilt = True


def recompute_cases(case_ids: Iterable[int]) -> int:
    """Recompute at once the days of these cases, for a change written without an audit row
    (re-scoring replies). Waits for a run in progress. Returns the rows written."""
    ids = list(case_ids)
    if not ids:
        return 0
    with transaction.atomic():
        _lock(wait=True)
        return recompute_days(days_of_cases(ids))


def rebuild() -> RefreshResult:
    """Recompute every day from the cases (waits for a run in progress)."""
    clock = time.monotonic()
    result = RefreshResult()
    with transaction.atomic():
        state = _lock(wait=True)
        assert state is not None
        _rebuild_locked(state, result)
    result.seconds = time.monotonic() - clock
    return result


def refresh(
    *, wait: bool = True, limit: int | None = None, allow_rebuild: bool = True
) -> RefreshResult:
    """Bring the roll-ups up to date with the audit trail; returns what it did.

    `wait`: wait for a run in progress (else return at once, `skipped`). `limit`: stop after
    about this many audit rows. `allow_rebuild`: rebuild everything when the roll-ups were
    never built or the work calendar changed (the command does; pages do not).
    """
    clock = time.monotonic()
    result = RefreshResult()
    days: set[dt.date] = set()
    while True:
        with transaction.atomic():
            state = _lock(wait)
            if state is None:
                result.skipped = True
                break
            if allow_rebuild and (
                state.rebuilt_at is None or state.calendar_signature != calendar_signature()
            ):
                _rebuild_locked(state, result)
                break
            started = timezone.now()
            size = EVENT_BATCH if limit is None else max(1, min(EVENT_BATCH, limit - result.events))
            batch = _read_events(state, size)
            changed = days_of_cases(batch.case_ids) if batch.case_ids else set()
            result.rows += recompute_days(changed)
            days |= changed
            result.events += batch.read
            if batch.read or batch.last_id != state.last_event_id or batch.gaps != state.gaps:
                state.last_event_id = batch.last_id
                state.gaps = batch.gaps
                state.refreshed_at = started
                state.save(update_fields=["last_event_id", "gaps", "refreshed_at"])
        if not batch.full or (limit is not None and result.events >= limit):
            break
    result.days = sorted(days | set(result.days))
    result.seconds = time.monotonic() - clock
    return result


# --- reading ------------------------------------------------------------------------------------


@dataclass
class _Check:
    done: bool = False
    as_of: dt.datetime | None = None


_checked: ContextVar[_Check | None] = ContextVar("rollups_checked", default=None)


def inline_limit() -> int:
    return int(getattr(settings, "WENZHENG_ROLLUP_REFRESH_ON_READ", 2000))


def _check() -> dt.datetime | None:
    """Refresh on the spot if few audit rows wait; the moment the figures are true as of."""
    state = RollupState.objects.filter(pk=1).values("last_event_id", "refreshed_at").first()
    last = state["last_event_id"] if state else 0
    limit = inline_limit()
    # How many audit rows wait (up to limit + 1), not how far the newest id is: ids are not
    # dense (PostgreSQL sequences skip the ids of rolled-back transactions).
    waiting = len(CaseEvent.objects.filter(id__gt=last).values_list("id")[: limit + 1])
    if not waiting:
        return timezone.now()
    if limit and waiting <= limit:
        try:
            result = refresh(wait=False, limit=limit, allow_rebuild=False)
        except DatabaseError:
            logger.exception(
                "refreshing the roll-ups before a read failed; reading them as they are"
            )
        else:
            if not result.skipped:
                return timezone.now()
    return state["refreshed_at"] if state else None


def ensure_fresh() -> dt.datetime | None:
    """Called by every reader of the roll-ups: refreshes them on the spot when few audit rows
    wait (see `_check`). Inside `reading` only the first call checks."""
    check = _checked.get()
    if check is None:
        return _check()
    if not check.done:
        check.as_of = _check()
        check.done = True
    return check.as_of


@contextmanager
def reading() -> Iterator[None]:
    """Everything read inside shares one freshness check, made when the first roll-up is read."""
    token = _checked.set(_Check())
    try:
        yield
    finally:
        _checked.reset(token)


def figures_as_of() -> dt.datetime | None:
    """The moment the figures read are true as of (None: never computed)."""
    return ensure_fresh()


F_ = TypeVar("F_", bound=Callable[..., Any])


def fresh_reads(view: F_) -> F_:
    """Run `view` inside `reading()`: one freshness check for the whole page or API call."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reading():
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
