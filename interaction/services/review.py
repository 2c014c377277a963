"""Sign-off of replies: the department head approves, the platform reviews and sends."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User

from ..errors import InvalidTransition, ValidationFailed
from ..models import Case, Reply
from ..permissions import ensure_can
from ..privacy.services import published_text_refresh
from ..states import Action
from ..workflow import apply_transition
from .common import lock_case, publish
from .notifications import notify, notify_citizen, notify_department, notify_role, render


def _current_reply(case: Case, state: str) -> Reply:
    reply = case.replies.filter(stage_no=case.stage_no, state=state).order_by("-pk").first()
    if reply is None:
        raise InvalidTransition()
    return reply


def _need_note(note: str) -> str:
    if not note.strip():
        raise ValidationFailed({"note": [_("Say what must change in the reply.")]})
    return note.strip()


@transaction.atomic
def case_approve_reply(*, case_id: int, actor: User) -> Case:
    """The department head approves the drafted reply; it goes to the platform for review."""
    case = lock_case(case_id)
    ensure_can(actor, Action.APPROVE_REPLY, case)
    reply = _current_reply(case, Reply.State.DRAFT)
    reply.state = Reply.State.APPROVED
    reply.approved_by = actor
    reply.save(update_fields=["state", "approved_by"])
    apply_transition(case, action=Action.APPROVE_REPLY, actor=actor, is_public=False)
    notify_role(
        case,
        role=Role.DISPATCHER,
        verb="reply_approved",
        text=render(_("The reply to case %(no)s awaits platform review."), no=case.tracking_no),
    )
    publish(case, "reply_approved")
    return case


@transaction.atomic
def case_reject_reply(*, case_id: int, actor: User, note: str) -> Case:
    """The department head sends the draft back to the handler with what must change."""
    text = _need_note(note)
    case = lock_case(case_id)
    ensure_can(actor, Action.REJECT_REPLY, case)
    reply = _current_reply(case, Reply.State.DRAFT)
    reply.state = Reply.State.SENT_BACK
    reply.note = text[:300]
    reply.save(update_fields=["state", "note"])
    apply_transition(case, action=Action.REJECT_REPLY, actor=actor, reason=text, is_public=False)
    notify(
        user_ids=[reply.author_id],
        case=case,
        verb="reply_sent_back",
        text=render(
            _("The head sent back your reply to case %(no)s: %(note)s"),
            no=case.tracking_no,
            note=text,
        ),
    )
    publish(case, "reply_sent_back")
    return case


@transaction.atomic
def case_publish_reply(*, case_id: int, actor: User) -> Case:
    """The platform passes the approved reply: the citizen gets it, and it is published if the
    citizen allowed it. Emits case.replied."""
    case = lock_case(case_id)
    ensure_can(actor, Action.PUBLISH_REPLY, case)
    reply = _current_reply(case, Reply.State.APPROVED)
    now = timezone.now()
    reply.state = Reply.State.PUBLISHED
    reply.reviewed_by = actor
    reply.published_at = now
    reply.save(update_fields=["state", "reviewed_by", "published_at"])
    case.replied_at = now
    case.is_published = case.allow_publish
    apply_transition(
        case, action=Action.PUBLISH_REPLY, actor=actor, update_fields=["replied_at", "is_published"]
    )
    published_text_refresh(case=case)
    notify_citizen(
        case,
        verb="replied",
        text=render(
            _("Your case %(no)s has been answered. Please rate the reply."), no=case.tracking_no
        ),
    )
    notify_department(
        case,
        verb="replied",
        text=render(_("The reply to case %(no)s was sent to the citizen."), no=case.tracking_no),
    )
    publish(case, "replied")
    return case


@transaction.atomic
def case_rework_reply(*, case_id: int, actor: User, note: str) -> Case:
    """The platform sends the approved reply back to the department for rework."""
    text = _need_note(note)
    case = lock_case(case_id)
    ensure_can(actor, Action.REWORK_REPLY, case)
    reply = _current_reply(case, Reply.State.APPROVED)
    reply.state = Reply.State.SENT_BACK
    reply.note = text[:300]
    reply.save(update_fields=["state", "note"])
    apply_transition(case, action=Action.REWORK_REPLY, actor=actor, reason=text, is_public=False)
    notify_department(
        case,
        verb="reply_rework",
        text=render(
            _("The platform sent back the reply to case %(no)s: %(note)s"),
            no=case.tracking_no,
            note=text,
        ),
    )
    publish(case, "reply_rework")
    return case
