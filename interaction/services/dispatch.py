"""The dispatcher's work: dispatch, decide on returns, close spam, merge duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.organisation.models import Category, Department

from ..errors import InvalidTransition, ValidationFailed
from ..events import case_event, publish_on_commit
from ..models import Case, Notification, ReturnRequest
from ..permissions import ensure_can
from ..privacy.services import published_text_refresh
from ..states import TERMINAL_STATUSES, Action
from ..workflow import apply_transition, record_event, transition
from .common import lock_case, publish, start_clock
from .notifications import (
    department_user_ids,
    notifications_new,
    notifications_publish,
    notify_citizen,
    notify_department,
    render,
)


def _assign(
    case: Case,
    *,
    actor: User | None,
    department: Department,
    category: Category,
    restart_clock: bool,
) -> list[str]:
    """Set the lead department, the category and (usually) a fresh clock. Returns the fields."""
    case.category = category
    case.lead_department = department
    case.category_confirmed = case.category_confirmed or actor is not None
    fields = ["category", "lead_department", "category_confirmed"]
    if restart_clock:
        fields += start_clock(case)
    return fields


def announce_dispatch(
    case: Case,
    *,
    groups: Sequence[str] | None = None,
    saved_notifications: Sequence[Notification] | None = None,
) -> None:
    """Notify the lead department of a dispatched (saved) case; the event goes after commit to
    `groups` (default: everyone who follows the case). Intake writes the notifications of
    `dispatch_notifications` with the new case and passes them saved."""
    if saved_notifications is None:
        saved_notifications = dispatch_notifications(case)
        Notification.objects.bulk_create(saved_notifications)
    notifications_publish(saved_notifications)
    if groups is None:
        publish(case, "dispatched")
    else:
        publish_on_commit(groups, case_event(case, "dispatched"))


def dispatch_notifications(case: Case) -> list[Notification]:
    """The lead department's unsaved "new case" notifications."""
    return notifications_new(
        user_ids=department_user_ids(case.lead_department_id),
        case=case,
        verb="dispatched",
        text=render(_("New case %(no)s: %(subject)s"), no=case.tracking_no, subject=case.subject),
    )


def dispatch_locked(
    case: Case,
    *,
    actor: User | None,
    department: Department,
    category: Category,
    assisting: Sequence[Department] = (),
    reason: str = "",
    action: Action = Action.DISPATCH,
    restart_clock: bool = True,
    extra_fields: Sequence[str] = (),
) -> None:
    """Dispatch a locked case to `department` and start its clock (shared by intake routing)."""
    # A person correcting the category (the classifier's, or an earlier dispatcher's) is a label
    # worth knowing; confirming the suggestion is not a correction.
    previous = case.category or case.predicted_category
    if actor is not None and previous is not None and category != previous:
        record_event(
            case,
            action="recategorised",
            actor=actor,
            is_public=False,
            data={"from": previous.code, "to": category.code},
        )
    fields = _assign(
        case, actor=actor, department=department, category=category, restart_clock=restart_clock
    )
    apply_transition(
        case,
        action=action,
        actor=actor,
        reason=reason,
        update_fields=[*fields, *extra_fields],
        data={"department": department.name, "category": category.code},
    )
    if assisting:
        case.assisting_departments.set([d for d in assisting if d.pk != department.pk])
    if case.is_published:
        # A published case redone and sent to another department: the public list follows.
        published_text_refresh(case=case)
    announce_dispatch(case)


def dispatch_new(
    case: Case, *, department: Department, category: Category, reason: str
) -> dict[str, Any]:
    """Dispatch a case that is not saved yet, as the platform (intake's automatic routing).

    Sets the department, category, clock and status on `case` and returns the audit row; the
    caller inserts the case, writes the row with `record_events` and then calls
    `announce_dispatch` in the same transaction.
    """
    _assign(case, actor=None, department=department, category=category, restart_clock=True)
    return transition(
        case,
        action=Action.DISPATCH,
        actor=None,
        reason=reason,
        data={"department": department.name, "category": category.code},
    )


def _department(department_id: int) -> Department:
    department = Department.objects.filter(pk=department_id, is_active=True).first()
    if department is None:
        raise ValidationFailed({"department": [_("Choose an active department.")]})
    return department


def _category(category_id: int | None, case: Case) -> Category:
    if category_id is None:
        category = case.category or case.predicted_category
    else:
        category = Category.objects.filter(pk=category_id, is_active=True).first()
    if category is None:
        raise ValidationFailed({"category": [_("Choose a category.")]})
    return category


