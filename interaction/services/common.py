"""Pieces shared by the workflow services: locking, the clock, problem cases, publishing."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User

from ..deadlines import DEADLINE_FIELDS, compute_deadlines, limits_for
from ..events import case_event, case_groups, publish_on_commit
from ..models import Case, PlatformSettings
from ..workflow import record_event
from .notifications import notify_role, render


def lock_case(case_id: int) -> Case:
    """The case row, locked until the transaction ends (the second of two actors waits)."""
    return Case.objects.select_for_update().get(pk=case_id)


CLOCK_FIELDS = [
    "dispatched_at",
    "clock_started_at",
    "limit_days",
    "extension_days",
    "paused_days",
    "supervision_level",
    *DEADLINE_FIELDS,
]


def start_clock(case: Case, *, restart_dispatch: bool = True) -> list[str]:
    """Start a fresh reply clock now (dispatch, re-dispatch, redo). Returns the fields set."""
    now = timezone.now()
    if restart_dispatch or case.dispatched_at is None:
        case.dispatched_at = now
    case.clock_started_at = now
    case.limit_days = limits_for(case.kind, case.urgency).reply_days
    case.extension_days = 0
    case.paused_days = 0
    case.supervision_level = 0
    compute_deadlines(case)
    return CLOCK_FIELDS


def escalate_if_problem(case: Case, *, actor: User | None) -> list[str]:
    """A case returned or redone too often becomes a problem case for the supervisor."""
    threshold = PlatformSettings.load().problem_case_threshold
    if case.is_problem or case.return_count + case.redo_count < threshold:
        return []
    case.is_problem = True
    record_event(
        case,
        action="problem_case",
        actor=actor,
        is_public=False,
        data={"returns": case.return_count, "redos": case.redo_count},
    )
    notify_role(
        case,
        role=Role.SUPERVISOR,
        verb="problem_case",
        text=render(
            _("Case %(no)s has become a problem case (returned or redone %(n)d times)."),
            no=case.tracking_no,
            n=case.return_count + case.redo_count,
        ),
    )
    return ["is_problem"]


def publish(case: Case, name: str) -> None:
    publish_on_commit(case_groups(case), case_event(case, name))
