"""The work lists of each role and the supervisor's board."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.schema import ALLOW_EMPTY

from .. import selectors
from ..filters import CaseFilter
from ..models import Case
from ..replyquality.selectors import current_replies_for
from .common import (
    Pagination,
    Viewer,
    ensure_role,
    errors,
    query_flag,
    request_user,
    with_viewer_prefetch,
)
from .serializers import BoardOutput, CaseListItemOutput, ExtensionOutput, ReviewItemOutput

BOARD_ROWS = 50


class QueueApi(GenericAPIView):
    """A role's work list: the selector's cases, narrowed by the case filters, paginated."""

    permission_classes: Any = [IsAuthenticated]
    filterset_class = CaseFilter
    pagination_class = Pagination
    serializer_class = CaseListItemOutput
    output_class: ClassVar[type[CaseListItemOutput]] = CaseListItemOutput
    roles: ClassVar[tuple[str, ...]] = ()

    def selector(self, user: Any) -> Any:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        user = request_user(self.request)
        if user is None:  # schema generation
            return Case.objects.none()
        return self.selector(user)

    def get(self, request: Request) -> Response:
        user = ensure_role(request, *self.roles)
        viewer = Viewer.of(user)
        qs = with_viewer_prefetch(self.filter_queryset(self.get_queryset()), viewer)
        page = self.paginate_queryset(qs)
        context = {"viewer": viewer, "now": timezone.now(), **self.extra_context(page)}
        data = self.output_class(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def extra_context(self, page: Any) -> dict[str, Any]:
        """More serializer context for the rows of this page."""
        return {}


class ReplyQueueApi(QueueApi):
    """A queue of replies to judge: each row also has its current reply and its quality."""

    serializer_class = ReviewItemOutput
    output_class = ReviewItemOutput

    def extra_context(self, page: Any) -> dict[str, Any]:
        return {"current_replies": current_replies_for(page or [])}


def queue_schema(summary: str, output: Any = CaseListItemOutput) -> Any:
    return extend_schema(
        summary=summary,
        responses={200: output(many=True), **errors(400, 403)},
        tags=["work lists"],
    )


class DispatchQueueApi(QueueApi):
    roles = (Role.DISPATCHER, Role.ADMIN)

    def selector(self, user: Any) -> Any:
        return selectors.dispatcher_queue(user=user)

    @queue_schema("Cases waiting for a dispatcher: new and returned (dispatcher)")
    def get(self, request: Request) -> Response:
        return super().get(request)


class InboxApi(QueueApi):
    roles = (Role.LIAISON, Role.HEAD)

    def selector(self, user: Any) -> Any:
        return selectors.department_inbox(user=user)

    @queue_schema("Open cases of my departments, most urgent first (liaison, head)")
    def get(self, request: Request) -> Response:
        return super().get(request)


class ApprovalsApi(ReplyQueueApi):
    roles = (Role.HEAD,)

    def selector(self, user: Any) -> Any:
        return selectors.approvals_pending(user=user)

    @queue_schema(
        "Drafted replies waiting for my approval, with their quality (department head)",
        ReviewItemOutput,
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class ReviewsApi(ReplyQueueApi):
    roles = (Role.DISPATCHER, Role.ADMIN)

    def selector(self, user: Any) -> Any:
        return selectors.reviews_pending(user=user)

    @queue_schema(
        "Approved replies waiting for the platform's review, with their quality (dispatcher)",
        ReviewItemOutput,
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class BoardApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = BoardOutput
    pagination_class = None

    @extend_schema(
        summary="Supervisor's board",
        description=(
            f"Per department: open, overdue and at-risk counts; the first {BOARD_ROWS} overdue, "
            "at-risk and problem cases; pending extension requests."
        ),
        responses={200: BoardOutput, **errors(403)},
        tags=["supervision"],
    )
    def get(self, request: Request) -> Response:
        user = ensure_role(request, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
        now = timezone.now()
        viewer = Viewer.of(user)

        def rows(qs: Any) -> list[Case]:
            return list(with_viewer_prefetch(qs, viewer)[:BOARD_ROWS])

        board = {
            "overdue_by_department": selectors.overdue_by_department(user=user, now=now),
            "overdue": rows(selectors.overdue_cases(user=user, now=now)),
            "at_risk": rows(selectors.at_risk_cases(user=user, now=now)),
            "problem": rows(selectors.problem_cases(user=user)),
            "pending_extensions": list(selectors.extension_requests(user=user, pending=True)),
        }
        return Response(BoardOutput(board, context={"viewer": viewer, "now": now}).data)


class ExtensionListApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ExtensionOutput
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        user = request_user(self.request)
        if user is None:
            return selectors.pending_extensions().none()
        flag = query_flag(self.request, "pending", blank=True)
        return selectors.extension_requests(user=user, pending=flag)

    @extend_schema(
        summary="Extension requests",
        description=(
            "All for supervision, my departments' for liaisons and heads. `?pending` (or "
            "`?pending=true`) lists undecided ones, `?pending=false` decided ones."
        ),
        parameters=[OpenApiParameter("pending", OpenApiTypes.BOOL, extensions=ALLOW_EMPTY)],
        responses={200: ExtensionOutput(many=True), **errors(403)},
        tags=["supervision"],
    )
    def get(self, request: Request) -> Response:
        ensure_role(request, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.LIAISON, Role.HEAD)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ExtensionOutput(page, many=True).data)
