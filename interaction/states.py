"""The case lifecycle: every status, every action, and the one table of allowed transitions.

`interaction.workflow.apply_transition` is the only code that changes `Case.status`; it consults
`TRANSITIONS` below. Who may act on a particular case (department membership, ownership) is decided
by `interaction.permissions`; this table says which roles may ever take an action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched, awaiting signature")
    SIGNED = "signed", _("Signed for")
    HANDLING = "handling", _("Being handled")
    AWAITING_CITIZEN = "awaiting_citizen", _("Waiting for more information")
    RETURNED = "returned", _("Returned by the department")
    REPLY_DRAFTED = "reply_drafted", _("Reply awaiting department approval")
    REPLY_APPROVED = "reply_approved", _("Reply awaiting platform review")
    REPLIED = "replied", _("Replied, awaiting evaluation")
    CLOSED = "closed", _("Closed")
    INVALID = "invalid", _("Not accepted")
    MERGED = "merged", _("Merged into another case")


class Action(models.TextChoices):
    DISPATCH = "dispatch", _("Dispatch")
    SIGN = "sign", _("Sign for")
    START = "start", _("Start handling")
    RETURN = "return", _("Return to dispatcher")
    ACCEPT_RETURN = "accept_return", _("Accept return and re-dispatch")
    REJECT_RETURN = "reject_return", _("Reject return")
    REQUEST_INFO = "request_info", _("Ask the citizen for more information")
    PROVIDE_INFO = "provide_info", _("Provide more information")
    DRAFT_REPLY = "draft_reply", _("Draft reply")
    APPROVE_REPLY = "approve_reply", _("Approve reply")
    REJECT_REPLY = "reject_reply", _("Send reply back to the handler")
    PUBLISH_REPLY = "publish_reply", _("Pass review and send reply")
    REWORK_REPLY = "rework_reply", _("Send reply back for rework")
    EVALUATE = "evaluate", _("Evaluate")
    REDO = "redo", _("Redo after an unsatisfied evaluation")
    CLOSE_UNRATED = "close_unrated", _("Close without evaluation")
    CLOSE_INVALID = "close_invalid", _("Close as spam or out of scope")
    MERGE = "merge", _("Merge into an earlier case")


# Pseudo-role for the platform's own scheduled actions (actor is None).
SYSTEM = "system"

OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.DISPATCHED,
        Status.SIGNED,
        Status.HANDLING,
        Status.AWAITING_CITIZEN,
        Status.RETURNED,
        Status.REPLY_DRAFTED,
        Status.REPLY_APPROVED,
    }
)
# The department's clock runs in these states (it stops while waiting for the citizen).
CLOCK_RUNNING_STATUSES = frozenset(
    {
        Status.DISPATCHED,
        Status.SIGNED,
        Status.HANDLING,
        Status.RETURNED,
        Status.REPLY_DRAFTED,
        Status.REPLY_APPROVED,
    }
)
TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.INVALID, Status.MERGED})
# States in which the lead department holds the case.
DEPARTMENT_STATUSES = frozenset(
    {
        Status.DISPATCHED,
        Status.SIGNED,
        Status.HANDLING,
        Status.AWAITING_CITIZEN,
        Status.REPLY_DRAFTED,
    }
)


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    roles: frozenset[str]


def _t(action: Action, sources: set[Status], target: Status, roles: set[Any]) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles))


_DEPT = {Role.LIAISON, Role.HEAD}

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        _t(Action.DISPATCH, {Status.SUBMITTED}, Status.DISPATCHED, {Role.DISPATCHER, SYSTEM}),
        _t(Action.SIGN, {Status.DISPATCHED}, Status.SIGNED, _DEPT),
        _t(Action.START, {Status.SIGNED}, Status.HANDLING, _DEPT),
        _t(
            Action.RETURN,
            {Status.DISPATCHED, Status.SIGNED, Status.HANDLING},
            Status.RETURNED,
            _DEPT,
        ),
        _t(Action.ACCEPT_RETURN, {Status.RETURNED}, Status.DISPATCHED, {Role.DISPATCHER}),
        _t(Action.REJECT_RETURN, {Status.RETURNED}, Status.DISPATCHED, {Role.DISPATCHER}),
        _t(Action.REQUEST_INFO, {Status.SIGNED, Status.HANDLING}, Status.AWAITING_CITIZEN, _DEPT),
        _t(Action.PROVIDE_INFO, {Status.AWAITING_CITIZEN}, Status.HANDLING, {Role.CITIZEN}),
        _t(Action.DRAFT_REPLY, {Status.SIGNED, Status.HANDLING}, Status.REPLY_DRAFTED, _DEPT),
        _t(Action.APPROVE_REPLY, {Status.REPLY_DRAFTED}, Status.REPLY_APPROVED, {Role.HEAD}),
        _t(Action.REJECT_REPLY, {Status.REPLY_DRAFTED}, Status.HANDLING, {Role.HEAD}),
        _t(Action.PUBLISH_REPLY, {Status.REPLY_APPROVED}, Status.REPLIED, {Role.DISPATCHER}),
        _t(Action.REWORK_REPLY, {Status.REPLY_APPROVED}, Status.HANDLING, {Role.DISPATCHER}),
        _t(Action.EVALUATE, {Status.REPLIED}, Status.CLOSED, {Role.CITIZEN}),
        _t(Action.REDO, {Status.REPLIED}, Status.HANDLING, {Role.CITIZEN}),
        _t(Action.CLOSE_UNRATED, {Status.REPLIED}, Status.CLOSED, {SYSTEM}),
        _t(
            Action.CLOSE_INVALID,
            {Status.SUBMITTED, Status.RETURNED},
            Status.INVALID,
            {Role.DISPATCHER},
        ),
        _t(Action.MERGE, {Status.SUBMITTED}, Status.MERGED, {Role.DISPATCHER}),
    ]
}


def allowed_actions(status: str, role: str) -> list[Action]:
    """Actions the table allows from `status` to someone of `role` (before object checks)."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources and role in t.roles]
