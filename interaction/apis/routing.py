"""Routing accuracy of the automatic dispatch, for administrators."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Role

from ..insights_routing import routing_accuracy
from .common import ensure_role, errors


class RoutingAccuracyInput(serializers.Serializer):
    days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=3660,
        help_text="Only cases created in the last `days` days (default: all).",
    )


class AccuracyRowOutput(serializers.Serializer):
    key = serializers.CharField(help_text="Category id or model version ('' if none).")
    name = serializers.CharField(source="label", help_text="Category or model version name.")
    total = serializers.IntegerField(help_text="Auto-dispatched cases.")
    moved = serializers.IntegerField(help_text="Of those, returned or moved afterwards.")
    returned = serializers.IntegerField(help_text="Returned by a department (退回).")
    redirected = serializers.IntegerField(
        help_text="Moved by a dispatcher: re-dispatched elsewhere or category corrected."
    )
    moved_share = serializers.FloatField(allow_null=True)
    accuracy = serializers.FloatField(allow_null=True)


class RoutingAccuracyOutput(serializers.Serializer):
    since = serializers.DateTimeField(allow_null=True)
    overall = AccuracyRowOutput()
    by_category = AccuracyRowOutput(many=True)
    by_model = AccuracyRowOutput(many=True)


class RoutingAccuracyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="routing_accuracy",
        summary="Share of auto-dispatched cases later returned or moved (administrators)",
        parameters=[RoutingAccuracyInput],
        responses={200: RoutingAccuracyOutput, **errors(400, 401, 403)},
        tags=["insights"],
    )
    def get(self, request: Request) -> Response:
        ensure_role(request, Role.ADMIN)
        query = RoutingAccuracyInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data.get("days")
        since = timezone.now() - dt.timedelta(days=days) if days else None
        return Response(RoutingAccuracyOutput(routing_accuracy(since)).data)
