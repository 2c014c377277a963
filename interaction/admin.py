"""Admin: configuration is editable; cases and the audit trail are read-only here (the workflow
changes them through services, never the admin)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Case,
    CaseEvent,
    DeadlinePolicy,
    ExtensionRequest,
    Notification,
    PlatformSettings,
    SupervisionNotice,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("created_at", "action", "from_status", "to_status", "actor", "actor_role", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "tracking_no",
        "subject",
        "kind",
        "status",
        "lead_department",
        "reply_deadline",
        "is_problem",
        "created_at",
    )
    list_filter = ("status", "kind", "is_problem", "lead_department", "category__parent")
    search_fields = ("tracking_no", "subject")
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "case",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
    )
    list_filter = ("action", "actor_role")
    search_fields = ("case__tracking_no",)


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case", "level", "department", "document_no")
    list_filter = ("level", "department")


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "case",
        "department",
        "days_requested",
        "decision",
        "days_granted",
    )
    list_filter = ("decision",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "verb", "text", "read_at")
    list_filter = ("verb",)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("kind", "urgency", "sign_days", "reply_days")


@admin.register(PlatformSettings)
class PlatformSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "auto_dispatch_threshold",
        "evaluation_days",
        "problem_case_threshold",
        "warning_ratio",
        "criticism_after_days",
        "review_days",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PlatformSettings.objects.exists()


# --- Privacy masking and Open311 (issue 6) ------------------------------------------------------
from .open311.models import Open311ApiKey  # noqa: E402
from .privacy.models import MaskingRule  # noqa: E402
from .privacy.services import masking_rule_add, reindex_published  # noqa: E402


@admin.register(MaskingRule)
class MaskingRuleAdmin(admin.ModelAdmin):
    """New rules go through the service (permission check, audit row, search re-index)."""

    list_display = ("value", "kind", "case", "active", "created_by", "created_at")
    list_filter = ("kind", "active")
    raw_id_fields = ("case",)
    fields = ("case", "kind", "value", "note", "active")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            reindex_published()
            return
        created = masking_rule_add(
            actor=request.user,  # type: ignore[arg-type]
            value=obj.value,
            kind=obj.kind,
            case_id=obj.case_id,
            note=obj.note,
        )
        obj.pk = created.pk


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are created with `open311_key_create` (the raw key is shown once); here they can be
    reviewed and switched off."""

    list_display = ("name", "prefix", "active", "created_at", "last_used_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    fields = ("name", "prefix", "active", "created_at", "last_used_at")
    readonly_fields = ("name", "prefix", "created_at", "last_used_at")


from .dialogue import admin as _dialogue_admin  # noqa: E402,F401
