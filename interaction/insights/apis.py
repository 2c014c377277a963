"""The insights API: performance, trends, inequality, the report workbook. Leaders, supervisors
and admins only (403 for anyone else). Periods as in the dashboard: `period=week|month|year|
custom`, `start`, `end` (YYYY-MM-DD); with `start` and `end` alone the period is custom."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Role
from backend.organisation.models import Jurisdiction
from backend.schema import ALLOW_EMPTY

from ..apis.common import ensure_role, errors
from ..errors import ValidationFailed
from . import inequality, performance, ranking, report, rollups, trends
from .periods import Period, PeriodError, parse_period

INSIGHT_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)

# Every query parameter may be sent empty (as a GET form does): empty means its default.
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "period", str, enum=["week", "month", "year", "custom"], extensions=ALLOW_EMPTY
    ),
    OpenApiParameter("start", OpenApiTypes.DATE, extensions=ALLOW_EMPTY),
    OpenApiParameter("end", OpenApiTypes.DATE, extensions=ALLOW_EMPTY),
]


def _period(request: Request) -> Period:
    try:
        _kind, period = parse_period(
            request.query_params.get("period"),
            request.query_params.get("start"),
            request.query_params.get("end"),
        )
    except PeriodError as exc:
        raise ValidationFailed({"period": [str(exc)]}) from exc
    return period


class PeriodOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class FiguresOutput(serializers.Serializer):
    id = serializers.IntegerField(source="key", allow_null=True)
    name = serializers.CharField()
    jurisdiction = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    not_ranked_reason = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = serializers.DictField(child=serializers.FloatField(allow_null=True))


class PerformanceOutput(serializers.Serializer):
    period = PeriodOutput()
    figures_as_of = serializers.DateTimeField(
        allow_null=True, help_text="The figures count every change made before this moment."
    )
    ranked_by = serializers.CharField()
    minimum_cases = serializers.IntegerField()
    departments = FiguresOutput(many=True)
    districts = FiguresOutput(many=True)
    total = FiguresOutput()


def _figures(row: performance.DepartmentFigures, result: ranking.Ranking | None) -> dict:
    ranks = {id(r.figures): r.rank for r in result.ranked} if result else {}
    reasons = {id(n.figures): n.reason for n in result.not_ranked} if result else {}
    return {
        "key": row.key,
        "name": row.name,
        "jurisdiction": row.jurisdiction,
        "rank": ranks.get(id(row)),
        "not_ranked_reason": reasons.get(id(row), ""),
        "score": ranking.score(row),
        "counts": row.counts(),
        "rates": row.rates(),
    }


class PerformanceApi(APIView):
    """Department (and district) performance for a period, ranked."""

    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="Department performance (考核)",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "jurisdiction",
                int,
                description="Only departments of it.",
                extensions=ALLOW_EMPTY,
            ),
            OpenApiParameter("rank_by", str, enum=list(ranking.RANK_KEYS), extensions=ALLOW_EMPTY),
        ],
        responses={200: PerformanceOutput, **errors(400, 403)},
        tags=["insights"],
    )
    @rollups.fresh_reads
    def get(self, request: Request) -> Response:
        ensure_role(request, *INSIGHT_ROLES)
        period = _period(request)
        jurisdiction = None
        raw = request.query_params.get("jurisdiction")
        if raw:
            jurisdiction = Jurisdiction.objects.filter(pk=raw).first() if raw.isdigit() else None
            if jurisdiction is None:
                raise ValidationFailed({"jurisdiction": [_("Unknown jurisdiction.")]})
        by = request.query_params.get("rank_by") or "score"
        if by not in ranking.RANK_KEYS:
            raise ValidationFailed({"rank_by": [_("Unknown figure.")]})
        rows = performance.department_performance(
            start=period.start, end=period.end, jurisdiction=jurisdiction
        )
        districts = performance.district_performance(start=period.start, end=period.end)
        dept_rank = ranking.rank(rows, by=by)
        district_rank = ranking.rank(districts, by=by)
        data = {
            "period": {"start": period.start, "end": period.end},
            "figures_as_of": rollups.figures_as_of(),
            "ranked_by": by,
            "minimum_cases": dept_rank.minimum,
            "departments": [_figures(r, dept_rank) for r in rows],
            "districts": [_figures(r, district_rank) for r in districts],
            "total": _figures(performance.totals(rows), None),
        }
        return Response(PerformanceOutput(data).data)


class BucketOutput(serializers.Serializer):
    start = serializers.DateField()
    received = serializers.IntegerField()
    replied = serializers.IntegerField()


class CountOutput(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    cases = serializers.IntegerField()


class TrendsOutput(serializers.Serializer):
    period = PeriodOutput()
    figures_as_of = serializers.DateTimeField(
        allow_null=True, help_text="The figures count every change made before this moment."
    )
    granularity = serializers.CharField()
    buckets = BucketOutput(many=True)
    by_category = CountOutput(many=True)
    by_kind = CountOutput(many=True)
    by_district = CountOutput(many=True)


def _counts(rows: list[tuple[Any, str, int]]) -> list[dict[str, Any]]:
    return [
        {"id": None if key is None else str(key), "name": name, "cases": n} for key, name, n in rows
    ]


class TrendsApi(APIView):
    """Cases received and replied over time, and by category, kind and district."""

    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="Trends and breakdowns",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "granularity", str, enum=list(trends.GRANULARITIES), extensions=ALLOW_EMPTY
            ),
        ],
        responses={200: TrendsOutput, **errors(400, 403)},
        tags=["insights"],
    )
    @rollups.fresh_reads
    def get(self, request: Request) -> Response:
        ensure_role(request, *INSIGHT_ROLES)
        period = _period(request)
        granularity = request.query_params.get("granularity") or trends.granularity_for(period)
        if granularity not in trends.GRANULARITIES:
            raise ValidationFailed({"granularity": [_("Choose day, week or month.")]})
        data = {
            "period": {"start": period.start, "end": period.end},
            "figures_as_of": rollups.figures_as_of(),
            "granularity": granularity,
            "buckets": [
                {"start": b.start, "received": b.received, "replied": b.replied}
                for b in trends.trend(period=period, granularity=granularity)
            ],
            "by_category": _counts(trends.by_category(period=period)),
            "by_kind": _counts(trends.by_kind(period=period)),
            "by_district": _counts(trends.by_district(period=period)),
        }
        return Response(TrendsOutput(data).data)


class InequalityOutput(serializers.Serializer):
    measure = serializers.CharField()
    gini = serializers.FloatField()
    units = serializers.ListField(child=serializers.ListField())
    left_out = serializers.ListField(child=serializers.CharField())
    lorenz = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))


class GiniOutput(serializers.Serializer):
    period = PeriodOutput()
    figures_as_of = serializers.DateTimeField(
        allow_null=True, help_text="The figures count every change made before this moment."
    )
    departments = InequalityOutput()
    districts = InequalityOutput()


class GiniApi(APIView):
    """Inequality of responsiveness: Gini coefficient and Lorenz curve."""

    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="Gini coefficient of responsiveness",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "measure", str, enum=list(inequality.MEASURES), extensions=ALLOW_EMPTY
            ),
        ],
        responses={200: GiniOutput, **errors(400, 403)},
        tags=["insights"],
    )
    @rollups.fresh_reads
    def get(self, request: Request) -> Response:
        ensure_role(request, *INSIGHT_ROLES)
        period = _period(request)
        measure = request.query_params.get("measure") or "reply_rate"
        if measure not in inequality.MEASURES:
            raise ValidationFailed(
                {"measure": [_("Choose the reply rate or the working days to reply.")]}
            )
        depts = performance.department_performance(start=period.start, end=period.end)
        districts = performance.district_performance(start=period.start, end=period.end)

        def out(rows: list[performance.DepartmentFigures]) -> dict[str, Any]:
            result = inequality.responsiveness_inequality(rows, measure=measure)
            return {
                "measure": result.measure,
                "gini": result.gini,
                "units": [list(u) for u in result.units],
                "left_out": result.left_out,
                "lorenz": [list(p) for p in result.lorenz],
            }

        data = {
            "period": {"start": period.start, "end": period.end},
            "figures_as_of": rollups.figures_as_of(),
            "departments": out(depts),
            "districts": out(districts),
        }
        return Response(GiniOutput(data).data)


class ReportXlsxApi(APIView):
    """The weekly or monthly report as an Excel workbook."""

    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        operation_id="insights_report_xlsx",
        summary="Weekly/monthly report (.xlsx)",
        parameters=[
            OpenApiParameter("kind", str, enum=list(report.KINDS), extensions=ALLOW_EMPTY),
            OpenApiParameter(
                "date",
                OpenApiTypes.DATE,
                description="A day of the week/month.",
                extensions=ALLOW_EMPTY,
            ),
        ],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiResponse(OpenApiTypes.BINARY)
            ),
            **errors(400, 403),
        },
        tags=["insights"],
    )
    def get(self, request: Request) -> HttpResponse:
        ensure_role(request, *INSIGHT_ROLES)
        kind = request.query_params.get("kind") or "week"
        if kind not in report.KINDS:
            raise ValidationFailed({"kind": [_("Choose week or month.")]})
        day = None
        if request.query_params.get("date"):
            try:
                _k, period = parse_period(
                    "custom", request.query_params["date"], request.query_params["date"]
                )
            except PeriodError as exc:
                raise ValidationFailed({"date": [str(exc)]}) from exc
            day = period.start
        data = report.build_report(kind=kind, period=report.report_period(kind, day))
        response = HttpResponse(
            report.report_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{data.filename}.xlsx"'
        return response
