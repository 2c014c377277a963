"""Live dialogue pages: the list (with proposed topics), the live page, the transcript.

The live page renders what has happened so far and the number of the last event included; its
script connects to /ws/dialogues/<id>/?after=<that number> and applies every later event.
State changes and topics are plain POST forms; questions, moderation and answers go through the
socket. Every write calls a service of `interaction.dialogue.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interaction.dialogue import selectors, services
from interaction.dialogue.models import Dialogue, QuestionState
from interaction.dialogue.states import ASKING_STATES, TRANSITIONS, DialogueAction, DialogueState
from interaction.errors import DomainError

from .common import current_user


def _dialogue_or_404(request: HttpRequest, dialogue_id: int) -> Dialogue:
    dialogue = selectors.dialogue_by_id(dialogue_id)
    if dialogue is None or not selectors.may_watch(current_user(request), dialogue):
        raise Http404
    return dialogue


def dialogue_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    dialogues = list(selectors.listed_dialogues(user=user))
    return render(
        request,
        "dialogue/list.html",
        {
            "current": [d for d in dialogues if d.state != DialogueState.PUBLISHED],
            "past": [d for d in dialogues if d.state == DialogueState.PUBLISHED],
            "topics": selectors.topic_proposals(),
            "may_propose": user is not None and user.is_citizen,
        },
    )


def _labels() -> dict[str, str]:
    """Words the page's script shows (translated here, so the script holds no text)."""
    return {
        "pending": str(QuestionState.PENDING.label),
        "approved": str(QuestionState.APPROVED.label),
        "rejected": str(QuestionState.REJECTED.label),
        "merged": str(QuestionState.MERGED.label),
        "now_case": _("now case"),
        "connecting": _("Connecting…"),
        "connected": _("Live"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "closed": _("Disconnected."),
        "state_changed": _("The dialogue has moved on: reload the page."),
    }


def dialogue_detail(request: HttpRequest, dialogue_id: int) -> HttpResponse:
    dialogue = _dialogue_or_404(request, dialogue_id)
    user = current_user(request)
    seat = selectors.seat_of(user, dialogue)
    # The number first, the content after: the page is at least as new as the number, and events
    # replayed over content already shown are applied idempotently by the script.
    after = dialogue.last_seq
    actions = [rule.action for rule in TRANSITIONS.values() if dialogue.state in rule.sources]
    return render(
        request,
        "dialogue/detail.html",
        {
            "dialogue": dialogue,
            "seat": seat,
            "after": after,
            "questions": selectors.public_questions(dialogue),
            "notices": dialogue.notices.order_by("-created_at", "-id"),
            "queue": selectors.moderation_queue(dialogue) if seat.staff else [],
            "own": selectors.own_questions(dialogue, user),
            "may_ask": seat.citizen and dialogue.state in ASKING_STATES,
            "asking_open": dialogue.state in ASKING_STATES,
            "actions": actions if seat.moderator else [],
            "live": dialogue.state == DialogueState.LIVE,
            "labels": _labels(),
        },
    )


@login_required
@require_POST
def dialogue_transition(request: HttpRequest, dialogue_id: int, action: str) -> HttpResponse:
    dialogue = _dialogue_or_404(request, dialogue_id)
    try:
        chosen = DialogueAction(action)
    except ValueError:
        raise Http404 from None
    user = current_user(request)
    assert user is not None
    try:
        services.dialogue_transition(dialogue_id=dialogue.pk, actor=user, action=chosen)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": chosen.label})
    return redirect("frontend:dialogue-detail", dialogue_id=dialogue.pk)


def dialogue_transcript(request: HttpRequest, dialogue_id: int) -> HttpResponse:
    dialogue = _dialogue_or_404(request, dialogue_id)
    if not selectors.transcript_visible(dialogue):
        raise Http404
    return render(
        request,
        "dialogue/transcript.html",
        {"dialogue": dialogue, "items": selectors.transcript(dialogue)},
    )


@login_required
@require_POST
def topic_propose(request: HttpRequest) -> HttpResponse:
    try:
        services.topic_propose(actor=current_user(request), title=request.POST.get("title", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you: your topic was added."))
    return redirect("frontend:dialogue-list")


@login_required
@require_POST
def topic_vote(request: HttpRequest, topic_id: int) -> HttpResponse:
    try:
        services.topic_vote(topic_id=topic_id, actor=current_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("frontend:dialogue-list")
