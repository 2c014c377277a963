"""The signed-in user's notifications."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.schema import ALLOW_EMPTY

from .. import selectors
from ..models import Notification
from ..services.notifications import notifications_mark_read
from .common import Pagination, errors, query_flag, request_user
from .serializers import NotificationOutput


class NotificationListApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutput
    pagination_class = Pagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        user = request_user(self.request)
        if user is None:
            return Notification.objects.none()
        rows = selectors.notifications_for(user=user)
        if query_flag(self.request, "unread", blank=False):
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(
        summary="My notifications, newest first",
        parameters=[
            OpenApiParameter(
                "unread", OpenApiTypes.BOOL, description="Only unread.", extensions=ALLOW_EMPTY
            )
        ],
        responses={200: NotificationOutput(many=True), **errors(403)},
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Mark one of my notifications as read",
        request=None,
        responses={200: NotificationOutput, **errors(403, 404)},
        tags=["notifications"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        assert user is not None
        if not selectors.notifications_for(user=user).filter(pk=pk).exists():
            raise NotFound()
        notifications_mark_read(user=user, ids=[pk])
        note = selectors.notifications_for(user=user).get(pk=pk)
        return Response(NotificationOutput(note).data)
