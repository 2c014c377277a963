import contextlib
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from .api_tokens import api_token_issue, api_token_revoke
from .models import User

# DRF's token admin lists every key in clear: keys are shown once, when issued (actions below).
with contextlib.suppress(NotRegistered):  # rest_framework.authtoken's admin not loaded
    admin.site.unregister(TokenProxy)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "phone",
        "email",
        "is_active",
        "api_token_since",
    )
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "display_name", "phone", "email")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Wenzheng"), {"fields": ("role", "display_name", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Wenzheng"), {"fields": ("role", "display_name", "phone")}),
    )
    actions = ["issue_api_token", "revoke_api_token"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).annotate(api_token_created=F("auth_token__created"))

    @admin.display(description=_("API token since"), ordering="api_token_created")
    def api_token_since(self, user: User) -> Any:
        return getattr(user, "api_token_created", None)

    @admin.action(description=_("Issue a new API token (shown once)"))
    def issue_api_token(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        for user in queryset:
            if not user.is_active:
                self.message_user(
                    request,
                    gettext("%(name)s is not active: no token issued.") % {"name": user.username},
                    messages.WARNING,
                )
                continue
            key = api_token_issue(user=user, actor=actor)
            self.message_user(
                request,
                gettext(
                    "API token of %(name)s: %(key)s — copy it now, it is not shown again. "
                    "Any earlier token of this account no longer works."
                )
                % {"name": user.username, "key": key},
                messages.SUCCESS,
            )

    @admin.action(description=_("Revoke the API token"))
    def revoke_api_token(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        revoked = [u.username for u in queryset if api_token_revoke(user=u, actor=actor)]
        self.message_user(
            request,
            gettext("API tokens revoked: %(names)s.") % {"names": ", ".join(revoked) or "—"},
            messages.SUCCESS,
        )
