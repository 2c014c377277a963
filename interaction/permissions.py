"""Who may see and do what, object by object.

The transition table (`states.TRANSITIONS`) says which roles may ever take an action; this module
adds the object rules: a liaison acts only on cases of a department they belong to, a head approves
only for their own department, a citizen acts only on their own case (or holds its private link).
"""

from __future__ import annotations

import secrets

from django.db.models import Q, QuerySet

from backend.accounts.models import Role, User
from backend.organisation.models import Department, Membership

from .errors import NotAllowed
from .models import Case
from .states import TRANSITIONS, Action

STAFF_SEE_ALL = {Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN}


def department_ids(user: User, *, position: str | None = None) -> set[int]:
    rows = Membership.objects.filter(user=user)
    if position:
        rows = rows.filter(position=position)
    return set(rows.values_list("department_id", flat=True))


def visible_cases(user: User | None, qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases `user` may open (the public sees only published ones)."""
    qs = qs if qs is not None else Case.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.filter(is_published=True)
    if user.is_superuser or user.role in STAFF_SEE_ALL:
        return qs
    if user.role in (Role.LIAISON, Role.HEAD):
        depts = department_ids(user)
        return qs.filter(
            Q(lead_department_id__in=depts)
            | Q(assisting_departments__id__in=depts)
            | Q(is_published=True)
        ).distinct()
    return qs.filter(Q(citizen=user) | Q(is_published=True))


def holds_token(case: Case, token: str | None) -> bool:
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a
    # 500, for any visitor who sends such a token).
    return bool(token) and secrets.compare_digest(
        case.access_token.encode(), (token or "").encode("utf-8", "surrogatepass")
    )


def can_view(user: User | None, case: Case, *, token: str | None = None) -> bool:
    if holds_token(case, token):
        return True
    return visible_cases(user, Case.objects.filter(pk=case.pk)).exists()


def is_owner(user: User | None, case: Case, token: str | None = None) -> bool:
    if holds_token(case, token):
        return True
    return user is not None and user.is_authenticated and case.citizen_id == user.pk


def sees_private_details(user: User | None, case: Case, *, token: str | None = None) -> bool:
    """Whether `user` may see the citizen's identity and the unpublished parts of the case."""
    if is_owner(user, case, token):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role in STAFF_SEE_ALL:
        return True
    if user.role in (Role.LIAISON, Role.HEAD):
        return (
            case.lead_department_id in department_ids(user)
            or case.assisting_departments.filter(id__in=department_ids(user)).exists()
        )
    return False


def sees_identity(user: User | None, case: Case, *, token: str | None = None) -> bool:
    """Departments do not see who wrote when the citizen asked for confidentiality (保密)."""
    if not sees_private_details(user, case, token=token):
        return False
    return not (
        case.keep_identity_secret
        and user is not None
        and user.is_authenticated
        and user.role in (Role.LIAISON, Role.HEAD)
    )


def ensure_can(actor: User | None, action: Action, case: Case, *, token: str | None = None) -> None:
    """Raise NotAllowed unless `actor` may take `action` on this particular case."""
    if not can_take(actor, action, case, token=token):
        raise NotAllowed()


def can_take(actor: User | None, action: Action, case: Case, *, token: str | None = None) -> bool:
    transition = TRANSITIONS[action]
    if actor is None or not actor.is_authenticated:
        # Anonymous writers act through the private link, only as the citizen of their case.
        return Role.CITIZEN in transition.roles and holds_token(case, token)
    if not actor.is_active or actor.role not in transition.roles:
        return False
    if actor.role == Role.CITIZEN:
        return is_owner(actor, case, token)
    if actor.role in (Role.LIAISON, Role.HEAD):
        position = Membership.Position.HEAD if actor.role == Role.HEAD else None
        return case.lead_department_id in department_ids(actor, position=position)
    return True


def member_of(user: User, department: Department) -> bool:
    return Membership.objects.filter(user=user, department=department).exists()
