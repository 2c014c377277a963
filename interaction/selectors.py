"""Reads of the mailbox: the lists each role works from, a case's timeline, its detail.

Every list starts from `permissions.visible_cases`, so nobody lists what they may not open.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from backend.accounts.models import Role, User

from .models import (
    Case,
    CaseEvent,
    Evaluation,
    ExtensionRequest,
    InfoRequest,
    Notification,
    Reply,
    ReturnRequest,
    SupervisionNotice,
)
from .permissions import department_ids, visible_cases
from .states import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Status


def case_list(*, user: User | None) -> QuerySet[Case]:
    """Every case `user` may see, with what list pages show."""
    return visible_cases(user).select_related(
        "category", "category__parent", "lead_department", "district", "street"
    )


def dispatcher_queue(*, user: User) -> QuerySet[Case]:
    """Cases waiting for a dispatcher: new ones and returned ones."""
    return (
        case_list(user=user)
        .filter(status__in=[Status.SUBMITTED, Status.RETURNED])
        .order_by("created_at")
    )


def reviews_pending(*, user: User) -> QuerySet[Case]:
    """Replies approved by their department, waiting for the platform's review."""
    return case_list(user=user).filter(status=Status.REPLY_APPROVED).order_by("updated_at")


def department_inbox(*, user: User) -> QuerySet[Case]:
    """The open cases of the liaison's departments, the most urgent first."""
    return (
        case_list(user=user)
        .filter(lead_department_id__in=department_ids(user), status__in=OPEN_STATUSES)
        .exclude(status=Status.RETURNED)
        .order_by("reply_deadline", "created_at")
    )


def assisting_cases(*, user: User) -> QuerySet[Case]:
    return (
        case_list(user=user)
        .filter(assisting_departments__id__in=department_ids(user), status__in=OPEN_STATUSES)
        .distinct()
    )


def approvals_pending(*, user: User) -> QuerySet[Case]:
    """Drafted replies waiting for this head's approval."""
    from backend.organisation.models import Membership

    heads_of = department_ids(user, position=Membership.Position.HEAD)
    return (
        case_list(user=user)
        .filter(lead_department_id__in=heads_of, status=Status.REPLY_DRAFTED)
        .order_by("updated_at")
    )


def citizen_cases(*, user: User) -> QuerySet[Case]:
    return case_list(user=user).filter(citizen=user).order_by("-created_at")


def overdue_cases(*, user: User, now: dt.datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    return (
        case_list(user=user)
        .filter(status__in=CLOCK_RUNNING_STATUSES, reply_deadline__lt=now)
        .order_by("reply_deadline")
    )


def at_risk_cases(*, user: User, now: dt.datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    return (
        case_list(user=user)
        .filter(status__in=CLOCK_RUNNING_STATUSES, warn_at__lte=now, reply_deadline__gte=now)
        .order_by("reply_deadline")
    )


def problem_cases(*, user: User) -> QuerySet[Case]:
    return case_list(user=user).filter(is_problem=True, status__in=OPEN_STATUSES)


def overdue_by_department(*, user: User, now: dt.datetime | None = None) -> list[dict[str, object]]:
    """Per department: open, overdue and at-risk counts (the supervisor's board)."""
    now = now or timezone.now()
    rows = (
        case_list(user=user)
        .filter(status__in=CLOCK_RUNNING_STATUSES, lead_department__isnull=False)
        .values("lead_department_id", "lead_department__name")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(reply_deadline__lt=now)),
            at_risk=Count("id", filter=Q(warn_at__lte=now, reply_deadline__gte=now)),
        )
        .order_by("-overdue", "-at_risk", "lead_department__name")
    )
    return [dict(row) for row in rows]


def pending_extensions() -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(decision=ExtensionRequest.Decision.PENDING)
        .select_related("case", "department", "requested_by")
        .order_by("created_at")
    )


def pending_return(case: Case) -> ReturnRequest | None:
    return case.return_requests.filter(decision=ReturnRequest.Decision.PENDING).last()


def timeline(case: Case, *, public_only: bool) -> QuerySet[CaseEvent]:
    """The case's audit trail; the public timeline hides internal steps and people."""
    events = case.events.select_related("actor", "department")
    if public_only:
        events = events.filter(is_public=True)
    return events.order_by("created_at", "id")


