"""Output serializers shared by the API views (input serializers live beside their view).

What a reader may see is decided before serializing (`permissions`, `common.Viewer`) and passed
in the context; serializers only leave out what the context says is hidden.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.organisation.models import Category, Department, Jurisdiction

from ..models import (
    Attachment,
    Case,
    CaseEvent,
    Evaluation,
    ExtensionRequest,
    InfoRequest,
    Notification,
    Reply,
    Satisfaction,
)
from ..privacy.selectors import ListMasker, masked_case_text
from ..replyquality.serializers import (
    QueueReplyOutput,
    ReplyQualityOutput,
    reply_quality_output,
)
from ..states import CLOCK_RUNNING_STATUSES


class RequiredBooleanField(serializers.BooleanField):
    """A yes/no the client must send. DRF reads a boolean missing from form data as False (an
    unticked checkbox), so a form-encoded request without it would silently mean "no"; here it
    is "this field is required", as in JSON."""

    default_empty_html = serializers.empty


class SatisfactionField(serializers.ChoiceField):
    """A rating (attitude or result): one named schema, `SatisfactionEnum`, for both."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Satisfaction.choices, **kwargs)


class SatisfactionFieldExtension(OpenApiSerializerFieldExtension):
    """Without it drf-spectacular names the same choices twice (AttitudeEnum, ResultEnum) and
    warns; a component registered here keeps one name without touching the settings."""

    target_class = SatisfactionField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        component = ResolvedComponent(
            name="SatisfactionEnum",
            type=ResolvedComponent.SCHEMA,
            object="SatisfactionEnum",
            schema={
                "type": "string",
                "enum": list(Satisfaction.values),
                "description": "\n".join(f"* `{v}` - {label}" for v, label in Satisfaction.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


def is_overdue(case: Case, now: Any = None) -> bool:
    now = now or timezone.now()
    return bool(
        case.status in CLOCK_RUNNING_STATUSES
        and case.reply_deadline is not None
        and case.reply_deadline < now
    )


# --- reference data -----------------------------------------------------------------------------


class CategoryRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent"]


class DepartmentRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class JurisdictionRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["id", "code", "name", "level"]


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent", "description"]


class DepartmentOutput(serializers.ModelSerializer):
    jurisdiction = JurisdictionRefOutput()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "jurisdiction", "parent", "phone"]


class JurisdictionOutput(serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["id", "code", "name", "level", "parent"]


# --- cases ----------------------------------------------------------------------------------------


class ContactOutput(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


def _contact(case: Case) -> dict[str, str]:
    return {"name": case.contact_name, "phone": case.contact_phone}


class CaseListItemOutput(serializers.ModelSerializer):
    """One row of a list. `contact` is null for readers who may not know who wrote
    (context `viewer`: a `common.Viewer`)."""

    status_label = serializers.CharField(source="get_status_display")
    category = CategoryRefOutput(allow_null=True)
    lead_department = DepartmentRefOutput(allow_null=True)
    district = JurisdictionRefOutput(allow_null=True)
    overdue = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "tracking_no",
            "subject",
            "kind",
            "urgency",
            "status",
            "status_label",
            "category",
            "lead_department",
            "district",
            "created_at",
            "reply_deadline",
            "replied_at",
            "overdue",
            "is_problem",
            "supervision_level",
            "is_published",
            "contact",
        ]

    def get_overdue(self, case: Case) -> bool:
        return is_overdue(case, self.context.get("now"))

    @extend_schema_field(ContactOutput(allow_null=True))
    def get_contact(self, case: Case) -> dict[str, str] | None:
        viewer = self.context["viewer"]
        return _contact(case) if viewer.sees_identity(case) else None

    def to_representation(self, case: Case) -> dict[str, Any]:
        # Readers without private access get the masked subject (privacy.masking).
        data = super().to_representation(case)
        context = cast(dict[str, Any], self.context)
        if not context["viewer"].sees_private_details(case):
            hide = context.get("_masker")
            if hide is None:
                page = getattr(self.parent, "instance", None) or [case]
                hide = context["_masker"] = ListMasker(page)
            data["subject"] = hide(case, case.subject)
        return data


class ReviewItemOutput(CaseListItemOutput):
    """A row of a queue of replies to judge (approvals, reviews): the case and its current reply
    with the reply's quality (staff queues only). Context `current_replies`: reply by case id."""

    reply = serializers.SerializerMethodField()

    class Meta(CaseListItemOutput.Meta):
        fields = [*CaseListItemOutput.Meta.fields, "reply"]

    @extend_schema_field(QueueReplyOutput(allow_null=True))
    def get_reply(self, case: Case) -> dict[str, Any] | None:
        reply = self.context.get("current_replies", {}).get(case.pk)
        return None if reply is None else dict(QueueReplyOutput(reply).data)


class AttachmentOutput(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "created_at"]


class ReplyOutput(serializers.ModelSerializer):
    """A reply. `quality` only for staff (context `full`); null for everyone else."""

    state_label = serializers.CharField(source="get_state_display")
    department = DepartmentRefOutput()
    quality = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = [
            "id",
            "stage_no",
            "body",
            "state",
            "state_label",
            "department",
            "note",
            "created_at",
            "published_at",
            "quality",
        ]

    @extend_schema_field(ReplyQualityOutput(allow_null=True))
    def get_quality(self, reply: Reply) -> dict[str, Any] | None:
        if not self.context.get("full"):
            return None
        return reply_quality_output(reply)


class EventOutput(serializers.ModelSerializer):
    """A timeline entry. `actor` (a person's name) only on the staff's full timeline."""

    action_label = serializers.CharField()
    actor = serializers.SerializerMethodField()
    department = serializers.CharField(source="department.name", default=None, allow_null=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "actor_role",
            "department",
            "reason",
            "is_public",
            "created_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: CaseEvent) -> str | None:
        if not self.context.get("full") or event.actor is None:
            return None
        return str(event.actor)


class EvaluationOutput(serializers.ModelSerializer):
    attitude = SatisfactionField()
    result = SatisfactionField()

    class Meta:
        model = Evaluation
        fields = ["stage_no", "attitude", "result", "solved", "comment", "created_at"]


class InfoRequestOutput(serializers.ModelSerializer):
    class Meta:
        model = InfoRequest
        fields = ["id", "stage_no", "question", "answer", "asked_at", "answered_at"]


class ProgressOutput(serializers.Serializer):
    used_days = serializers.FloatField()
    left_days = serializers.FloatField()
    total_days = serializers.IntegerField()
    overdue = serializers.BooleanField()


class DayOutput(serializers.Serializer):
    date = serializers.DateField()
    is_workday = serializers.BooleanField()
    name = serializers.CharField(help_text="Holiday name, when the day is one.")
    source = serializers.CharField(help_text="override, official or fallback.")  # type: ignore[assignment]


class ExplanationOutput(serializers.Serializer):
    start = serializers.DateField(help_text="The day the clock started (not counted).")
    deadline = serializers.DateField()
    limit_days = serializers.IntegerField()
    extension_days = serializers.IntegerField()
    paused_days = serializers.IntegerField()
    total_days = serializers.IntegerField()
    counted_days = serializers.IntegerField()
    unofficial = serializers.BooleanField(
        help_text="True when a day rests on the fallback calendar (year not yet published)."
    )
    skipped = DayOutput(many=True, help_text="Days off skipped by the clock, with their names.")


class DeadlineOutput(serializers.Serializer):
    sign_deadline = serializers.DateTimeField(allow_null=True)
    reply_deadline = serializers.DateTimeField(allow_null=True)
    progress = ProgressOutput(allow_null=True)
    explanation = ExplanationOutput(allow_null=True)


class CaseDetailOutput(serializers.ModelSerializer):
    """A case as its reader may see it. The view computes (context):

    `identity` — may know who wrote; `private` — may see the unpublished parts;
    `full` — staff: the whole timeline and every reply, drafts included;
    `timeline`, `replies`, `deadline`, `actions` — already chosen for this reader.
    """

    status_label = serializers.CharField(source="get_status_display")
    kind_label = serializers.CharField(source="get_kind_display")
    category = CategoryRefOutput(allow_null=True)
    lead_department = DepartmentRefOutput(allow_null=True)
    assisting_departments = DepartmentRefOutput(many=True)
    district = JurisdictionRefOutput(allow_null=True)
    street = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    merged_into = serializers.CharField(
        source="merged_into.tracking_no", default=None, allow_null=True
    )
    overdue = serializers.SerializerMethodField()
    replies = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    evaluations = serializers.SerializerMethodField()
    info_requests = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "tracking_no",
            "subject",
            "body",
            "kind",
            "kind_label",
            "urgency",
            "status",
            "status_label",
            "category",
            "lead_department",
            "assisting_departments",
            "district",
            "street",
            "address",
            "contact",
            "allow_publish",
            "keep_identity_secret",
            "attachments",
            "stage_no",
            "created_at",
            "signed_at",
            "replied_at",
            "closed_at",
            "closure_reason",
            "merged_into",
            "is_published",
            "is_problem",
            "supervision_level",
            "overdue",
            "deadline",
            "replies",
            "evaluations",
            "info_requests",
            "timeline",
            "actions",
        ]

    def _private(self) -> bool:
        return bool(self.context.get("private"))

    @extend_schema_field(JurisdictionRefOutput(allow_null=True))
    def get_street(self, case: Case) -> dict[str, Any] | None:
        if not self._private() or case.street is None:
            return None
        return JurisdictionRefOutput(case.street).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_address(self, case: Case) -> str | None:
        return case.address if self._private() else None

    @extend_schema_field(ContactOutput(allow_null=True))
    def get_contact(self, case: Case) -> dict[str, str] | None:
        return _contact(case) if self.context.get("identity") else None

    @extend_schema_field(AttachmentOutput(many=True))
    def get_attachments(self, case: Case) -> list[Any]:
        if not self._private():
            return []
        return list(AttachmentOutput(case.attachments.all(), many=True).data)

    def get_overdue(self, case: Case) -> bool:
        return is_overdue(case)

    @extend_schema_field(ReplyOutput(many=True))
    def get_replies(self, case: Case) -> list[Any]:
        return list(ReplyOutput(self.context["replies"], many=True, context=self.context).data)

    @extend_schema_field(EventOutput(many=True))
    def get_timeline(self, case: Case) -> list[Any]:
        return list(EventOutput(self.context["timeline"], many=True, context=self.context).data)

    @extend_schema_field(EvaluationOutput(many=True))
    def get_evaluations(self, case: Case) -> list[Any]:
        if not self._private():
            return []
        return list(EvaluationOutput(case.evaluations.order_by("stage_no"), many=True).data)

    @extend_schema_field(InfoRequestOutput(many=True))
    def get_info_requests(self, case: Case) -> list[Any]:
        if not self._private():
            return []
        return list(InfoRequestOutput(case.info_requests.order_by("asked_at"), many=True).data)

    @extend_schema_field(DeadlineOutput)
    def get_deadline(self, case: Case) -> dict[str, Any]:
        return dict(DeadlineOutput(self.context["deadline"]).data)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="Action endpoints this reader may call now, e.g. 'sign', 'draft-reply'.",
        )
    )
    def get_actions(self, case: Case) -> list[str]:
        return list(self.context["actions"])

    def to_representation(self, case: Case) -> dict[str, Any]:
        # Readers without private access get masked text (privacy.masking).
        data = super().to_representation(case)
        if self._private():
            return data
        text = masked_case_text(case, events=self.context["timeline"])
        data.update(subject=text.subject, body=text.body, closure_reason=text.closure_reason)
        for reply in data["replies"]:
            reply["body"] = text.replies.get(reply["id"], "")
        for event in data["timeline"]:
            event["reason"] = text.reasons.get(event["id"], "")
        return data


class SubmitOutput(serializers.Serializer):
    tracking_no = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    access_token = serializers.CharField(
        allow_null=True,
        help_text="Anonymous writers only: the secret that opens the case (keep it private).",
    )
    private_link = serializers.CharField(
        allow_null=True, help_text="Anonymous writers only: the case's link with its token."
    )


class ActionResultOutput(serializers.ModelSerializer):
    """What an action endpoint answers: the case's new state."""

    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = Case
        fields = [
            "tracking_no",
            "status",
            "status_label",
            "stage_no",
            "reply_deadline",
            "updated_at",
        ]


class ExtensionOutput(serializers.ModelSerializer):
    tracking_no = serializers.CharField(source="case.tracking_no")
    department = DepartmentRefOutput()
    requested_by = serializers.CharField(source="requested_by.display_name")
    decision_label = serializers.CharField(source="get_decision_display")

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "tracking_no",
            "stage_no",
            "department",
            "days_requested",
            "reason",
            "requested_by",
            "decision",
            "decision_label",
            "days_granted",
            "decision_note",
            "created_at",
            "decided_at",
        ]


class NotificationOutput(serializers.ModelSerializer):
    tracking_no = serializers.CharField(source="case.tracking_no", default=None, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "text", "tracking_no", "created_at", "read_at"]


class DepartmentLoadOutput(serializers.Serializer):
    department_id = serializers.IntegerField(source="lead_department_id")
    department = serializers.CharField(source="lead_department__name")
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    at_risk = serializers.IntegerField()


class BoardOutput(serializers.Serializer):
    overdue_by_department = DepartmentLoadOutput(many=True)
    overdue = CaseListItemOutput(many=True)
    at_risk = CaseListItemOutput(many=True)
    problem = CaseListItemOutput(many=True)
    pending_extensions = ExtensionOutput(many=True)
