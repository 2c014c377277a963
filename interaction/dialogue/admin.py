"""Admin: dialogues are set up here (topic, host, officials, moderator, schedule); their state and
everything said in them change only through the services, so those are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Dialogue, DialogueEvent, DialogueTransition, Question, TopicProposal


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(_ReadOnlyInline):
    model = DialogueTransition
    fields = ["created_at", "action", "from_state", "to_state", "actor"]
    readonly_fields = ["created_at", "action", "from_state", "to_state", "actor"]


@admin.register(Dialogue)
class DialogueAdmin(admin.ModelAdmin):
    list_display = ["title", "host_department", "starts_at", "state", "is_public", "moderator"]
    list_filter = ["state", "is_public", "host_department"]
    search_fields = ["title"]
    filter_horizontal = ["officials"]
    readonly_fields = ["state", "last_seq"]
    inlines = [TransitionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["id", "dialogue", "state", "pinned", "votes", "case", "created_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in Question._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DialogueEvent)
class DialogueEventAdmin(admin.ModelAdmin):
    list_display = ["dialogue", "seq", "kind", "audience", "created_at"]
    list_filter = ["kind", "audience"]
    readonly_fields = [f.name for f in DialogueEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TopicProposal)
class TopicProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "votes", "department", "created_at"]
