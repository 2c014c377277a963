"""The reply-quality figures per department, for leaders (GET /api/insights/reply-quality/)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Role
from backend.organisation.models import Jurisdiction

from ..apis.common import ensure_role, errors
from ..errors import ValidationFailed
from ..insights import rollups
from ..insights.periods import PeriodError, parse_period
from .selectors import (
    DepartmentQuality,
    Scope,
    department_reply_quality,
    reply_quality_total,
)

FIGURE_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)


class QualityPeriodOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class DepartmentQualityOutput(serializers.Serializer):
    id = serializers.IntegerField(source="key", allow_null=True)
    name = serializers.CharField()
    scored = serializers.IntegerField(help_text="Replies drafted in the period and scored.")
    weak = serializers.IntegerField(help_text="Of them, flagged weak.")
    weak_share = serializers.FloatField(allow_null=True)
    published_weak = serializers.IntegerField(
        help_text="Weak replies that were sent to the citizen all the same."
    )
    mean_overall = serializers.FloatField(allow_null=True)
    means = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Mean of each score: overall, relevance, completeness, interpretability, "
        "timeliness.",
    )


class ReplyQualityFiguresOutput(serializers.Serializer):
    period = QualityPeriodOutput()
    departments = DepartmentQualityOutput(many=True)
    total = DepartmentQualityOutput()


def _row(figures: DepartmentQuality) -> dict[str, Any]:
    return {
        "key": figures.key,
        "name": figures.name,
        "scored": figures.scored,
        "weak": figures.weak,
        "weak_share": figures.weak_share,
        "published_weak": figures.published_weak,
        "mean_overall": figures.mean_overall,
        "means": figures.means,
    }


class ReplyQualityApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Reply quality per department",
        description=(
            "Replies drafted in the period (every draft, sent back or not) and scored: mean "
            "scores in [0, 1], how many were flagged weak, and how many weak replies were sent "
            "all the same. Leaders, supervisors and admins only. Periods as in the insights API "
            "(`period=week|month|year|custom`, `start`, `end`); `jurisdiction` narrows to the "
            "departments of one jurisdiction."
        ),
        parameters=[
            OpenApiParameter("period", str, enum=["week", "month", "year", "custom"]),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter("jurisdiction", OpenApiTypes.INT),
        ],
        responses={200: ReplyQualityFiguresOutput, **errors(400, 403)},
        tags=["insights"],
    )
    @rollups.fresh_reads
    def get(self, request: Request) -> Response:
        ensure_role(request, *FIGURE_ROLES)
        params = request.query_params
        try:
            _kind, period = parse_period(
                params.get("period"), params.get("start"), params.get("end")
            )
        except PeriodError as exc:
            raise ValidationFailed({"period": [str(exc)]}) from exc
        jurisdiction = None
        if params.get("jurisdiction"):
            raw = params["jurisdiction"]
            jurisdiction = (
                Jurisdiction.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            )
            if jurisdiction is None:
                raise ValidationFailed({"jurisdiction": [_("No such jurisdiction.")]})
        scope = Scope(period.start, period.end, jurisdiction)
        data = {
            "period": {"start": period.start, "end": period.end},
            "departments": [_row(r) for r in department_reply_quality(scope)],
            "total": _row(reply_quality_total(scope, name=_("All departments"))),
        }
        return Response(ReplyQualityFiguresOutput(data).data)
