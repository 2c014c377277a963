"""The citizen's evaluation, the redo it may cause, and closing unrated cases."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User

from ..errors import InvalidTransition, ValidationFailed
from ..models import Case, Evaluation, PlatformSettings, Satisfaction
from ..permissions import ensure_can
from ..states import TRANSITIONS, Action, Status
from ..workflow import apply_transition
from .common import escalate_if_problem, lock_case, publish, start_clock
from .notifications import notify_department, render


@transaction.atomic
def case_evaluate(
    *,
    case_id: int,
    actor: User | None,
    token: str | None = None,
    attitude: str,
    result: str,
    solved: bool,
    comment: str = "",
) -> Case:
    """The citizen rates the reply (attitude and result) and says whether it was solved.

    满意/基本满意 on the result closes the case. 不满意 on the result sends it back to the
    department with a new deadline (重办), counted as a redo; too many redos make it a problem case.
    """
    errors: dict[str, list[object]] = {}
    if attitude not in Satisfaction.values:
        errors["attitude"] = [_("Rate the department's attitude.")]
    if result not in Satisfaction.values:
        errors["result"] = [_("Rate the result.")]
    if len(comment) > 1000:
        errors["comment"] = [_("The comment is too long: at most 1,000 characters.")]
    if errors:
        raise ValidationFailed(errors)
    case = lock_case(case_id)
    redo = result == Satisfaction.UNSATISFIED
    action = Action.REDO if redo else Action.EVALUATE
    ensure_can(actor, action, case, token=token)
    if case.status not in TRANSITIONS[action].sources:
        # Checked before the evaluation row: a second rating must not hit its unique constraint.
        raise InvalidTransition()
    Evaluation.objects.create(
        case=case,
        stage_no=case.stage_no,
        attitude=attitude,
        result=result,
        solved=solved,
        comment=comment.strip(),
    )
    citizen = actor if actor is not None and actor.is_authenticated else None
    data = {"attitude": attitude, "result": result, "solved": solved}
    if redo:
        case.redo_count += 1
        case.stage_no += 1
        fields = [
            "redo_count",
            "stage_no",
            *start_clock(case, restart_dispatch=False),
            *escalate_if_problem(case, actor=citizen),
        ]
        apply_transition(
            case,
            action=Action.REDO,
            actor=citizen,
            as_role=Role.CITIZEN,
            reason=comment.strip(),
            update_fields=fields,
            data=data,
        )
        notify_department(
            case,
            verb="redo",
            text=render(
                _("Case %(no)s must be redone: the citizen is not satisfied with the result."),
                no=case.tracking_no,
            ),
        )
        publish(case, "redo")
    else:
        case.closed_at = timezone.now()
        apply_transition(
            case,
            action=Action.EVALUATE,
            actor=citizen,
            as_role=Role.CITIZEN,
            reason=comment.strip(),
            update_fields=["closed_at"],
            data=data,
        )
        notify_department(
            case,
            verb="evaluated",
            text=render(_("Case %(no)s was rated by the citizen."), no=case.tracking_no),
        )
        publish(case, "closed")
    return case


def close_unrated(*, now: dt.datetime | None = None) -> int:
    """Close (未评价) every replied case the citizen has not rated in time. Returns how many."""
    now = now or timezone.now()
    days = PlatformSettings.load().evaluation_days
    due = Case.objects.filter(status=Status.REPLIED, replied_at__lte=now - timedelta(days=days))
    closed = 0
    for case_id in due.values_list("pk", flat=True).iterator(chunk_size=1000):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if case.status != Status.REPLIED:
                continue  # rated meanwhile
            case.closed_at = now
            case.closure_reason = render(_("Closed without evaluation."))
            apply_transition(
                case,
                action=Action.CLOSE_UNRATED,
                actor=None,
                update_fields=["closed_at", "closure_reason"],
            )
            publish(case, "closed")
            closed += 1
    return closed