def published_reply(case: Case) -> Reply | None:
    return case.replies.filter(state=Reply.State.PUBLISHED).order_by("-published_at").first()


def with_current_replies(cases: QuerySet[Case]) -> list[tuple[Case, Reply | None]]:
    """Each case with its current reply (the one `current_reply` gives), in two queries."""
    rows = list(
        cases.prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.exclude(state=Reply.State.SENT_BACK).order_by("-pk"),
                to_attr="open_replies",
            )
        )
    )
    return [
        (case, next((r for r in case.open_replies if r.stage_no == case.stage_no), None))
        for case in rows
    ]


def current_reply(case: Case) -> Reply | None:
    return (
        case.replies.filter(stage_no=case.stage_no)
        .exclude(state=Reply.State.SENT_BACK)
        .order_by("-pk")
        .first()
    )


def case_detail(*, tracking_no: str) -> Case | None:
    return (
        Case.objects.select_related(
            "category",
            "category__parent",
            "lead_department",
            "district",
            "street",
            "citizen",
            "merged_into",
        )
        .prefetch_related(
            "attachments",
            "assisting_departments",
            Prefetch("replies", queryset=Reply.objects.order_by("created_at")),
        )
        .filter(tracking_no=tracking_no)
        .first()
    )


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return user.notifications.select_related("case").order_by("-created_at")


def home_for(user: User | None) -> str:
    """The page a user starts from, by role."""
    if user is None or not user.is_authenticated:
        return "frontend:home"
    pages: dict[str, str] = {
        Role.CITIZEN: "frontend:my-cases",
        Role.DISPATCHER: "frontend:dispatch-queue",
        Role.LIAISON: "frontend:inbox",
        Role.HEAD: "frontend:approvals",
        Role.SUPERVISOR: "frontend:board",
        Role.LEADER: "frontend:board",
        Role.ADMIN: "admin:index",
    }
    return pages.get(user.role, "frontend:home")


# --- Reads for the pages (frontend) ----------------------------------------------------------


def pending_extension(case: Case) -> ExtensionRequest | None:
    return case.extension_requests.filter(decision=ExtensionRequest.Decision.PENDING).first()


def open_info_request(case: Case) -> InfoRequest | None:
    """The department's unanswered question to the citizen, if any."""
    return case.info_requests.filter(answered_at__isnull=True).order_by("-asked_at").first()


def case_evaluations(case: Case) -> QuerySet[Evaluation]:
    return case.evaluations.order_by("stage_no")


def case_supervision_notices(case: Case) -> QuerySet[SupervisionNotice]:
    return case.supervision_notices.select_related("department").order_by("-created_at")


def recent_supervision_notices(*, limit: int = 50) -> QuerySet[SupervisionNotice]:
    return SupervisionNotice.objects.select_related("case", "department").order_by("-created_at")[
        :limit
    ]


def supervision_notice(*, notice_id: int) -> SupervisionNotice | None:
    return (
        SupervisionNotice.objects.select_related(
            "case", "case__category", "case__district", "department"
        )
        .filter(pk=notice_id)
        .first()
    )


def pending_returns_for(cases: list[Case]) -> dict[int, ReturnRequest]:
    """The pending return request of each case in `cases` (one query), by case id."""
    rows = (
        ReturnRequest.objects.filter(case__in=cases, decision=ReturnRequest.Decision.PENDING)
        .select_related("department")
        .order_by("created_at")
    )
    return {row.case_id: row for row in rows}


# --- Reads for the API -------------------------------------------------------------------------


def extension_requests(*, user: User, pending: bool | None = None) -> QuerySet[ExtensionRequest]:
    """Extension requests `user` may see: all for supervision and leaders, their departments'
    for liaisons and heads, none for anyone else. `pending` narrows to undecided (or decided)."""
    rows = ExtensionRequest.objects.select_related("case", "department", "requested_by")
    if user.is_superuser or user.role in (Role.SUPERVISOR, Role.LEADER, Role.ADMIN):
        pass
    elif user.role in (Role.LIAISON, Role.HEAD):
        rows = rows.filter(department_id__in=department_ids(user))
    else:
        rows = rows.none()
    if pending is not None:
        pending_q = Q(decision=ExtensionRequest.Decision.PENDING)
        rows = rows.filter(pending_q) if pending else rows.exclude(pending_q)
    return rows.order_by("created_at", "id")
