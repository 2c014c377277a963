"""Who may see and do what with hot issues.

- see every group: leaders, supervisors, dispatchers and administrators;
- see a group assigned to their department: its liaisons and heads (to answer it);
- confirm a group and assign it to a department: leaders and administrators;
- write the coordinated answer: a liaison or head of the assigned department; approve it: a head
  of that department; pass it (platform review): a dispatcher — as for the reply of one case;
- nobody else, citizens included (the groups hold every case's subject).
"""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.models import Role, User
from backend.organisation.models import Membership
from interaction.errors import NotAllowed
from interaction.permissions import department_ids

from .models import HotIssue

SEE_ALL = (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)
DECIDERS = (Role.LEADER, Role.ADMIN)
DEPARTMENT = (Role.LIAISON, Role.HEAD)


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def visible_hot_issues(
    user: User | None, qs: QuerySet[HotIssue] | None = None
) -> QuerySet[HotIssue]:
    qs = qs if qs is not None else HotIssue.objects.all()
    if not _active(user):
        return qs.none()
    assert user is not None
    if user.has_role(*SEE_ALL):
        return qs
    if user.role in DEPARTMENT:
        return qs.filter(department_id__in=department_ids(user))
    return qs.none()


def may_see_lists(user: User | None) -> bool:
    """Whether the person works with hot issues at all (lists, pages)."""
    return (
        _active(user) and user is not None and (user.has_role(*SEE_ALL) or user.role in DEPARTMENT)
    )


def can_decide(user: User | None) -> bool:
    return _active(user) and user is not None and user.has_role(*DECIDERS)


def ensure_decider(user: User | None) -> None:
    if not can_decide(user):
        raise NotAllowed()


def can_answer(user: User | None, hot_issue: HotIssue) -> bool:
    if not _active(user) or user is None or user.role not in DEPARTMENT:
        return False
    return hot_issue.department_id is not None and hot_issue.department_id in department_ids(user)


def can_approve(user: User | None, hot_issue: HotIssue) -> bool:
    if not _active(user) or user is None or user.role != Role.HEAD:
        return False
    heads = department_ids(user, position=Membership.Position.HEAD)
    return hot_issue.department_id is not None and hot_issue.department_id in heads


def can_review(user: User | None) -> bool:
    return _active(user) and user is not None and user.role == Role.DISPATCHER
