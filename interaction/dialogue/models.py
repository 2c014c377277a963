"""Live dialogue rows: the dialogue, its questions, answers, notices, votes, topic proposals, and
the numbered event stream every viewer replays from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.organisation.models import Category, Department

from .states import DialogueState


class Dialogue(models.Model):
    """A scheduled live dialogue (在线访谈) hosted by a department."""

    title = models.CharField(_("topic"), max_length=120)
    description = models.TextField(_("announcement"), blank=True)
    host_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="dialogues",
        verbose_name=_("host department"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category of follow-up cases"),
    )
    officials = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="dialogues_answered", verbose_name=_("officials")
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dialogues_moderated",
        verbose_name=_("moderator"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    is_public = models.BooleanField(_("anyone may watch"), default=True)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=DialogueState.choices,
        default=DialogueState.ANNOUNCED,
        editable=False,
    )
    # The last sequence number handed out to this dialogue's events (see events.store_event).
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("live dialogue")
        verbose_name_plural = _("live dialogues")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["state", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("frontend:dialogue-detail", args=[self.pk])


class DialogueTransition(models.Model):
    """Audit row: one per state change of a dialogue."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class QuestionState(models.TextChoices):
    PENDING = "pending", _("Waiting for the moderator")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into another question")


class Question(models.Model):
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="questions")
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dialogue_questions"
    )
    body = models.TextField(_("question"))
    state = models.CharField(
        max_length=10, choices=QuestionState.choices, default=QuestionState.PENDING
    )
    # Asked before the dialogue went live (collected in advance) or during it.
    in_advance = models.BooleanField(default=False)
    reject_reason = models.CharField(_("reason"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    pinned = models.BooleanField(default=False)
    votes = models.PositiveIntegerField(default=0)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The mailbox case opened for it when the dialogue ended without an answer.
    case = models.OneToOneField(
        "interaction.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dialogue_question",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["dialogue", "state"]),
            models.Index(fields=["asker", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.body[:40]


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="one_vote_per_question")
        ]


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("answer"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Notice(models.Model):
    """A moderator's announcement during the dialogue."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="notices")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("notice"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone watching")
    STAFF = "staff", _("Moderator and officials")
    USER = "user", _("One person and the staff")


class DialogueEvent(models.Model):
    """One numbered event of a dialogue, stored before it is broadcast. Never edited.

    A client that reconnects sends the last number it saw and receives every later event it may
    see, in order.
    """

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=30)
    audience = models.CharField(max_length=8, choices=Audience.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dialogue", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "seq"], name="one_event_per_dialogue_seq")
        ]


class TopicProposal(models.Model):
    """A citizen's proposed topic for a future dialogue; others vote on it."""

    title = models.CharField(_("proposed topic"), max_length=120)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("department"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    votes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-votes", "-created_at"]

    def __str__(self) -> str:
        return self.title


class TopicVote(models.Model):
    topic = models.ForeignKey(TopicProposal, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="one_vote_per_topic")]


__all__ = [
    "Answer",
    "Audience",
    "Dialogue",
    "DialogueEvent",
    "DialogueTransition",
    "Notice",
    "Question",
    "QuestionState",
    "QuestionVote",
    "TopicProposal",
    "TopicVote",
]
