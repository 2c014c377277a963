"""Roll-up tables: the counts behind every insight figure, one row per day a case was received.

Every table is partitioned by `day`, the Beijing date its cases were received (`Case.created_at`),
which never changes: `rollups.recompute_days` deletes and rewrites all rows of the days it is
given, from the cases. `rollups.refresh` finds those days from the audit rows written since it
last ran. Nothing else writes here. See the package docstring for the design.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.organisation.models import Category, Department, Jurisdiction


class RollupState(models.Model):
    """The single row saying how far `rollups.refresh` has read the audit trail.

    `refresh` locks it (`select_for_update`) for the whole of a run, so runs never overlap.
    """

    last_event_id = models.BigIntegerField(default=0)
    # Audit row ids below `last_event_id` not seen yet: written by a transaction that had not
    # committed when they were passed (or rolled back). [[id, first seen, epoch seconds], ...]
    gaps = models.JSONField(default=list, blank=True)
    # The work calendar the working-day counts were computed with (overrides + package version).
    calendar_signature = models.CharField(max_length=64, blank=True)
    # When the last run started reading: every change committed before it is counted.
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roll-up state")

    def __str__(self) -> str:
        return f"rollups up to event {self.last_event_id}"


class FigureCounts(models.Model):
    """The counters of `performance.DepartmentFigures` that do not depend on the reading time.

    The "due" figures are `signed` / `answered` plus the `PendingDue` rows whose deadline has
    passed at the moment of reading.
    """

    day = models.DateField()
    received = models.PositiveIntegerField(default=0)
    signed = models.PositiveIntegerField(default=0)  # signed at all (the static part of sign_due)
    signed_on_time = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)  # replied/closed (static part of reply_due)
    replied_on_time = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    evaluations = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    double_satisfied = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    redone = models.PositiveIntegerField(default=0)
    extended = models.PositiveIntegerField(default=0)
    repeat = models.PositiveIntegerField(default=0)
    working_days_total = models.PositiveIntegerField(default=0)
    working_days_cases = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    misrouted = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


COUNT_FIELDS = (
    "received",
    "signed",
    "signed_on_time",
    "answered",
    "replied_on_time",
    "replied",
    "evaluations",
    "satisfied",
    "double_satisfied",
    "solved",
    "redone",
    "extended",
    "repeat",
    "working_days_total",
    "working_days_cases",
    "returned",
    "misrouted",
)


class DepartmentDay(FigureCounts):
    """Per day and lead department. `returned`, `misrouted` and `returned_away` count the cases
    of the day this department returned, wherever they went next (rows may hold only those)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    returned_away = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "department"], name="rollup_department_day")
        ]


class DistrictDay(FigureCounts):
    """Per day and the case's district (None: no district given). `cases` counts every case
    received, dispatched or not (the breakdowns and the trend); the figures count only the
    dispatched ones, like `performance.district_performance`; `returned` / `misrouted` are the
    cases' own (returned at least once / a return accepted)."""

    district = models.ForeignKey(
        Jurisdiction, null=True, on_delete=models.CASCADE, related_name="+"
    )
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "district"], name="rollup_district_day")
        ]


class CategoryDay(models.Model):
    """Cases received per day and category (None: not classified yet)."""

    day = models.DateField()
    category = models.ForeignKey(Category, null=True, on_delete=models.CASCADE, related_name="+")
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "category"], name="rollup_category_day")
        ]


class KindDay(models.Model):
    """Cases received per day and kind."""

    day = models.DateField()
    kind = models.CharField(max_length=20)
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "kind"], name="rollup_kind_day")]


class ReplyDay(models.Model):
    """Cases received on `day` whose (latest) reply was sent on `replied_day`, whatever their
    status now (the "replied" line of the trend)."""

    day = models.DateField()
    replied_day = models.DateField()
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "replied_day"], name="rollup_reply_day")
        ]
        indexes = [models.Index(fields=["replied_day"], name="rollup_reply_replied_idx")]


class ReplyQualityDay(models.Model):
    """Scored replies of the cases received on `day`, by the day the reply was drafted
    (`reply_day`) and the department that drafted it: the sums behind the reply-quality figures
    (`replyquality.selectors`). A mean is `<score>_sum / <score>_n` (a sub-score may be
    missing, as timeliness is without a deadline)."""

    day = models.DateField()
    reply_day = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    scored = models.PositiveIntegerField(default=0)
    weak = models.PositiveIntegerField(default=0)
    published_weak = models.PositiveIntegerField(default=0)
    overall_sum = models.FloatField(default=0)
    overall_n = models.PositiveIntegerField(default=0)
    relevance_sum = models.FloatField(default=0)
    relevance_n = models.PositiveIntegerField(default=0)
    completeness_sum = models.FloatField(default=0)
    completeness_n = models.PositiveIntegerField(default=0)
    interpretability_sum = models.FloatField(default=0)
    interpretability_n = models.PositiveIntegerField(default=0)
    timeliness_sum = models.FloatField(default=0)
    timeliness_n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "reply_day", "department"], name="rollup_reply_quality_day"
            )
        ]
        indexes = [models.Index(fields=["reply_day"], name="rollup_quality_reply_day_idx")]


class PendingDue(models.Model):
    """Dispatched cases received on `day` whose signing (`sign`) or reply (`reply`) becomes due
    when `deadline` passes without a write: still unsigned, or still with the department.
    Read with `deadline < now` they complete the "due" figures at any moment."""

    SIGN = "sign"
    REPLY = "reply"

    day = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(
        Jurisdiction, null=True, on_delete=models.CASCADE, related_name="+"
    )
    which = models.CharField(max_length=5)
    deadline = models.DateTimeField()
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "deadline"], name="rollup_pending_day_idx")]
