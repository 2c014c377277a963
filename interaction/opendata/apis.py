"""The open-government API: public statistics and the list of open-data files.

Public and read-only (anyone, no account), throttled like every anonymous read (the project's
default throttles, `backend/throttling.py`). Aggregates only: no case appears here.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..apis.common import errors
from ..errors import ValidationFailed
from ..insights.periods import PeriodError
from . import statistics, store


class PublicPeriodOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(statistics.PERIOD_KINDS))
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.DateField()
    end = serializers.DateField()
    complete = serializers.BooleanField(help_text="False while the period is still running.")


class PublicCountsOutput(serializers.Serializer):
    received = serializers.IntegerField()
    replied = serializers.IntegerField()
    reply_due = serializers.IntegerField()
    replied_on_time = serializers.IntegerField()
    evaluations = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    double_satisfied = serializers.IntegerField()
    solved = serializers.IntegerField()
    working_days_cases = serializers.IntegerField()


class PublicRatesOutput(serializers.Serializer):
    reply_rate = serializers.FloatField(allow_null=True)
    reply_on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    double_satisfaction_rate = serializers.FloatField(allow_null=True)
    solved_rate = serializers.FloatField(allow_null=True)
    avg_working_days = serializers.FloatField(allow_null=True)


class PublicUnitOutput(serializers.Serializer):
    id = serializers.IntegerField(source="key", allow_null=True)
    name = serializers.CharField()
    jurisdiction = serializers.CharField(allow_blank=True)
    rank = serializers.IntegerField(allow_null=True)
    not_ranked_reason = serializers.CharField(allow_blank=True)
    score = serializers.FloatField(allow_null=True)
    counts = PublicCountsOutput()
    rates = PublicRatesOutput()


class PublicStatisticsOutput(serializers.Serializer):
    period = PublicPeriodOutput()
    sorted_by = serializers.ChoiceField(choices=list(statistics.SORT_KEYS))
    minimum_cases = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())
    departments = PublicUnitOutput(many=True)
    districts = PublicUnitOutput(many=True)
    total = PublicUnitOutput()
    computed_at = serializers.DateTimeField()


def statistics_data(stats: statistics.PublicStatistics) -> dict[str, Any]:
    period = stats.period
    return {
        "period": {
            "kind": period.kind,
            "label": period.label,
            "start": period.period.start,
            "end": period.period.end,
            "complete": period.is_complete,
        },
        "sorted_by": stats.sort,
        "minimum_cases": stats.minimum,
        "notes": [statistics.minimum_note(stats.minimum), statistics.score_note()],
        "departments": stats.departments,
        "districts": stats.districts,
        "total": stats.total,
        "computed_at": stats.computed_at,
    }


class PublicStatisticsApi(APIView):
    """Public performance figures of every department and district (政务公开)."""

    permission_classes: Any = [AllowAny]

    @extend_schema(
        operation_id="public_statistics",
        summary="Public statistics per department and district",
        description=(
            "The public figures of every department and district for a month, a quarter or a "
            "year (the cases received in it): received, reply rate, closed on time, "
            "satisfaction, double satisfaction, actually solved, average working days, the "
            "composite score and the rank (only units with at least `minimum_cases` cases are "
            "ranked). Without parameters: the last complete month. Aggregates only."
        ),
        parameters=[
            OpenApiParameter("period", str, enum=list(statistics.PERIOD_KINDS)),
            OpenApiParameter(
                "date",
                OpenApiTypes.STR,
                description="A day (YYYY-MM-DD), month (YYYY-MM) or year (YYYY) in the period.",
            ),
            OpenApiParameter("sort", str, enum=list(statistics.SORT_KEYS)),
        ],
        responses={200: PublicStatisticsOutput, **errors(400, 429)},
        tags=["open data"],
    )
    def get(self, request: Request) -> Response:
        try:
            period = statistics.parse_public_period(
                request.query_params.get("period"), request.query_params.get("date")
            )
        except PeriodError as exc:
            raise ValidationFailed({"period": [str(exc)]}) from exc
        sort = request.query_params.get("sort") or "score"
        if sort not in statistics.SORT_KEYS:
            raise ValidationFailed({"sort": [_("Unknown figure.")]})
        stats = statistics.public_statistics(period=period, sort=sort)
        return Response(PublicStatisticsOutput(statistics_data(stats)).data)


class OpenDataFileOutput(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=list(store.KINDS))
    format = serializers.ChoiceField(choices=list(store.FORMATS))
    date = serializers.DateField()
    rows = serializers.IntegerField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    written_at = serializers.DateTimeField()
    url = serializers.CharField()


class OpenDataIndexApi(APIView):
    """The open-data files that can be downloaded."""

    permission_classes: Any = [AllowAny]

    @extend_schema(
        operation_id="open_data_files",
        summary="Open-data files",
        description=(
            "Every file of the open-data directory: the published cases of a day and the "
            "statistics of the month up to that day, as CSV (UTF-8 with BOM) and JSON, newest "
            "first, each with its size, record count, SHA-256 and download address. The fields "
            "are documented on the open-data page."
        ),
        responses={200: OpenDataFileOutput(many=True), **errors(429)},
        tags=["open data"],
    )
    def get(self, request: Request) -> Response:
        rows = [
            {
                **entry.__dict__,
                "url": request.build_absolute_uri(
                    reverse("frontend:open-data-file", args=[entry.name])
                ),
            }
            for entry in store.read_index()
        ]
        return Response(OpenDataFileOutput(rows, many=True).data)
