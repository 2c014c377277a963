"""Reads of hot issues: the lists, one group with its cases, repeat complaints, the report's.

Lists start from `permissions.visible_hot_issues`. The status of a group's cases (open, overdue,
unsatisfied) and its departments are read when shown (they change with every case action),
for a whole page of groups in two queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from backend.accounts.models import User
from interaction.models import Case, Evaluation, Satisfaction
from interaction.permissions import visible_cases
from interaction.states import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Status

from .conf import hot_settings
from .models import CoordinatedAnswer, HotIssue, HotIssueEvent, RepeatComplaint
from .permissions import visible_hot_issues


@dataclass
class CaseStatusCounts:
    open: int = 0
    overdue: int = 0
    unsatisfied: int = 0
    departments: list[str] = field(default_factory=list)


def hot_issue_list(
    *,
    user: User | None,
    status: str | None = None,
    district_id: int | None = None,
    department_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[HotIssue]:
    """Groups of at least `WENZHENG_HOT_MIN_CASES` cases the person may see, hottest first.

    `since`/`until`: groups with a message in that time (latest after `since`, first before
    `until`).
    """
    qs = visible_hot_issues(user).filter(case_count__gte=hot_settings().min_cases)
    if status:
        qs = qs.filter(status=status)
    if district_id:
        qs = qs.filter(district_id=district_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if since is not None:
        qs = qs.filter(last_at__gte=since)
    if until is not None:
        qs = qs.filter(first_at__lt=until)
    return qs.select_related("district", "department").order_by("-rank_key", "-pk")


def status_counts(
    hot_issues: list[HotIssue], *, now: dt.datetime | None = None
) -> dict[int, CaseStatusCounts]:
    """Open, overdue and unsatisfied cases and the departments involved, per group."""
    now = now or timezone.now()
    ids = [h.pk for h in hot_issues]
    counts = {pk: CaseStatusCounts() for pk in ids}
    if not ids:
        return counts
    unsatisfied = Exists(
        Evaluation.objects.filter(case_id=OuterRef("pk"), result=Satisfaction.UNSATISFIED)
    )
    rows = (
        Case.objects.filter(hot_issue_membership__hot_issue_id__in=ids)
        .exclude(status=Status.INVALID)
        .annotate(unsatisfied=unsatisfied)
        .values("hot_issue_membership__hot_issue_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count(
                "pk", filter=Q(status__in=CLOCK_RUNNING_STATUSES, reply_deadline__lt=now)
            ),
            unsat=Count("pk", filter=Q(unsatisfied=True)),
        )
    )
    for row in rows:
        item = counts[row["hot_issue_membership__hot_issue_id"]]
        item.open, item.overdue, item.unsatisfied = row["open"], row["overdue"], row["unsat"]
    departments: dict[int, set[str]] = defaultdict(set)
    for hot_issue_id, name in (
        Case.objects.filter(
            hot_issue_membership__hot_issue_id__in=ids, lead_department__isnull=False
        )
        .values_list("hot_issue_membership__hot_issue_id", "lead_department__name")
        .distinct()
    ):
        departments[hot_issue_id].add(name)
    for pk, names in departments.items():
        counts[pk].departments = sorted(names)
    return counts


def hot_issue_detail(*, user: User | None, hot_issue_id: int) -> HotIssue | None:
    return (
        visible_hot_issues(user)
        .select_related("district", "department", "confirmed_by", "assigned_by")
        .filter(pk=hot_issue_id)
        .first()
    )


def hot_issue_cases(hot_issue: HotIssue, *, user: User | None) -> QuerySet[Case]:
    """The group's cases `user` may open, oldest first, with their support count and whether a
    citizen was unsatisfied or the case is a repeat complaint (a department sees its own and
    those it assists: the other departments' cases stay private)."""
    return (
        visible_cases(user, Case.objects.filter(hot_issue_membership__hot_issue=hot_issue))
        .select_related("lead_department", "category", "district", "street")
        .annotate(
            support=Count("supports", distinct=True),
            unsatisfied=Exists(
                Evaluation.objects.filter(case_id=OuterRef("pk"), result=Satisfaction.UNSATISFIED)
            ),
            is_repeat=Exists(RepeatComplaint.objects.filter(case_id=OuterRef("pk"))),
        )
        .order_by("created_at", "pk")
    )


def hot_issue_repeats(hot_issue: HotIssue) -> QuerySet[RepeatComplaint]:
    return hot_issue.repeats.select_related("case", "earlier_case").order_by("-created_at")


def hot_issue_answers(hot_issue: HotIssue) -> QuerySet[CoordinatedAnswer]:
    return hot_issue.answers.select_related(
        "department", "author", "approved_by", "published_by"
    ).prefetch_related("cases")


def hot_issue_events(hot_issue: HotIssue) -> QuerySet[HotIssueEvent]:
    return hot_issue.events.select_related("actor")


def repeat_complaints(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[RepeatComplaint]:
    """Repeat complaints, newest first (supervision board, report, API)."""
    qs = RepeatComplaint.objects.select_related(
        "case", "case__lead_department", "earlier_case", "hot_issue"
    )
    if since is not None:
        qs = qs.filter(case__created_at__gte=since)
    if until is not None:
        qs = qs.filter(case__created_at__lt=until)
    return qs.order_by("-case__created_at", "-pk")


def answers_for_review() -> QuerySet[CoordinatedAnswer]:
    """Coordinated answers approved by their department, waiting for the platform."""
    return CoordinatedAnswer.objects.filter(state=CoordinatedAnswer.State.APPROVED).select_related(
        "hot_issue", "department"
    )
