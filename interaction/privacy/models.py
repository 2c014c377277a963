"""Masking rules and the public search text of published cases."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["MaskingRule", "PublishedCaseText"]


class MaskingRule(models.Model):
    """Text staff want hidden from the public, beyond what the built-in detectors find: for every
    case (global) or one case. Literal text or a regular expression."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Literal text")
        PATTERN = "pattern", _("Regular expression")

    case = models.ForeignKey(
        "interaction.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="masking_rules",
        verbose_name=_("case"),
        help_text=_("Empty: the rule applies to every case."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    value = models.CharField(_("text or pattern"), max_length=200)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("masking rule")
        verbose_name_plural = _("masking rules")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "active"])]

    def __str__(self) -> str:
        return self.value

    def clean(self) -> None:
        check_rule(self.kind, self.value)


def check_rule(kind: str, value: str) -> None:
    """Raise ValidationError unless `value` is a usable rule of `kind`."""
    if not value.strip():
        raise ValidationError({"value": _("Enter the text or pattern to hide.")})
    if kind == MaskingRule.Kind.PATTERN:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValidationError(
                {"value": _("This is not a valid regular expression: %(error)s") % {"error": exc}}
            ) from exc
        if compiled.fullmatch(""):
            raise ValidationError({"value": _("The pattern must not match empty text.")})


class PublishedCaseText(models.Model):
    """What public search looks in: the masked text of a published case, as space-joined jieba
    tokens (so a phone number or a masked name can never be searched for). Filled when a reply
    is published, when a masking rule changes, and by `manage.py reindex_published`.

    On PostgreSQL a GIN index over to_tsvector('simple', search_text) serves full-text search
    (created by the migration on PostgreSQL only)."""

    case = models.OneToOneField(
        "interaction.Case", primary_key=True, on_delete=models.CASCADE, related_name="search"
    )
    search_text = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.case_id}"
