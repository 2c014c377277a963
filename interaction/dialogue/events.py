"""The dialogue's event stream: payloads, numbering, storage, and broadcast after commit.

Every event is stored as a `DialogueEvent` with the dialogue's next sequence number in the
transaction that made the change; once it commits, the events are sent to the dialogue's group,
which holds one relay per server process (see `fanout`). Whoever reconnects replays from the store.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from .models import Answer, Audience, Dialogue, DialogueEvent, Notice, Question

logger = logging.getLogger(__name__)


def dialogue_group(dialogue_id: int) -> str:
    """The channel-layer group of a dialogue: one member per server process, not per viewer."""
    return f"dialogue.{dialogue_id}"


def question_payload(question: Question) -> dict[str, Any]:
    asker = question.asker
    return {
        "id": question.pk,
        "body": question.body,
        "state": question.state,
        "asker": asker.display_name or asker.username[:1] + "**",
        "pinned": question.pinned,
        "votes": question.votes,
        "in_advance": question.in_advance,
        "merged_into": question.merged_into_id,
        "created_at": question.created_at.isoformat(),
    }


def answer_payload(answer: Answer) -> dict[str, Any]:
    return {
        "id": answer.pk,
        "question_id": answer.question_id,
        "body": answer.body,
        "official": str(answer.official),
        "created_at": answer.created_at.isoformat(),
    }


def notice_payload(notice: Notice) -> dict[str, Any]:
    return {"id": notice.pk, "body": notice.body, "created_at": notice.created_at.isoformat()}


def wire(event: DialogueEvent) -> dict[str, Any]:
    """What travels to the relays and to clients (clients never see `audience`/`user`)."""
    return {
        "seq": event.seq,
        "kind": event.kind,
        "audience": event.audience,
        "user": event.user_id,
        "data": event.payload,
    }


def store_event(
    dialogue: Dialogue,
    kind: str,
    data: dict[str, Any],
    *,
    audience: str = Audience.PUBLIC,
    user_id: int | None = None,
) -> DialogueEvent:
    """Number and store one event, and broadcast it after commit.

    The caller is inside a transaction and holds the dialogue row locked (select_for_update),
    so numbers are handed out in commit order and never twice.
    """
    Dialogue.objects.filter(pk=dialogue.pk).update(last_seq=F("last_seq") + 1)
    dialogue.refresh_from_db(fields=["last_seq"])
    event = DialogueEvent.objects.create(
        dialogue=dialogue,
        seq=dialogue.last_seq,
        kind=kind,
        audience=audience,
        user_id=user_id,
        payload=data,
    )
    _publish_on_commit(dialogue.pk, wire(event))
    return event


def _publish_on_commit(dialogue_id: int, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: broadcast(dialogue_id, [message]))


def broadcast(dialogue_id: int, events: list[dict[str, Any]]) -> None:
    """Send stored events to every process that has viewers of the dialogue (best effort).

    A lost broadcast is not a lost event: the relay notices the gap at the next event and
    fetches what it missed from the store.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            dialogue_group(dialogue_id),
            {"type": "dialogue.events", "dialogue": dialogue_id, "events": events},
        )
    except Exception:  # a broken channel layer must never undo a committed change
        logger.exception("could not broadcast events of dialogue %s", dialogue_id)
