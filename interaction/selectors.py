"""Reads of the mailbox: the lists each role works from, a case's timeline, its detail.

Every list starts from `permissions.visible_cases`, so nobody lists what they may not open.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from backend.accounts.models import Role, User

from .models import Case, CaseEvent, ExtensionRequest, Notification, Reply, ReturnRequest
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
    return list(rows)


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


def published_cases() -> QuerySet[Case]:
    return (
        visible_cases(None)
        .select_related("category", "lead_department", "district")
        .order_by("-replied_at")
    )


def home_for(user: User | None) -> str:
    """The page a user starts from, by role."""
    if user is None or not user.is_authenticated:
        return "frontend:home"
    return {
        Role.CITIZEN: "frontend:my-cases",
        Role.DISPATCHER: "frontend:dispatch-queue",
        Role.LIAISON: "frontend:inbox",
        Role.HEAD: "frontend:approvals",
        Role.SUPERVISOR: "frontend:board",
        Role.LEADER: "frontend:board",
        Role.ADMIN: "admin:index",
    }.get(user.role, "frontend:home")
