"""The mayor's mailbox: cases and everything that happens to them."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.organisation.models import Category, Department, Jurisdiction

from .states import Action, Status


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    REPORT = "report", _("Report")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


class Case(models.Model):
    """A citizen's message and its handling (工单)."""

    tracking_no = models.CharField(_("tracking number"), max_length=20, unique=True)
    access_token = models.CharField(max_length=64, default=new_access_token, editable=False)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("citizen"),
    )
    contact_name = models.CharField(_("name"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=100)
    body = models.TextField(_("message"))
    district = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("street"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    allow_publish = models.BooleanField(_("may be published"), default=True)
    keep_identity_secret = models.BooleanField(
        _("keep my identity from the department"), default=False
    )

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SUBMITTED,
        editable=False,
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("category"),
    )
    lead_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_cases",
        verbose_name=_("lead department"),
    )
    assisting_departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="assisting_cases",
        verbose_name=_("assisting departments"),
    )

    # What the classifier said at intake (its decision is kept even when a dispatcher corrects).
    predicted_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    prediction_confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    auto_dispatched = models.BooleanField(default=False)
    # True once a dispatcher chose or confirmed the category: such cases are training labels.
    category_confirmed = models.BooleanField(default=False)
    routing_note = models.CharField(max_length=200, blank=True)

    # Deadlines (working days). Stored so supervision and lists can filter on them with indexes;
    # `interaction.deadlines` is the only code that computes them.
    stage_no = models.PositiveSmallIntegerField(default=1)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    clock_started_at = models.DateTimeField(null=True, blank=True)
    limit_days = models.PositiveSmallIntegerField(default=0)
    extension_days = models.PositiveSmallIntegerField(default=0)
    paused_days = models.PositiveSmallIntegerField(default=0)
    sign_deadline = models.DateTimeField(null=True, blank=True)
    reply_deadline = models.DateTimeField(_("reply deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    notice_at = models.DateTimeField(null=True, blank=True)
    criticism_at = models.DateTimeField(null=True, blank=True)
    calendar_unofficial = models.BooleanField(default=False)
    supervision_level = models.PositiveSmallIntegerField(default=0)

    return_count = models.PositiveSmallIntegerField(default=0)
    redo_count = models.PositiveSmallIntegerField(default=0)
    is_problem = models.BooleanField(_("problem case"), default=False)

    signed_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(_("closure reason"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_cases",
    )
    is_published = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["lead_department", "status"]),
            models.Index(fields=["citizen", "created_at"]),
            # The hourly limit of anonymous writers counts their recent cases by phone.
            models.Index(fields=["contact_phone", "created_at"], name="case_phone_recent_idx"),
            models.Index(fields=["is_published", "replied_at"]),
            # Supervision scans only open cases whose next threshold has passed.
            models.Index(
                fields=["supervision_level", "warn_at"],
                name="case_supervision_idx",
                condition=models.Q(
                    status__in=[
                        "dispatched",
                        "signed",
                        "handling",
                        "returned",
                        "reply_drafted",
                        "reply_approved",
                    ]
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_no} {self.subject}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("frontend:case-detail", args=[self.tracking_no])


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never keep the uploaded name on disk: a random name, the checked extension.
    return f"attachments/{instance.case_id}/{secrets.token_hex(12)}{instance.extension}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def extension(self) -> str:
        return {
            "image/jpeg": ".jpg",
            "image/png": ".png",
            "image/gif": ".gif",
            "image/webp": ".webp",
            "application/pdf": ".pdf",
        }.get(self.content_type, ".bin")


class ImmutableError(Exception):
    pass


class CaseEvent(models.Model):
    """The audit trail: one row per status change and per significant act. Never edited."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(max_length=20)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("The audit trail cannot be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("The audit trail cannot be deleted.")

    @property
    def action_label(self) -> str:
        try:
            return str(Action(self.action).label)
        except ValueError:
            return str(EVENT_LABELS.get(self.action, self.action))


# Audit rows that are not status changes.
EVENT_LABELS = {
    "submitted": _("Message received"),
    "classified": _("Classified"),
    "extension_requested": _("Extension requested"),
    "extension_granted": _("Extension granted"),
    "extension_denied": _("Extension denied"),
    "deadline_recomputed": _("Deadline recomputed"),
    "supervision": _("Supervision"),
    "problem_case": _("Escalated as a problem case"),
    "published": _("Published"),
    "recategorised": _("Category corrected"),
}


class Reply(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Awaiting approval")
        APPROVED = "approved", _("Approved by the department")
        PUBLISHED = "published", _("Sent")
        SENT_BACK = "sent_back", _("Sent back")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies")
    stage_no = models.PositiveSmallIntegerField(default=1)
    body = models.TextField(_("reply"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    # Reply quality (`interaction.replyquality`), scored when the reply is drafted; staff only.
    # All None (and `quality_weak` None) until scored. `quality_detail`: {"reasons": [{"code":
    # …, details …}], "weak_by": ["overall", …]} as `classifier.reply_quality` gives them.
    quality_relevance = models.FloatField(null=True, blank=True)
    quality_completeness = models.FloatField(null=True, blank=True)
    quality_interpretability = models.FloatField(null=True, blank=True)
    quality_timeliness = models.FloatField(null=True, blank=True)
    quality_overall = models.FloatField(_("reply quality"), null=True, blank=True)
    quality_weak = models.BooleanField(_("weak reply"), null=True, blank=True)
    quality_detail = models.JSONField(default=dict, blank=True)
    quality_version = models.CharField(max_length=12, blank=True)
    quality_scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # Per-department reply quality over a period (leader's dashboard).
            models.Index(fields=["department", "created_at"], name="reply_dept_created_idx")
        ]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Evaluation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluations")
    stage_no = models.PositiveSmallIntegerField()
    attitude = models.CharField(_("attitude"), max_length=12, choices=Satisfaction.choices)
    result = models.CharField(_("result"), max_length=12, choices=Satisfaction.choices)
    solved = models.BooleanField(_("was it solved?"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "stage_no"], name="one_evaluation_per_stage")
        ]


class ReturnReason(models.TextChoices):
    TERRITORY = "territory", _("Not our territory (属地)")
    FUNCTION = "function", _("Not our function (职能)")
    OWNERSHIP = "ownership", _("Not our property or title (权属)")


class ReturnRequest(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="return_requests")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    reason_code = models.CharField(_("reason"), max_length=12, choices=ReturnReason.choices)
    reason_text = models.TextField(_("explanation"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)


class ExtensionRequest(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        DENIED = "denied", _("Denied")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    stage_no = models.PositiveSmallIntegerField()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    days_requested = models.PositiveSmallIntegerField(_("working days requested"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    days_granted = models.PositiveSmallIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(decision="pending"),
                name="one_pending_extension_per_case",
            )
        ]


class InfoRequest(models.Model):
    """补充材料: the department asks the citizen; the clock stops until the answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="info_requests")
    stage_no = models.PositiveSmallIntegerField()
    question = models.TextField(_("what is needed"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)


class SupervisionLevel(models.IntegerChoices):
    NONE = 0, _("None")
    WARNING = 1, _("Warning (预警)")
    REMINDER = 2, _("Reminder (催办)")
    NOTICE = 3, _("Supervision notice (督办通知书)")
    CRITICISM = 4, _("Public criticism (通报)")


class SupervisionNotice(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervision_notices")
    stage_no = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField(choices=SupervisionLevel.choices)
    department = models.ForeignKey(
        Department, null=True, on_delete=models.PROTECT, related_name="supervision_notices"
    )
    document_no = models.CharField(max_length=30, blank=True)
    deadline = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage_no", "level"], name="one_notice_per_level_and_stage"
            )
        ]


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    verb = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]


class DeadlinePolicy(models.Model):
    """Time limits in working days per kind and urgency (configurable in the admin)."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    sign_days = models.PositiveSmallIntegerField(_("days to sign"), default=1)
    reply_days = models.PositiveSmallIntegerField(_("days to reply"))

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.UniqueConstraint(fields=["kind", "urgency"], name="unique_deadline_policy")
        ]


class PlatformSettings(models.Model):
    """Single row of platform-wide settings, editable in the admin."""

    review_days = models.PositiveSmallIntegerField(_("days to review a reply"), default=1)
    evaluation_days = models.PositiveSmallIntegerField(
        _("days the citizen has to evaluate"), default=7
    )
    auto_dispatch_threshold = models.FloatField(
        _("auto-dispatch confidence"),
        null=True,
        blank=True,
        help_text=_(
            "Messages classified with at least this confidence are dispatched "
            "automatically. Empty: the threshold chosen when the model was trained "
            "(97 % precision on the training data)."
        ),
    )
    problem_case_threshold = models.PositiveSmallIntegerField(
        _("returns or redos before a case is a problem case"), default=3
    )
    warning_ratio = models.FloatField(_("share of the limit used before a warning"), default=0.8)
    criticism_after_days = models.PositiveSmallIntegerField(
        _("working days after the notice before public criticism"), default=5
    )

    class Meta:
        verbose_name = _("platform settings")
        verbose_name_plural = _("platform settings")

    @classmethod
    def load(cls) -> PlatformSettings:
        """The settings row (created with the defaults on first use; cached briefly)."""
        from backend.refcache import cached

        def loader() -> PlatformSettings:
            obj, _created = cls.objects.get_or_create(pk=1)
            return obj

        return cached("platform_settings", loader)


from .dialogue.models import *  # noqa: E402,F401,F403
from .open311.models import *  # noqa: E402,F401,F403
from .privacy.models import *  # noqa: E402,F401,F403
