"""Reads of the live dialogue: who someone is to a dialogue, what they may see, the replay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from backend.accounts.models import Role, User

from .events import wire
from .models import (
    Answer,
    Audience,
    Dialogue,
    DialogueEvent,
    Question,
    QuestionState,
    TopicProposal,
)
from .states import DialogueState


def _signed_in(user: User | None) -> bool:
    return user is not None and user.is_authenticated


def is_moderator(user: User | None, dialogue: Dialogue) -> bool:
    if not _signed_in(user):
        return False
    assert user is not None
    return user.pk == dialogue.moderator_id or user.has_role(Role.ADMIN)


def is_official(user: User | None, dialogue: Dialogue) -> bool:
    if not _signed_in(user):
        return False
    assert user is not None
    return dialogue.officials.filter(pk=user.pk).exists()


def may_watch(user: User | None, dialogue: Dialogue) -> bool:
    """Public dialogues: anyone, signed in or not. Others: only their staff."""
    return dialogue.is_public or is_moderator(user, dialogue) or is_official(user, dialogue)


@dataclass(frozen=True)
class Seat:
    """Who a person is in one dialogue, computed once (at socket connect or page view)."""

    user_id: int | None
    may_watch: bool
    moderator: bool
    official: bool
    citizen: bool

    @property
    def staff(self) -> bool:
        return self.moderator or self.official

    def sees(self, audience: str, user_id: int | None) -> bool:
        """May this person receive an event of `audience` (addressed to `user_id`)?"""
        if audience == Audience.PUBLIC:
            return True
        if self.staff:
            return True
        return audience == Audience.USER and user_id is not None and user_id == self.user_id


def seat_of(user: User | None, dialogue: Dialogue) -> Seat:
    signed_in = _signed_in(user)
    moderator = is_moderator(user, dialogue)
    official = is_official(user, dialogue)
    return Seat(
        user_id=user.pk if signed_in and user is not None else None,
        may_watch=dialogue.is_public or moderator or official,
        moderator=moderator,
        official=official,
        citizen=signed_in and user is not None and user.role == Role.CITIZEN,
    )


def dialogue_by_id(dialogue_id: int) -> Dialogue | None:
    return (
        Dialogue.objects.select_related("host_department", "moderator")
        .prefetch_related("officials")
        .filter(pk=dialogue_id)
        .first()
    )


def events_since(
    *, dialogue_id: int, after: int, seat: Seat, limit: int = 1000
) -> list[dict[str, Any]]:
    """Stored events numbered after `after` that `seat` may see, in order (wire format)."""
    qs = DialogueEvent.objects.filter(dialogue_id=dialogue_id, seq__gt=after).order_by("seq")
    if not seat.staff:
        visible = Q(audience=Audience.PUBLIC)
        if seat.user_id is not None:
            visible |= Q(audience=Audience.USER, user_id=seat.user_id)
        qs = qs.filter(visible)
    return [wire(e) for e in qs[:limit]]


def all_events_between(*, dialogue_id: int, after: int, upto: int) -> list[dict[str, Any]]:
    """Every stored event in (after, upto], for relays filling a gap (filtered per viewer later)."""
    qs = DialogueEvent.objects.filter(
        dialogue_id=dialogue_id, seq__gt=after, seq__lte=upto
    ).order_by("seq")
    return [wire(e) for e in qs]


def listed_dialogues(*, user: User | None) -> QuerySet[Dialogue]:
    qs = Dialogue.objects.select_related("host_department")
    if user is not None and user.is_authenticated:
        if user.has_role(Role.ADMIN):
            return qs
        return qs.filter(Q(is_public=True) | Q(moderator=user) | Q(officials=user)).distinct()
    return qs.filter(is_public=True)


def _answers() -> Prefetch[Any]:
    return Prefetch("answers", queryset=Answer.objects.select_related("official"))


def public_questions(dialogue: Dialogue) -> QuerySet[Question]:
    """Approved questions, pinned first, then by votes and time (as viewers see them)."""
    return (
        Question.objects.filter(dialogue=dialogue, state=QuestionState.APPROVED)
        .select_related("asker", "case")
        .prefetch_related(_answers())
        .order_by("-pinned", "created_at", "id")
    )


def moderation_queue(dialogue: Dialogue) -> QuerySet[Question]:
    return (
        Question.objects.filter(dialogue=dialogue, state=QuestionState.PENDING)
        .select_related("asker")
        .order_by("created_at", "id")
    )


def own_questions(dialogue: Dialogue, user: User | None) -> QuerySet[Question]:
    if not _signed_in(user):
        return Question.objects.none()
    return (
        Question.objects.filter(dialogue=dialogue, asker=user)
        .exclude(state=QuestionState.APPROVED)
        .order_by("created_at", "id")
    )


def transcript(dialogue: Dialogue) -> list[dict[str, Any]]:
    """The published record: notices and approved questions with their answers, in time order."""
    items: list[dict[str, Any]] = [
        {"kind": "notice", "at": n.created_at, "notice": n} for n in dialogue.notices.all()
    ]
    items += [
        {"kind": "question", "at": q.approved_at or q.created_at, "question": q}
        for q in public_questions(dialogue)
    ]
    items.sort(key=lambda item: item["at"])
    return items


def transcript_visible(dialogue: Dialogue) -> bool:
    return dialogue.state == DialogueState.PUBLISHED


def topic_proposals(limit: int = 20) -> QuerySet[TopicProposal]:
    return TopicProposal.objects.select_related("department").order_by("-votes", "-created_at")[
        :limit
    ]
