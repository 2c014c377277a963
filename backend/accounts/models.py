"""People of the platform: one user model with a role."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    DISPATCHER = "dispatcher", _("Dispatcher")
    LIAISON = "liaison", _("Department liaison")
    HEAD = "head", _("Department head")
    SUPERVISOR = "supervisor", _("Supervisor")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(
    {Role.DISPATCHER, Role.LIAISON, Role.HEAD, Role.SUPERVISOR, Role.LEADER, Role.ADMIN}
)


class User(AbstractUser):
    """A citizen or a member of staff. Citizens sign in with a phone number or an e-mail."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    display_name = models.CharField(_("name"), max_length=60, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="unique_user_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_citizen(self) -> bool:
        return self.role == Role.CITIZEN

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (self.role in roles or self.is_superuser and Role.ADMIN in roles)
