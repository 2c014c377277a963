"""The configuration console: organisation, categories, dispatch catalogue, calendar."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import (
    CalendarOverride,
    Category,
    Department,
    DispatchRule,
    Jurisdiction,
    Membership,
)


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code", "aliases")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "jurisdiction", "phone", "is_active")
    list_filter = ("jurisdiction__level", "is_active")
    search_fields = ("name", "code")
    inlines = [MembershipInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent", "is_active")
    list_filter = ("parent", "is_active")
    search_fields = ("name", "code")


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "jurisdiction", "department")
    list_filter = ("category__parent", "jurisdiction")
    autocomplete_fields = ("category", "department")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Saving or deleting an override recomputes the deadlines of every open case."""

    list_display = ("date", "is_workday", "name")
    date_hierarchy = "date"

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool
    ) -> None:
        from interaction.services.calendar import calendar_override_set

        changed = calendar_override_set(
            actor=request.user,  # type: ignore[arg-type]
            date=obj.date,
            is_workday=obj.is_workday,
            name=obj.name,
        )
        obj.pk = CalendarOverride.objects.get(date=obj.date).pk
        self.message_user(request, f"{changed} open deadlines recomputed.")

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        from interaction.services.calendar import calendar_override_delete

        calendar_override_delete(actor=request.user, date=obj.date)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for obj in list(queryset):
            self.delete_model(request, obj)
