"""Admin: hot issues, repeat complaints, supports and coordinated answers are read-only here
(the grouping and the services write them); leaders decide on the hot-issue pages."""

from __future__ import annotations

from django.contrib import admin

from interaction.admin import ReadOnlyAdmin

from .models import CaseSupport, CoordinatedAnswer, GroupingState, HotIssue, RepeatComplaint


@admin.register(HotIssue)
class HotIssueAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "place",
        "case_count",
        "citizen_count",
        "support_count",
        "repeat_count",
        "status",
        "department",
        "last_at",
    )
    list_filter = ("status", "district")
    search_fields = ("title", "place")
    date_hierarchy = "last_at"


@admin.register(RepeatComplaint)
class RepeatComplaintAdmin(ReadOnlyAdmin):
    list_display = ("case", "earlier_case", "reason", "hot_issue", "created_at", "notified_at")
    list_filter = ("reason",)
    search_fields = ("case__tracking_no", "earlier_case__tracking_no")


@admin.register(CaseSupport)
class CaseSupportAdmin(ReadOnlyAdmin):
    list_display = ("case", "user", "created_at")
    search_fields = ("case__tracking_no",)


@admin.register(CoordinatedAnswer)
class CoordinatedAnswerAdmin(ReadOnlyAdmin):
    list_display = ("hot_issue", "department", "state", "author", "created_at", "published_at")
    list_filter = ("state",)


@admin.register(GroupingState)
class GroupingStateAdmin(ReadOnlyAdmin):
    list_display = ("last_case_id", "version", "generation", "regrouped_at", "updated_at")
