"""Jurisdictions, departments, topic categories, the dispatch catalogue and the work calendar."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.Model):
    """A level of government territory: the city, its districts, their streets."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")

    name = models.CharField(_("name"), max_length=60)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    aliases = models.CharField(
        _("other names"),
        max_length=200,
        blank=True,
        help_text=_("Other names found in messages, separated by commas (used by routing)."),
    )

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestors_and_self(self) -> list[Jurisdiction]:
        chain: list[Jurisdiction] = []
        node: Jurisdiction | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Department(models.Model):
    """A unit that handles cases (承办单位), attached to a jurisdiction."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name=_("jurisdiction"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent department"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="departments",
        blank=True,
    )
    phone = models.CharField(_("public phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in a department: liaison (承办人) or head (who signs off replies)."""

    class Position(models.TextChoices):
        LIAISON = "liaison", _("Liaison")
        HEAD = "head", _("Head")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    department = models.ForeignKey(Department, on_delete=models.CASCADE)
    position = models.CharField(_("position"), max_length=10, choices=Position.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class Category(models.Model):
    """A topic in two levels (e.g. 城乡建设 → 道路维修)."""

    name = models.CharField(_("name"), max_length=60)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class DispatchRule(models.Model):
    """One line of the dispatch catalogue (派单目录): category (+ jurisdiction) → department.

    A rule without a jurisdiction applies city-wide; one with a jurisdiction wins for messages
    about that place (or a place inside it).
    """

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="dispatch_rules",
        verbose_name=_("category"),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dispatch_rules",
        verbose_name=_("jurisdiction"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="dispatch_rules",
        verbose_name=_("responsible department"),
    )

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch catalogue")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "jurisdiction"], name="unique_dispatch_rule"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(jurisdiction__isnull=True),
                name="unique_citywide_dispatch_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.department}"


class CalendarOverride(models.Model):
    """An admin's word on one date: a working day or a day off, overriding the package calendar."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'day off'}"
