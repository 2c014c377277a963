"""Repeat complaints (重复诉求): a problem raised again after its earlier case was closed.

When a case is in a group that also holds a case closed before the new one was written, the new
case is a repeat complaint of that earlier case when one of these holds (the first that holds is
recorded, with the most recently closed earlier case):

1. same account: both cases were written by the same signed-in citizen;
2. same phone: both carry the same contact phone number (anonymous writers too);
3. same place and problem: another writer, but the two messages resemble each other with a
   cosine of at least `WENZHENG_HOT_REPEAT_MIN_SCORE` (default 0.2: being in the same group
   already means the same place and problem; members of a group resemble each other with
   cosines of 0.2–0.6, their group's centroid more).

Each repeat is recorded once (`RepeatComplaint`, unique per pair); supervisors get one
notification per grouping run listing the new ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from backend.accounts.models import Role
from classifier.grouping import GroupingEngine
from interaction.models import Case
from interaction.services.notifications import notify_role, render
from interaction.states import Status

from .conf import hot_settings
from .models import HotIssue, RepeatComplaint

MAX_LISTED = 10


@dataclass(frozen=True)
class _Info:
    id: int
    created_at: dt.datetime
    status: str
    closed_at: dt.datetime | None
    citizen_id: int | None
    phone: str


@dataclass(frozen=True)
class Found:
    case_id: int
    earlier_id: int
    reason: str
    similarity: float
    group_key: int


def _infos(case_ids: Iterable[int], *, only: set[int] | None = None) -> dict[int, _Info]:
    """What the rules read of the cases: with `only`, just those and the closed ones."""
    qs = Case.objects.filter(pk__in=list(case_ids))
    if only is not None:
        qs = qs.filter(Q(pk__in=list(only)) | Q(status=Status.CLOSED))
    rows = qs.values_list("pk", "created_at", "status", "closed_at", "citizen_id", "contact_phone")
    return {r[0]: _Info(*r) for r in rows}


def derive(
    engine: GroupingEngine,
    groups: dict[int, list[int]],
    *,
    only: set[int] | None = None,
) -> list[Found]:
    """The repeat complaints in `groups` (key → case ids); with `only`, just for those cases."""
    min_score = hot_settings().repeat_min_score
    wanted = [c for ids in groups.values() for c in ids]
    infos = _infos(wanted, only=only)
    found: list[Found] = []
    for key, ids in groups.items():
        closed = [
            infos[c]
            for c in ids
            if c in infos and infos[c].status == Status.CLOSED and infos[c].closed_at
        ]
        if not closed:
            continue
        for case_id in ids:
            case = infos.get(case_id)
            if case is None or (only is not None and case_id not in only):
                continue
            if case.status == Status.INVALID:
                continue
            best: tuple[int, dt.datetime, _Info, float] | None = None
            for earlier in closed:
                assert earlier.closed_at is not None
                if earlier.id == case.id or earlier.closed_at >= case.created_at:
                    continue
                if case.citizen_id and case.citizen_id == earlier.citizen_id:
                    rank = 3
                elif case.phone and case.phone == earlier.phone:
                    rank = 2
                elif best is not None and best[0] > 1:
                    continue  # a stronger reason is already found
                else:
                    rank = 1
                if best is not None and (rank, earlier.closed_at) <= (best[0], best[1]):
                    continue
                similarity = engine.similarity(case.id, earlier.id)
                if rank == 1 and similarity < min_score:
                    continue
                best = (rank, earlier.closed_at, earlier, similarity)
            if best is not None:
                reason = {
                    3: RepeatComplaint.Reason.SAME_ACCOUNT,
                    2: RepeatComplaint.Reason.SAME_PHONE,
                    1: RepeatComplaint.Reason.SAME_PROBLEM,
                }[best[0]]
                found.append(Found(case.id, best[2].id, reason, round(best[3], 4), key))
    return found


def record(
    found: list[Found], rows: dict[int, HotIssue], *, replace_upto: int | None = None
) -> list[RepeatComplaint]:
    """Store the repeat complaints found; returns the new ones (pairs already known are kept).

    `replace_upto` (full recomputation): repeat rows of cases up to that id that were not found
    again are removed (their case left the group).
    """
    pairs = {(f.case_id, f.earlier_id) for f in found}
    known = set(
        RepeatComplaint.objects.filter(case_id__in=[f.case_id for f in found]).values_list(
            "case_id", "earlier_case_id"
        )
    )
    if replace_upto is not None:
        stale = [
            pk
            for pk, case_id, earlier_id in RepeatComplaint.objects.filter(
                case_id__lte=replace_upto
            ).values_list("pk", "case_id", "earlier_case_id")
            if (case_id, earlier_id) not in pairs
        ]
        RepeatComplaint.objects.filter(pk__in=stale).delete()
    new = [
        RepeatComplaint(
            case_id=f.case_id,
            earlier_case_id=f.earlier_id,
            hot_issue=rows.get(f.group_key),
            reason=f.reason,
            similarity=f.similarity,
        )
        for f in found
        if (f.case_id, f.earlier_id) not in known
    ]
    RepeatComplaint.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    # Pairs already known follow their case into its current group.
    for f in found:
        if (f.case_id, f.earlier_id) in known and f.group_key in rows:
            RepeatComplaint.objects.filter(case_id=f.case_id, earlier_case_id=f.earlier_id).exclude(
                hot_issue=rows[f.group_key]
            ).update(hot_issue=rows[f.group_key])
    return list(
        RepeatComplaint.objects.filter(
            Q(notified_at__isnull=True), case_id__in=[r.case_id for r in new]
        ).select_related("case", "earlier_case")
    )


def notify_supervisors(new: list[RepeatComplaint]) -> int:
    """One notification to every supervisor for the repeat complaints of this run."""
    if not new:
        return 0
    listed = ", ".join(
        f"{r.case.tracking_no}←{r.earlier_case.tracking_no}" for r in new[:MAX_LISTED]
    )
    if len(new) > MAX_LISTED:
        listed += " …"
    text = render(
        ngettext_lazy(
            "%(n)d repeat complaint (raised again after the case was closed): %(cases)s",
            "%(n)d repeat complaints (raised again after the case was closed): %(cases)s",
            len(new),
        ),
        n=len(new),
        cases=listed,
    )
    notify_role(
        new[0].case if len(new) == 1 else None,
        role=Role.SUPERVISOR,
        verb="repeat_complaint",
        text=text,
    )
    RepeatComplaint.objects.filter(pk__in=[r.pk for r in new]).update(notified_at=timezone.now())
    return len(new)
