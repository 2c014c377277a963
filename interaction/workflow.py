"""The one function that changes a case's status, and the audit helper it shares."""

from __future__ import annotations

from typing import Any

from backend.accounts.models import User

from .errors import InvalidTransition, NotAllowed
from .models import Case, CaseEvent
from .states import SYSTEM, TRANSITIONS, Action


def actor_role(actor: User | None, as_role: str | None = None) -> str:
    if actor is None:
        return as_role or SYSTEM
    return str(actor.role)


def record_event(
    case: Case,
    *,
    action: str,
    actor: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    from_status: str = "",
    to_status: str = "",
    as_role: str | None = None,
) -> CaseEvent:
    """Write one audit row for something that happened to `case` (status change or not)."""
    row = {
        "action": action,
        "actor": actor,
        "reason": reason,
        "data": data,
        "is_public": is_public,
        "from_status": from_status,
        "to_status": to_status,
        "as_role": as_role,
    }
    return record_events(case, [row])[0]


def record_events(case: Case, rows: list[dict[str, Any]]) -> list[CaseEvent]:
    """Several audit rows for `case` in one INSERT (keys as the arguments of record_event; a
    row's `department` defaults to the case's lead department)."""
    return CaseEvent.objects.bulk_create(audit_rows(case, rows))


def audit_rows(case: Case, rows: list[dict[str, Any]]) -> list[CaseEvent]:
    """The unsaved audit rows of `record_events` (intake writes them with the new case)."""
    return [
        CaseEvent(
            case=case,
            action=row["action"],
            from_status=row.get("from_status", ""),
            to_status=row.get("to_status", ""),
            actor=row.get("actor"),
            actor_role=actor_role(row.get("actor"), row.get("as_role")),
            department=row.get("department", case.lead_department),
            reason=row.get("reason", ""),
            data=row.get("data") or {},
            is_public=row.get("is_public", True),
        )
        for row in rows
    ]


def transition(
    case: Case,
    *,
    action: Action,
    actor: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    as_role: str | None = None,
) -> dict[str, Any]:
    """Check the transition table and set the new status on `case`, without saving it.

    Returns the audit row (for `record_events`), which the caller writes in the same transaction
    as the case. `apply_transition` is this plus the save; intake uses it alone for a new case
    that is dispatched automatically, so the case is written in one INSERT.
    `as_role` names the role of an actor without an account: a citizen acting through the
    private link of their case (checked by `permissions.ensure_can` before).
    Raises InvalidTransition if the case is not in a source state, NotAllowed if the actor's
    role may never take this action.
    """
    rule = TRANSITIONS[action]
    role = actor_role(actor, as_role)
    if role not in rule.roles:
        raise NotAllowed()
    if case.status not in rule.sources:
        raise InvalidTransition()
    from_status = case.status
    case.status = rule.target
    return {
        "action": action.value,
        "actor": actor,
        "reason": reason,
        "data": data,
        "is_public": is_public,
        "from_status": from_status,
        "to_status": rule.target,
        "as_role": as_role,
    }


def apply_transition(
    case: Case,
    *,
    action: Action,
    actor: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    update_fields: list[str] | None = None,
    as_role: str | None = None,
) -> CaseEvent:
    """Check the transition table, set the new status, save and write the audit row.

    The caller holds the case row locked (`select_for_update`) inside a transaction and has
    already set any other fields it changes; they are listed in `update_fields`.
    Raises as `transition` does (nothing is saved then).
    """
    row = transition(
        case,
        action=action,
        actor=actor,
        reason=reason,
        data=data,
        is_public=is_public,
        as_role=as_role,
    )
    fields = {"status", "updated_at", *(update_fields or [])}
    case.save(update_fields=sorted(fields))
    return record_events(case, [row])[0]
