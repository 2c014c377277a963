"""API output of reply quality (staff only: the views decide who gets it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Reply
from .selectors import QualityView, quality_of


class QualityReasonOutput(serializers.Serializer):
    code = serializers.CharField(
        help_text=(
            "low_relevance, points_missed, no_action, no_next_step, no_contact, no_policy, "
            "policy_unnamed or late."
        )
    )
    text = serializers.CharField(help_text="The reason in the reader's language.")
    missing_terms = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="low_relevance: key terms of the message the reply never mentions.",
    )
    points = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="points_missed: excerpts of the points not addressed.",
    )
    missed = serializers.IntegerField(required=False)
    total = serializers.IntegerField(required=False)
    days_used = serializers.FloatField(required=False)
    days_allowed = serializers.FloatField(required=False)


class ReplyQualityOutput(serializers.Serializer):
    """A reply's quality scores, each in [0, 1] (formula: classifier/reply_quality.py)."""

    overall = serializers.FloatField()
    weak = serializers.BooleanField(help_text="Flagged weak: a reviewer should look closely.")
    weak_by = serializers.ListField(
        child=serializers.CharField(),
        help_text="Scores under their threshold: overall, relevance, completeness, ….",
    )
    relevance = serializers.FloatField()
    completeness = serializers.FloatField()
    interpretability = serializers.FloatField()
    timeliness = serializers.FloatField(
        allow_null=True, help_text="Null when the reply clock was not running."
    )
    reasons = QualityReasonOutput(many=True)
    version = serializers.CharField()
    scored_at = serializers.DateTimeField(allow_null=True)


def quality_data(view: QualityView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    scores = {row.key: row.value for row in view.scores}
    return {
        "overall": view.overall,
        "weak": view.weak,
        "weak_by": view.weak_by,
        **scores,
        "reasons": view.reasons,
        "version": view.version,
        "scored_at": view.scored_at,
    }


def reply_quality_output(reply: Reply | None) -> dict[str, Any] | None:
    """The `quality` object of a reply for the API (None if not scored)."""
    data = quality_data(quality_of(reply))
    return None if data is None else dict(ReplyQualityOutput(data).data)


class QueueReplyOutput(serializers.Serializer):
    """The reply a review queue row is about, with its quality."""

    id = serializers.IntegerField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()
    quality = serializers.SerializerMethodField()

    @extend_schema_field(ReplyQualityOutput(allow_null=True))
    def get_quality(self, reply: Reply) -> dict[str, Any] | None:
        return reply_quality_output(reply)
