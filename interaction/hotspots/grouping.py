"""The grouping service: cases go through the grouping engine, groups go to the database.

Off the request path: `manage.py group_messages --every 5` keeps one `Grouper` warm (its engine
holds every recent case) and each run takes the cases it has not seen yet: those with an id above
the last one grouped, and any in the last `LOOKBACK_IDS` ids it has not seen (a submission that
committed late). `manage.py regroup_messages` recomputes every group from scratch.

Both write under a lock on the one `GroupingState` row, so they can run at the same time: the
second writer waits, and a process whose engine is behind (another process wrote since: the
row's `version` changed) reloads it from the database before it writes.

Which cases: all but those closed as spam (`invalid`), in the order of their ids (the order they
were received). A full recomputation replays them in the same order; confirmed groups keep their
cases (`HotIssue.is_pinned`). The engine's place gazetteer: the jurisdictions' names and other
names, and the dictionaries of `WENZHENG_HOT_PLACE_DICTS` (the demo city's by default).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from backend.organisation.models import Jurisdiction
from classifier.grouping import Assignment, Gazetteer, GroupingEngine, Message
from interaction.models import Case
from interaction.states import Status

from . import persist, repeats
from .conf import hot_settings
from .models import GroupingState, HotIssue, HotIssueCase

logger = logging.getLogger(__name__)

LOOKBACK_IDS = 2000
BATCH_SIZE = 500
CHUNK = 2000
_FIELDS = ("pk", "subject", "body", "created_at", "address", "district__name", "street__name")


def gazetteer() -> Gazetteer:
    """Place names the engine matches exactly: the jurisdictions (coarse: the city, districts
    and streets, and the other names of the city and districts; the other names of a street are
    its roads and estates, fine) and the configured dictionaries (fine)."""
    names: list[str] = []
    coarse: list[str] = []
    for name, aliases, level in Jurisdiction.objects.values_list("name", "aliases", "level"):
        other = [a.strip() for a in aliases.replace("，", ",").split(",") if a.strip()]
        coarse.append(name)
        if level == Jurisdiction.Level.STREET:
            names += other
        else:
            coarse += other
    for path in hot_settings().place_dicts:
        file = Path(path)
        if not file.is_file():
            continue
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                names.append(line.split()[0])
    return Gazetteer(names, coarse=coarse)


def message_of(row: tuple[Any, ...]) -> Message:
    pk, subject, body, created, address, district, street = row
    known = tuple(p for p in (district, street) if p)
    return Message(
        id=pk,
        subject=subject,
        body=f"{body}\n{address}" if address else body,
        at=created,
        places=known,
    )


def _case_rows(qs: Any) -> Iterator[tuple[Any, ...]]:
    yield from qs.order_by("pk").values_list(*_FIELDS).iterator(chunk_size=CHUNK)


def groupable() -> Any:
    return Case.objects.exclude(status=Status.INVALID)


@dataclass
class RunReport:
    grouped: int = 0
    joined: int = 0
    new_groups: int = 0
    merged: int = 0
    repeats: int = 0
    reloaded: bool = False
    seconds: float = 0.0
    assignments: list[Assignment] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "grouped": self.grouped,
            "joined": self.joined,
            "new_groups": self.new_groups,
            "merged": self.merged,
            "repeats": self.repeats,
            "reloaded": self.reloaded,
            "seconds": round(self.seconds, 3),
        }


class Grouper:
    """One warm engine and the cases it has seen. One per process (not thread-safe)."""

    def __init__(self) -> None:
        self.engine: GroupingEngine | None = None
        self.version: int | None = None

    # --- loading -------------------------------------------------------------------------------

    def load(self, state: GroupingState) -> GroupingEngine:
        """Rebuild the engine from the stored groups (every case up to `state.last_case_id`;
        cases older than twice the window only count for the word statistics)."""
        conf = hot_settings()
        engine = GroupingEngine(conf.grouping, gazetteer=gazetteer())
        keys = dict(HotIssueCase.objects.values_list("case_id", "hot_issue__key"))
        engine.pinned = set(
            HotIssue.objects.filter(status=HotIssue.Status.CONFIRMED).values_list("key", flat=True)
        )
        latest = groupable().filter(pk__lte=state.last_case_id).aggregate(t=Max("created_at"))
        horizon = (latest["t"] or timezone.now()) - dt.timedelta(days=2 * conf.grouping.window_days)
        recent = max(0, state.last_case_id - LOOKBACK_IDS)
        for row in _case_rows(groupable().filter(pk__lte=state.last_case_id)):
            if row[0] > recent and row[0] not in keys:
                # Alone, or never seen (committed after later ids were grouped): the next run
                # takes it as new; a case that was alone is scored again, and may now join.
                continue
            features = engine.featurize(message_of(row))
            if row[3] < horizon:
                engine.count_only(features)
                engine.group_of[row[0]] = keys.get(row[0], row[0])
            else:
                engine.restore(features, keys.get(row[0], row[0]))
        self.engine = engine
        self.version = state.version
        return engine

    # --- one run ---------------------------------------------------------------------------------

    def run_once(self, *, limit: int = BATCH_SIZE) -> RunReport:
        """Group the cases not seen yet (at most `limit`), write the groups, flag repeats."""
        started = time.perf_counter()
        report = RunReport()
        GroupingState.row()  # make sure the row exists before locking it
        with transaction.atomic():
            state = GroupingState.objects.select_for_update().get(pk=1)
            if self.engine is None or self.version != state.version:
                self.load(state)
                report.reloaded = True
            engine = self.engine
            assert engine is not None
            since = max(0, state.last_case_id - LOOKBACK_IDS)
            recent = groupable().filter(pk__gt=since).order_by("pk").values_list("pk", flat=True)
            new_ids = [pk for pk in recent if pk not in engine.group_of][:limit]
            rows = list(_case_rows(groupable().filter(pk__in=new_ids))) if new_ids else []
            if not rows:
                report.seconds = time.perf_counter() - started
                return report
            for row in rows:
                report.assignments.append(engine.add(message_of(row)))
            self._write(engine, report, state, max(r[0] for r in rows))
        report.seconds = time.perf_counter() - started
        return report

    def _write(
        self, engine: GroupingEngine, report: RunReport, state: GroupingState, max_id: int
    ) -> None:
        touched: set[int] = set()
        merged: dict[int, int] = {}
        joined: dict[int, int] = {}
        for a in report.assignments:
            report.grouped += 1
            for key in a.merged:
                merged[key] = a.group_key
            if a.created:
                report.new_groups += 1
            else:
                report.joined += 1
                touched.add(a.group_key)
                joined[a.message_id] = a.group_key
        # A group merged into one that was itself merged later in the batch: follow the chain.
        for key in merged:
            while merged[key] in merged:
                merged[key] = merged[merged[key]]
        report.merged = len(merged)
        touched = {key for key in touched if key not in merged}
        groups = {key: engine.members(key) for key in touched if key in engine.groups}
        # Cases that may have moved: the new ones, and those of the groups merged away.
        moved = set(joined) | {
            case_id for key, ids in groups.items() if key in set(merged.values()) for case_id in ids
        }
        rows = persist.upsert_groups(groups, persist.summaries(engine, groups), changed=moved)
        persist.move_repeats({old: rows[new] for old, new in merged.items() if new in rows})
        persist.delete_groups(merged)
        found = repeats.derive(engine, groups, only=set(joined))
        new = repeats.record(found, rows)
        report.repeats = repeats.notify_supervisors(new)
        persist.refresh_figures([row.pk for row in rows.values()])
        state.last_case_id = max(state.last_case_id, max_id)
        state.version += 1
        state.save(update_fields=["last_case_id", "version", "updated_at"])
        self.version = state.version

    def run(self, *, every: float, stop: Any = None, on_report: Any = None) -> None:
        """Run again and again, `every` seconds apart, until `stop()` says so."""
        from django.db import close_old_connections

        while True:
            report = self.run_once()
            while report.grouped >= BATCH_SIZE:  # a backlog: keep going without sleeping
                if on_report:
                    on_report(report)
                report = self.run_once()
            if on_report:
                on_report(report)
            if stop is not None and stop():
                return
            close_old_connections()
            time.sleep(every)


@dataclass
class RegroupReport:
    cases: int = 0
    groups: int = 0
    grouped_cases: int = 0
    removed: int = 0
    repeats: int = 0
    seconds: float = 0.0
    grouping_seconds: float = 0.0  # reading and grouping the cases
    writing_seconds: float = 0.0  # writing groups, memberships, repeats, figures

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def regroup_all(*, progress: Any = None) -> RegroupReport:
    """Recompute every group from scratch (safe while `group_messages` runs: see the module)."""
    started = time.perf_counter()
    report = RegroupReport()
    conf = hot_settings()
    engine = GroupingEngine(conf.grouping, gazetteer=gazetteer())
    pinned_rows = HotIssue.objects.filter(status=HotIssue.Status.CONFIRMED)
    engine.pinned = set(pinned_rows.values_list("key", flat=True))
    pinned_members = dict(
        HotIssueCase.objects.filter(hot_issue__in=pinned_rows).values_list(
            "case_id", "hot_issue__key"
        )
    )
    max_id = groupable().aggregate(m=Max("pk"))["m"] or 0
    for row in _case_rows(groupable().filter(pk__lte=max_id)):
        features = engine.featurize(message_of(row))
        if row[0] in pinned_members:
            engine.restore(features, pinned_members[row[0]])
        else:
            engine.add(features)
        report.cases += 1
        if progress is not None and report.cases % 10000 == 0:
            progress(report.cases)
    groups = engine.partition()
    described = persist.summaries(engine, groups)  # engine work: before taking the lock
    report.grouping_seconds = time.perf_counter() - started
    GroupingState.row()
    with transaction.atomic():
        state = GroupingState.objects.select_for_update().get(pk=1)
        stale = set(HotIssue.objects.values_list("key", flat=True)) - set(groups)
        report.removed = persist.delete_groups(stale)
        HotIssueCase.objects.exclude(hot_issue__status=HotIssue.Status.CONFIRMED).delete()
        rows = persist.upsert_groups(groups, described)
        found = repeats.derive(engine, groups)
        new = repeats.record(found, rows, replace_upto=max_id)
        report.repeats = repeats.notify_supervisors(new)
        persist.refresh_figures()
        state.last_case_id = max_id
        state.version += 1
        state.generation += 1
        state.regrouped_at = timezone.now()
        state.save()
    report.groups = len(groups)
    report.grouped_cases = sum(len(v) for v in groups.values())
    report.seconds = time.perf_counter() - started
    report.writing_seconds = report.seconds - report.grouping_seconds
    return report