@transaction.atomic
def case_dispatch(
    *,
    case_id: int,
    actor: User,
    department_id: int,
    category_id: int | None = None,
    assisting_ids: Sequence[int] = (),
    note: str = "",
) -> Case:
    """Dispatcher sends a queued case to its lead department (and assisting departments).

    The category chosen (or confirmed) becomes a training label. Starts the reply clock.
    Emits case.dispatched; notifies the department.
    """
    case = lock_case(case_id)
    ensure_can(actor, Action.DISPATCH, case)
    department = _department(department_id)
    category = _category(category_id, case)
    assisting = list(Department.objects.filter(pk__in=assisting_ids, is_active=True))
    dispatch_locked(
        case,
        actor=actor,
        department=department,
        category=category,
        assisting=assisting,
        reason=note,
    )
    return case


def _pending_return(case: Case) -> ReturnRequest:
    request = case.return_requests.filter(decision=ReturnRequest.Decision.PENDING).last()
    if request is None:
        raise InvalidTransition()
    return request


@transaction.atomic
def case_accept_return(
    *,
    case_id: int,
    actor: User,
    department_id: int,
    category_id: int | None = None,
    note: str = "",
) -> Case:
    """Dispatcher agrees the case was not the department's and re-dispatches it elsewhere.

    The new department gets a fresh clock.
    """
    case = lock_case(case_id)
    ensure_can(actor, Action.ACCEPT_RETURN, case)
    request = _pending_return(case)
    department = _department(department_id)
    if department.pk == request.department_id:
        raise ValidationFailed(
            {"department": [_("Choose another department than the one that returned it.")]}
        )
    category = _category(category_id, case)
    request.decision = ReturnRequest.Decision.ACCEPTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    dispatch_locked(
        case,
        actor=actor,
        department=department,
        category=category,
        reason=note,
        action=Action.ACCEPT_RETURN,
    )
    return case


@transaction.atomic
def case_reject_return(*, case_id: int, actor: User, note: str) -> Case:
    """Dispatcher refuses the return: the case goes back to the same department, clock running."""
    if not note.strip():
        raise ValidationFailed({"note": [_("Say why the return is rejected.")]})
    case = lock_case(case_id)
    ensure_can(actor, Action.REJECT_RETURN, case)
    request = _pending_return(case)
    request.decision = ReturnRequest.Decision.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    apply_transition(case, action=Action.REJECT_RETURN, actor=actor, reason=note)
    notify_department(
        case,
        verb="return_rejected",
        text=render(
            _("Your return of case %(no)s was rejected: %(note)s"), no=case.tracking_no, note=note
        ),
    )
    publish(case, "return_rejected")
    return case


@transaction.atomic
def case_close_invalid(*, case_id: int, actor: User, reason: str) -> Case:
    """Dispatcher closes spam or an out-of-scope message; the reason is shown to the citizen."""
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason shown to the citizen.")]})
    case = lock_case(case_id)
    ensure_can(actor, Action.CLOSE_INVALID, case)
    pending = case.return_requests.filter(decision=ReturnRequest.Decision.PENDING)
    # A returned case closed as spam: the department was right that it is not theirs.
    pending.update(
        decision=ReturnRequest.Decision.ACCEPTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=reason.strip(),
    )
    case.closure_reason = reason.strip()[:200]
    case.closed_at = timezone.now()
    apply_transition(
        case,
        action=Action.CLOSE_INVALID,
        actor=actor,
        reason=case.closure_reason,
        update_fields=["closure_reason", "closed_at"],
    )
    notify_citizen(
        case,
        verb="closed_invalid",
        text=render(
            _("Your message %(no)s was not accepted: %(reason)s"),
            no=case.tracking_no,
            reason=case.closure_reason,
        ),
    )
    publish(case, "closed_invalid")
    return case


@transaction.atomic
def case_merge(*, case_id: int, actor: User, into_id: int) -> Case:
    """Dispatcher merges a duplicate into an earlier case; the citizen can follow that one."""
    case = lock_case(case_id)
    ensure_can(actor, Action.MERGE, case)
    target = Case.objects.filter(pk=into_id).first()
    if target is None or target.pk == case.pk or target.created_at >= case.created_at:
        raise ValidationFailed({"into": [_("Choose an earlier case to merge into.")]})
    if target.status in TERMINAL_STATUSES and target.merged_into_id:
        raise ValidationFailed({"into": [_("That case was itself merged; choose the original.")]})
    case.merged_into = target
    case.closed_at = timezone.now()
    case.closure_reason = render(_("Merged into case %(no)s."), no=target.tracking_no)
    apply_transition(
        case,
        action=Action.MERGE,
        actor=actor,
        reason=case.closure_reason,
        update_fields=["merged_into", "closed_at", "closure_reason"],
        data={"into": target.tracking_no},
    )
    notify_citizen(
        case,
        verb="merged",
        text=render(
            _("Your message %(no)s was merged into case %(into)s, which you can follow instead."),
            no=case.tracking_no,
            into=target.tracking_no,
        ),
    )
    publish(case, "merged")
    return case
