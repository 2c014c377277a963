"""The coordinated answer: one reply by the assigned department for all the group's open cases.

It goes the way a single reply goes — the department writes it, its head approves it, the
platform (a dispatcher) passes it — and at each step the case services do the work for every
case (`case_sign`, `case_draft_reply`, `case_approve_reply`, `case_reject_reply`,
`case_publish_reply`, `case_rework_reply`), in one transaction: each case gets its own reply row,
audit rows, notifications and status changes through `apply_transition`; if one case fails, none
changes.

Which cases: those of the group held by the assigned department in a state where a reply can be
written (dispatched ones are signed for first). The others are listed as skipped with the
reason (held by another department, waiting for the citizen, already answered …). At the later
steps, a case that was meanwhile handled on its own is skipped too.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from interaction.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from interaction.models import Case
from interaction.services import handling, review
from interaction.states import OPEN_STATUSES, Status

from .models import CoordinatedAnswer, HotIssue
from .permissions import can_answer, can_approve, can_review
from .services import log

WRITABLE = (Status.DISPATCHED, Status.SIGNED, Status.HANDLING)
PENDING = (CoordinatedAnswer.State.DRAFTED, CoordinatedAnswer.State.APPROVED)


def _check_body(body: str) -> str:
    text = body.strip()
    if len(text) < 10:
        raise ValidationFailed({"body": [_("The reply is too short: say what was done.")]})
    if len(text) > 5000:
        raise ValidationFailed({"body": [_("The reply is too long: at most 5,000 characters.")]})
    return text


def _skip_reason(case: Case, department_id: int) -> str:
    if case.lead_department_id != department_id:
        return "other_department"
    if case.status == Status.AWAITING_CITIZEN:
        return "awaiting_citizen"
    if case.status in (Status.REPLY_DRAFTED, Status.REPLY_APPROVED):
        return "reply_under_way"
    return "state"


@transaction.atomic
def answer_draft(*, hot_issue_id: int, actor: User, body: str) -> CoordinatedAnswer:
    """The assigned department writes the one reply; it waits for its head's approval."""
    text = _check_body(body)
    hot_issue = HotIssue.objects.select_for_update().get(pk=hot_issue_id)
    if not can_answer(actor, hot_issue):
        raise NotAllowed()
    assert hot_issue.department_id is not None
    if hot_issue.answers.filter(state__in=PENDING).exists():
        raise Conflict(_("A coordinated answer to this hot issue is already under way."))
    cases = list(
        Case.objects.filter(hot_issue_membership__hot_issue=hot_issue, status__in=OPEN_STATUSES)
        .order_by("pk")
        .only("pk", "tracking_no", "status", "lead_department_id")
    )
    covered = [
        c for c in cases if c.lead_department_id == hot_issue.department_id and c.status in WRITABLE
    ]
    if not covered:
        raise InvalidTransition(_("No open case of this hot issue is held by your department."))
    for case in covered:
        if case.status == Status.DISPATCHED:
            handling.case_sign(case_id=case.pk, actor=actor)
        handling.case_draft_reply(case_id=case.pk, actor=actor, body=text)
    skipped = [
        {"case": c.tracking_no, "reason": _skip_reason(c, hot_issue.department_id)}
        for c in cases
        if c not in covered
    ]
    answer = CoordinatedAnswer.objects.create(
        hot_issue=hot_issue,
        department_id=hot_issue.department_id,
        body=text,
        author=actor,
        skipped=skipped,
    )
    answer.cases.set(covered)
    log(hot_issue, "answer_drafted", actor, answer=answer.pk, cases=len(covered))
    return answer


def _lock_answer(answer_id: int, state: str) -> CoordinatedAnswer:
    answer = (
        CoordinatedAnswer.objects.select_for_update().select_related("hot_issue").get(pk=answer_id)
    )
    if answer.state != state:
        raise InvalidTransition()
    return answer


def _cases_in(answer: CoordinatedAnswer, status: str) -> list[int]:
    return list(answer.cases.filter(status=status).order_by("pk").values_list("pk", flat=True))


def _need_note(note: str) -> str:
    if not note.strip():
        raise ValidationFailed({"note": [_("Say what must change in the reply.")]})
    return note.strip()


@transaction.atomic
def answer_approve(*, answer_id: int, actor: User) -> CoordinatedAnswer:
    """The department head approves the coordinated answer: every case's reply goes to review."""
    answer = _lock_answer(answer_id, CoordinatedAnswer.State.DRAFTED)
    if not can_approve(actor, answer.hot_issue):
        raise NotAllowed()
    ids = _cases_in(answer, Status.REPLY_DRAFTED)
    for case_id in ids:
        review.case_approve_reply(case_id=case_id, actor=actor)
    answer.state = CoordinatedAnswer.State.APPROVED
    answer.approved_by = actor
    answer.approved_at = timezone.now()
    answer.save(update_fields=["state", "approved_by", "approved_at"])
    log(answer.hot_issue, "answer_approved", actor, answer=answer.pk, cases=len(ids))
    return answer


@transaction.atomic
def answer_reject(*, answer_id: int, actor: User, note: str) -> CoordinatedAnswer:
    """The head sends the coordinated answer back to the department (every case's draft)."""
    text = _need_note(note)
    answer = _lock_answer(answer_id, CoordinatedAnswer.State.DRAFTED)
    if not can_approve(actor, answer.hot_issue):
        raise NotAllowed()
    for case_id in _cases_in(answer, Status.REPLY_DRAFTED):
        review.case_reject_reply(case_id=case_id, actor=actor, note=text)
    answer.state = CoordinatedAnswer.State.SENT_BACK
    answer.note = text[:300]
    answer.save(update_fields=["state", "note"])
    log(answer.hot_issue, "answer_sent_back", actor, answer=answer.pk, note=answer.note)
    return answer


@transaction.atomic
def answer_publish(*, answer_id: int, actor: User) -> CoordinatedAnswer:
    """The platform passes the coordinated answer: every citizen of the covered cases gets it."""
    answer = _lock_answer(answer_id, CoordinatedAnswer.State.APPROVED)
    if not can_review(actor):
        raise NotAllowed()
    ids = _cases_in(answer, Status.REPLY_APPROVED)
    for case_id in ids:
        review.case_publish_reply(case_id=case_id, actor=actor)
    answer.state = CoordinatedAnswer.State.PUBLISHED
    answer.published_by = actor
    answer.published_at = timezone.now()
    answer.save(update_fields=["state", "published_by", "published_at"])
    log(answer.hot_issue, "answer_published", actor, answer=answer.pk, cases=len(ids))
    return answer


@transaction.atomic
def answer_rework(*, answer_id: int, actor: User, note: str) -> CoordinatedAnswer:
    """The platform sends the approved coordinated answer back to the department."""
    text = _need_note(note)
    answer = _lock_answer(answer_id, CoordinatedAnswer.State.APPROVED)
    if not can_review(actor):
        raise NotAllowed()
    for case_id in _cases_in(answer, Status.REPLY_APPROVED):
        review.case_rework_reply(case_id=case_id, actor=actor, note=text)
    answer.state = CoordinatedAnswer.State.SENT_BACK
    answer.note = text[:300]
    answer.save(update_fields=["state", "note"])
    log(answer.hot_issue, "answer_sent_back", actor, answer=answer.pk, note=answer.note)
    return answer


SKIP_LABELS = {
    "other_department": _("held by another department"),
    "awaiting_citizen": _("waiting for the citizen's information"),
    "reply_under_way": _("a reply is already under way"),
    "state": _("not in a state that can be answered"),
}
