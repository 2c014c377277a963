"""Writing what the grouping engine decided: group rows, memberships, figures (services).

Every function here runs inside the caller's transaction, with the `GroupingState` row locked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case as DbCase
from django.db.models import CharField, Count, Max, Min, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from classifier.grouping import GroupingEngine, GroupSummary
from interaction.models import Case
from interaction.privacy.selectors import ListMasker
from interaction.states import Status

from .hotness import base_score, rank_key
from .models import HotIssue, HotIssueCase, RepeatComplaint

TITLE_CHARS = 60


def summaries(engine: GroupingEngine, keys: Iterable[int]) -> dict[int, GroupSummary]:
    found: dict[int, GroupSummary] = {}
    for key in keys:
        if key in engine.groups:
            found[key] = engine.summary(key)
        elif key in engine.retired:
            found[key] = engine.retired[key]
    return found


def _title(case: Case | None, summary: GroupSummary | None, hide: ListMasker) -> str:
    """The subject of the group's most typical case, masked like a published subject (a title
    travels to dashboards, reports and departments that may not open that case)."""
    if case is not None:
        return hide(case, case.subject)[:TITLE_CHARS]
    if summary is not None and summary.terms:
        return " ".join(summary.terms)[:TITLE_CHARS]
    return "—"


def upsert_groups(
    groups: dict[int, list[int]],
    described: dict[int, GroupSummary],
    *,
    changed: set[int] | None = None,
) -> dict[int, HotIssue]:
    """Create or update the rows of `groups` (key → case ids) and point their cases at them.

    A case moves to its new group (the membership row is updated); rows are found by key, so a
    second run with the same groups writes the same rows (idempotent). `changed`: only these
    cases (and every case of a group new to the database) can have moved (incremental runs).
    """
    if not groups:
        return {}
    existing = {h.key: h for h in HotIssue.objects.filter(key__in=list(groups))}
    representatives = Case.objects.in_bulk(
        [s.representative_id for s in described.values() if s.representative_id]
    )
    hide = ListMasker(representatives.values())
    now = timezone.now()
    new_rows: list[HotIssue] = []
    updated: list[HotIssue] = []
    for key, _case_ids in groups.items():
        summary = described.get(key)
        row = existing.get(key) or HotIssue(key=key, first_at=now, last_at=now)
        case = representatives.get(summary.representative_id) if summary else None
        row.title = _title(case, summary, hide)
        row.representative = case
        if summary is not None:
            row.place = summary.place[:100]
            row.keywords = list(summary.terms)
        if row.pk is None:
            new_rows.append(row)
        else:
            updated.append(row)
    HotIssue.objects.bulk_create(new_rows, batch_size=2000)
    fields = ["title", "representative", "place", "keywords", "updated_at"]
    if len(updated) == 1:
        updated[0].save(update_fields=fields)
    else:
        HotIssue.objects.bulk_update(updated, fields, batch_size=2000)
    rows = {h.key: h for h in [*updated, *new_rows]}
    if any(h.pk is None for h in new_rows):  # a database that returns no ids on bulk insert
        rows = {h.key: h for h in HotIssue.objects.filter(key__in=list(groups))}
    if changed is not None:
        created = {row.key for row in new_rows}
        groups = {
            key: [c for c in ids if key in created or c in changed] for key, ids in groups.items()
        }
    _point_members(groups, rows)
    return rows


def _point_members(groups: dict[int, list[int]], rows: dict[int, HotIssue]) -> None:
    wanted = {case_id: rows[key].pk for key, ids in groups.items() for case_id in ids}
    if not wanted:
        return
    current = dict(
        HotIssueCase.objects.filter(case_id__in=list(wanted)).values_list("case_id", "hot_issue_id")
    )
    moves: dict[int, list[int]] = defaultdict(list)
    for case_id, hot_issue_id in wanted.items():
        if case_id in current and current[case_id] != hot_issue_id:
            moves[hot_issue_id].append(case_id)
    for hot_issue_id, case_ids in moves.items():
        HotIssueCase.objects.filter(case_id__in=case_ids).update(hot_issue_id=hot_issue_id)
    HotIssueCase.objects.bulk_create(
        [
            HotIssueCase(case_id=case_id, hot_issue_id=hot_issue_id)
            for case_id, hot_issue_id in wanted.items()
            if case_id not in current
        ],
        batch_size=5000,
    )


def move_repeats(moves: dict[int, HotIssue]) -> None:
    """Repeat complaints of groups merged away follow their cases (old key → new row)."""
    for old_key, row in moves.items():
        RepeatComplaint.objects.filter(hot_issue__key=old_key).update(hot_issue=row)


def delete_groups(keys: Iterable[int]) -> int:
    """Remove the rows of groups that no longer exist (merged away or dissolved; never a
    confirmed one)."""
    keys = list(keys)
    if not keys:
        return 0
    qs = HotIssue.objects.filter(key__in=keys).exclude(status=HotIssue.Status.CONFIRMED)
    deleted, _by_model = qs.delete()
    return deleted


def refresh_figures(hot_issue_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored figures of some groups (all without ids): messages, citizens,
    support, repeat complaints, time span, district, hotness. Returns how many."""
    qs = HotIssue.objects.all()
    if hot_issue_ids is not None:
        qs = qs.filter(pk__in=list(hot_issue_ids))
    rows = list(qs)
    if not rows:
        return 0
    ids = [h.pk for h in rows]
    members = HotIssueCase.objects.filter(hot_issue_id__in=ids).exclude(case__status=Status.INVALID)
    # A citizen is their account, or else their phone number.
    writer = DbCase(
        When(
            case__citizen_id__isnull=False,
            then=Concat(Value("u"), Cast("case__citizen_id", CharField())),
        ),
        default=Concat(Value("p"), "case__contact_phone"),
        output_field=CharField(),
    )
    figures = {
        row["hot_issue_id"]: row
        for row in members.values("hot_issue_id").annotate(
            n=Count("case_id"),
            citizens=Count(writer, distinct=True),
            first=Min("case__created_at"),
            last=Max("case__created_at"),
        )
    }
    districts: dict[int, tuple[int, int]] = {}
    for hot_issue_id, district_id, n in (
        members.filter(case__district__isnull=False)
        .values("hot_issue_id", "case__district_id")
        .annotate(n=Count("case_id"))
        .values_list("hot_issue_id", "case__district_id", "n")
    ):
        if hot_issue_id not in districts or (n, -district_id) > (
            districts[hot_issue_id][1],
            -districts[hot_issue_id][0],
        ):
            districts[hot_issue_id] = (district_id, n)
    supports = dict(
        members.values("hot_issue_id")
        .annotate(n=Count("case__supports"))
        .values_list("hot_issue_id", "n")
    )
    repeats = dict(
        RepeatComplaint.objects.filter(hot_issue_id__in=ids)
        .values("hot_issue_id")
        .annotate(n=Count("id"))
        .values_list("hot_issue_id", "n")
    )
    for row in rows:
        found = figures.get(row.pk)
        row.case_count = found["n"] if found else 0
        row.citizen_count = found["citizens"] if found else 0
        row.support_count = supports.get(row.pk, 0)
        row.repeat_count = repeats.get(row.pk, 0)
        if found:
            row.first_at, row.last_at = found["first"], found["last"]
            row.district_id = districts[row.pk][0] if row.pk in districts else None
        row.hotness_base = base_score(
            messages=row.case_count,
            citizens=row.citizen_count,
            support=row.support_count,
            repeats=row.repeat_count,
        )
        row.rank_key = rank_key(row.hotness_base, row.last_at)
    HotIssue.objects.bulk_update(
        rows,
        [
            "case_count",
            "citizen_count",
            "support_count",
            "repeat_count",
            "first_at",
            "last_at",
            "district",
            "hotness_base",
            "rank_key",
        ],
        batch_size=2000,
    )
    return len(rows)
