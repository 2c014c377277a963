"""Hot issues (热点问题): groups of messages about the same problem at the same place, the
repeat complaints found in them, citizens' support (附议) and coordinated answers.

A group is stored once it holds two cases or more (a case alone is not an issue yet); its `key`
is the id of its first case, the key the grouping engine (`classifier.grouping`) gives it, so a
recomputation finds the same rows again (idempotent upserts). Leaders' decisions (confirmed,
assigned) live on the row and are never undone by a recomputation: confirmed groups keep their
cases (the engine treats them as pinned).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.organisation.models import Department, Jurisdiction
from interaction.models import Case


class HotIssue(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Found by grouping")
        CONFIRMED = "confirmed", _("Confirmed hot issue")

    key = models.BigIntegerField(unique=True, editable=False)
    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=100, blank=True)
    district = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("district"),
    )
    keywords = models.JSONField(default=list, blank=True)
    representative = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_at = models.DateTimeField(_("first message"))
    last_at = models.DateTimeField(_("latest message"), db_index=True)
    case_count = models.PositiveIntegerField(_("messages"), default=0)
    citizen_count = models.PositiveIntegerField(_("citizens"), default=0)
    support_count = models.PositiveIntegerField(_("support"), default=0)
    repeat_count = models.PositiveIntegerField(_("repeat complaints"), default=0)
    # Hotness without its decay, and a key that sorts groups as their hotness does at any moment
    # (see `hotness`): the decay factor is the same for every group at a given time.
    hotness_base = models.FloatField(default=0.0)
    rank_key = models.FloatField(default=0.0, db_index=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CANDIDATE
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hot_issues",
        verbose_name=_("assigned department"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    assignment_note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hot issue")
        verbose_name_plural = _("hot issues")
        ordering = ["-rank_key", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pinned(self) -> bool:
        """Confirmed by a leader: the grouping never takes its cases away or merges it."""
        return self.status == self.Status.CONFIRMED

    def hotness(self, now: object = None) -> float:
        from .hotness import decayed

        return decayed(self.hotness_base, self.last_at, now=now)  # type: ignore[arg-type]

    @property
    def span_days(self) -> int:
        return max(0, math.ceil((self.last_at - self.first_at).total_seconds() / 86400))


class HotIssueCase(models.Model):
    """A case's place in a group (one group per case)."""

    hot_issue = models.ForeignKey(HotIssue, on_delete=models.CASCADE, related_name="memberships")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="hot_issue_membership")
    score = models.FloatField(default=1.0)

    class Meta:
        verbose_name = _("case of a hot issue")
        verbose_name_plural = _("cases of hot issues")


class RepeatComplaint(models.Model):
    """重复诉求: a case raising again a problem whose earlier case was already closed."""

    class Reason(models.TextChoices):
        SAME_ACCOUNT = "same_account", _("Same citizen (account)")
        SAME_PHONE = "same_phone", _("Same citizen (phone number)")
        SAME_PROBLEM = "same_problem", _("Same place and problem")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="repeat_complaints")
    earlier_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    hot_issue = models.ForeignKey(
        HotIssue, null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    similarity = models.FloatField(default=0.0)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("repeat complaint")
        verbose_name_plural = _("repeat complaints")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "earlier_case"], name="one_repeat_per_pair")
        ]


class CaseSupport(models.Model):
    """附议: a signed-in citizen supports a published case (once)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_support_per_citizen")
        ]


class CoordinatedAnswer(models.Model):
    """One reply, written by the assigned department, that goes to all the group's open cases.

    Each case still gets its own reply row and audit trail through the case services; this row
    remembers the text, who wrote, approved and passed it, and which cases it went to.
    """

    class State(models.TextChoices):
        DRAFTED = "drafted", _("Awaiting the head's approval")
        APPROVED = "approved", _("Awaiting platform review")
        PUBLISHED = "published", _("Sent to the citizens")
        SENT_BACK = "sent_back", _("Sent back")

    hot_issue = models.ForeignKey(HotIssue, on_delete=models.CASCADE, related_name="answers")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("reply"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFTED)
    cases = models.ManyToManyField(Case, related_name="+", blank=True)
    skipped = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("coordinated answer")
        verbose_name_plural = _("coordinated answers")
        ordering = ["-created_at", "-pk"]


class HotIssueEvent(models.Model):
    """What people did to a group (confirm, assign, answer …): its own audit trail."""

    hot_issue = models.ForeignKey(HotIssue, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class GroupingState(models.Model):
    """One row: how far the grouping has read the cases, and which computation is current.

    `last_case_id`: the highest case id grouped; `version` grows with every write of the
    grouping (a second grouping process then reloads before it writes); `generation` grows with
    every full recomputation. Writers lock this row for the length of their write.
    """

    last_case_id = models.BigIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)
    generation = models.PositiveIntegerField(default=0)
    regrouped_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @classmethod
    def row(cls) -> GroupingState:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
