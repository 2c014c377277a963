"""What people do with hot issues (services): confirm, assign, support a case.

The coordinated answer is in `answers.py`. Every function is keyword-only, runs in one
transaction, checks who acts, writes its audit rows and notifies after the change.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User
from backend.organisation.models import Department
from interaction.errors import Conflict, NotAllowed, ValidationFailed
from interaction.models import Case
from interaction.services.common import lock_case
from interaction.services.dispatch import dispatch_locked
from interaction.services.notifications import (
    department_user_ids,
    notify,
    notify_department,
    render,
)
from interaction.states import DEPARTMENT_STATUSES, TERMINAL_STATUSES, Status
from interaction.workflow import record_event

from . import persist
from .models import CaseSupport, HotIssue, HotIssueCase, HotIssueEvent
from .permissions import ensure_decider

NOTE_CHARS = 300


def _lock(hot_issue_id: int) -> HotIssue:
    return HotIssue.objects.select_for_update().get(pk=hot_issue_id)


def log(hot_issue: HotIssue, action: str, actor: User | None, **data: object) -> HotIssueEvent:
    return HotIssueEvent.objects.create(hot_issue=hot_issue, action=action, actor=actor, data=data)


@transaction.atomic
def hot_issue_confirm(*, hot_issue_id: int, actor: User, note: str = "") -> HotIssue:
    """A leader confirms a group as a hot issue (热点问题). From then on the grouping keeps its
    cases (it is never merged away nor dissolved by a recomputation). Idempotent."""
    ensure_decider(actor)
    hot_issue = _lock(hot_issue_id)
    if hot_issue.status == HotIssue.Status.CONFIRMED:
        return hot_issue
    hot_issue.status = HotIssue.Status.CONFIRMED
    hot_issue.confirmed_by = actor
    hot_issue.confirmed_at = timezone.now()
    hot_issue.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    log(hot_issue, "confirmed", actor, note=note.strip()[:NOTE_CHARS])
    return hot_issue


@transaction.atomic
def hot_issue_assign(
    *, hot_issue_id: int, actor: User, department_id: int, note: str = ""
) -> HotIssue:
    """A leader assigns a hot issue to a department for one coordinated answer (confirming it
    if it was not yet).

    What happens to the group's cases (each gets a `hot_issue_assigned` audit row):
    - waiting for dispatch (`submitted`) with a category (chosen or predicted): dispatched to
      the department by the dispatch service, as the platform (the transition table lets only
      dispatchers and the system dispatch); without a category they stay for the dispatcher;
    - held by another department: they stay with it (its deadline runs on; the transition
      table has no way to take a case from a department that holds it), and the assigned
      department becomes an assisting department, so it sees them; the holding department is
      told who coordinates the answer;
    - returned cases stay with the dispatcher, who decides where they go;
    - replied, closed or merged cases are left alone.
    Notifies the department's liaisons and heads.
    """
    ensure_decider(actor)
    department = Department.objects.filter(pk=department_id, is_active=True).first()
    if department is None:
        raise ValidationFailed({"department": [_("Choose an active department.")]})
    hot_issue = _lock(hot_issue_id)
    now = timezone.now()
    if hot_issue.status != HotIssue.Status.CONFIRMED:
        hot_issue.status = HotIssue.Status.CONFIRMED
        hot_issue.confirmed_by = actor
        hot_issue.confirmed_at = now
        log(hot_issue, "confirmed", actor)
    hot_issue.department = department
    hot_issue.assigned_by = actor
    hot_issue.assigned_at = now
    hot_issue.assignment_note = note.strip()[:NOTE_CHARS]
    hot_issue.save()
    outcome: dict[str, list[str]] = {"dispatched": [], "assisting": [], "left": []}
    holders: dict[int, list[Case]] = {}
    case_ids = list(hot_issue.memberships.order_by("case_id").values_list("case_id", flat=True))
    for case_id in case_ids:
        case = lock_case(case_id)
        if case.status in TERMINAL_STATUSES or case.status == Status.REPLIED:
            continue
        record_event(
            case,
            action="hot_issue_assigned",
            actor=actor,
            is_public=False,
            data={"hot_issue": hot_issue.pk, "department": department.name},
        )
        category = case.category or case.predicted_category
        if case.status == Status.SUBMITTED and category is not None:
            dispatch_locked(
                case,
                actor=None,
                department=department,
                category=category,
                reason=render(
                    _("Hot issue %(title)s, assigned by %(leader)s."),
                    title=hot_issue.title,
                    leader=actor,
                ),
            )
            outcome["dispatched"].append(case.tracking_no)
        elif (
            case.lead_department_id
            and case.lead_department_id != department.pk
            and (case.status in DEPARTMENT_STATUSES or case.status == Status.REPLY_APPROVED)
        ):
            case.assisting_departments.add(department)
            holders.setdefault(case.lead_department_id, []).append(case)
            outcome["assisting"].append(case.tracking_no)
        elif case.lead_department_id != department.pk:
            outcome["left"].append(case.tracking_no)
    log(
        hot_issue,
        "assigned",
        actor,
        department=department.name,
        note=hot_issue.assignment_note,
        **outcome,
    )
    text = render(
        _("Hot issue assigned to your department for one coordinated answer: %(title)s"),
        title=hot_issue.title,
    )
    notify(user_ids=department_user_ids(department.pk), case=None, verb="hot_issue", text=text)
    for holder_id, cases in holders.items():
        notify_department(
            cases[0],
            verb="hot_issue",
            department=Department.objects.get(pk=holder_id),
            text=render(
                _("Your case %(no)s belongs to the hot issue %(title)s, coordinated by %(dept)s."),
                no=", ".join(c.tracking_no for c in cases[:10]),
                title=hot_issue.title,
                dept=department.name,
            ),
        )
    return hot_issue


@transaction.atomic
def case_support(*, case_id: int, actor: User) -> int:
    """附议: a signed-in citizen supports a published case, once. Returns the case's support
    count. The support counts in the hotness of the case's group."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotAllowed(_("Sign in to support a message."))
    if actor.role != Role.CITIZEN:
        raise NotAllowed(_("Only citizens can support a message."))
    case = lock_case(case_id)
    if not case.is_published:
        raise NotAllowed(_("Only published messages can be supported."))
    if case.citizen_id == actor.pk:
        raise NotAllowed(_("You cannot support your own message."))
    try:
        with transaction.atomic():
            CaseSupport.objects.create(case=case, user=actor)
    except IntegrityError:
        raise Conflict(_("You have already supported this message.")) from None
    group = HotIssueCase.objects.filter(case=case).values_list("hot_issue_id", flat=True).first()
    if group is not None:
        persist.refresh_figures([group])
    return CaseSupport.objects.filter(case=case).count()
