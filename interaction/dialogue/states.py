"""The dialogue lifecycle: announced → collecting questions → live → ended → transcript published.

`apply_dialogue_transition` is the only code that changes `Dialogue.state`; it consults
`TRANSITIONS` and writes the audit row in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..errors import InvalidTransition

if TYPE_CHECKING:
    from backend.accounts.models import User

    from .models import Dialogue, DialogueTransition


class DialogueState(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    COLLECTING = "collecting", _("Collecting questions")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")
    PUBLISHED = "published", _("Transcript published")


class DialogueAction(models.TextChoices):
    OPEN_QUESTIONS = "open_questions", _("Open for questions")
    GO_LIVE = "go_live", _("Start the live dialogue")
    END = "end", _("End the dialogue")
    PUBLISH_TRANSCRIPT = "publish_transcript", _("Publish the transcript")


@dataclass(frozen=True)
class DialogueTransitionRule:
    action: DialogueAction
    sources: frozenset[DialogueState]
    target: DialogueState


TRANSITIONS: dict[DialogueAction, DialogueTransitionRule] = {
    rule.action: rule
    for rule in [
        DialogueTransitionRule(
            DialogueAction.OPEN_QUESTIONS,
            frozenset({DialogueState.ANNOUNCED}),
            DialogueState.COLLECTING,
        ),
        DialogueTransitionRule(
            DialogueAction.GO_LIVE,
            frozenset({DialogueState.ANNOUNCED, DialogueState.COLLECTING}),
            DialogueState.LIVE,
        ),
        DialogueTransitionRule(
            DialogueAction.END, frozenset({DialogueState.LIVE}), DialogueState.ENDED
        ),
        DialogueTransitionRule(
            DialogueAction.PUBLISH_TRANSCRIPT,
            frozenset({DialogueState.ENDED}),
            DialogueState.PUBLISHED,
        ),
    ]
}

# Citizens may ask (and vote) in these states; viewers see questions from COLLECTING on.
ASKING_STATES = frozenset({DialogueState.COLLECTING, DialogueState.LIVE})
# Officials answer and the moderator moderates only while the dialogue is open.
MODERATION_STATES = frozenset({DialogueState.COLLECTING, DialogueState.LIVE})
ANSWER_STATES = frozenset({DialogueState.LIVE})


def apply_dialogue_transition(
    dialogue: Dialogue, *, action: DialogueAction, actor: User | None, reason: str = ""
) -> DialogueTransition:
    """Check the table, set the new state, save, and write the audit row (caller holds the lock)."""
    from .models import DialogueTransition

    rule = TRANSITIONS[action]
    if dialogue.state not in rule.sources:
        raise InvalidTransition(_("This is not possible in the dialogue's current state."))
    from_state = dialogue.state
    dialogue.state = rule.target
    dialogue.save(update_fields=["state", "updated_at"])
    return DialogueTransition.objects.create(
        dialogue=dialogue,
        action=action.value,
        from_state=from_state,
        to_state=rule.target,
        actor=actor,
        reason=reason,
    )
