"""The hot-issue API (`/api/hot-issues/…`, and `POST /api/cases/{no}/support/`).

One endpoint per operation; each view parses its input, checks who asks (403 for people who do
not work with hot issues, 404 for a group they may not open) and calls a service or selector.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.schema import ALLOW_EMPTY
from interaction.apis.common import Pagination, errors, request_user, signed_in, visible_case
from interaction.errors import NotAllowed, ValidationFailed

from . import answers, selectors, services
from .models import CaseSupport, CoordinatedAnswer, HotIssue
from .permissions import SEE_ALL, may_see_lists, visible_hot_issues

TAGS = ["hot issues"]


# --- outputs ------------------------------------------------------------------------------------


class HotIssueItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    place = serializers.CharField()
    district = serializers.CharField(allow_null=True, help_text="District (most of its cases).")
    keywords = serializers.ListField(child=serializers.CharField())
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
    cases = serializers.IntegerField(source="case_count")
    citizens = serializers.IntegerField(source="citizen_count")
    support = serializers.IntegerField(source="support_count")
    repeat_complaints = serializers.IntegerField(source="repeat_count")
    hotness = serializers.FloatField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    department = serializers.CharField(allow_null=True, help_text="Assigned department.")
    departments = serializers.ListField(
        child=serializers.CharField(), help_text="Departments holding its cases."
    )
    open_cases = serializers.IntegerField()
    overdue_cases = serializers.IntegerField()
    unsatisfied_cases = serializers.IntegerField()


class HotIssueCaseOutput(serializers.Serializer):
    tracking_no = serializers.CharField()
    subject = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    department = serializers.CharField(source="lead_department.name", allow_null=True)
    reply_deadline = serializers.DateTimeField(allow_null=True)
    support = serializers.IntegerField()
    unsatisfied = serializers.BooleanField()
    repeat_complaint = serializers.BooleanField(source="is_repeat")


class RepeatOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.tracking_no")
    subject = serializers.CharField(source="case.subject")
    earlier_case = serializers.CharField(source="earlier_case.tracking_no")
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    similarity = serializers.FloatField()
    hot_issue = serializers.IntegerField(source="hot_issue_id", allow_null=True)
    created_at = serializers.DateTimeField()


class AnswerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    hot_issue = serializers.IntegerField(source="hot_issue_id")
    department = serializers.CharField(source="department.name")
    body = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    cases = serializers.SerializerMethodField()
    skipped = serializers.ListField(child=serializers.DictField())
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_cases(self, obj: CoordinatedAnswer) -> list[str]:
        return [c.tracking_no for c in obj.cases.all()]


class HotIssueDetailOutput(HotIssueItemOutput):
    cases_list = HotIssueCaseOutput(many=True, source="case_rows")
    repeats = RepeatOutput(many=True, source="repeat_rows")
    answers = AnswerOutput(many=True, source="answer_rows")
    assigned_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)


def _item(hot_issue: HotIssue, counts: selectors.CaseStatusCounts, now: dt.datetime) -> dict:
    return {
        "id": hot_issue.pk,
        "title": hot_issue.title,
        "place": hot_issue.place,
        "district": hot_issue.district.name if hot_issue.district else None,
        "keywords": hot_issue.keywords,
        "first_at": hot_issue.first_at,
        "last_at": hot_issue.last_at,
        "case_count": hot_issue.case_count,
        "citizen_count": hot_issue.citizen_count,
        "support_count": hot_issue.support_count,
        "repeat_count": hot_issue.repeat_count,
        "hotness": round(hot_issue.hotness(now), 3),
        "status": hot_issue.status,
        "status_label": str(hot_issue.get_status_display()),
        "department": hot_issue.department.name if hot_issue.department else None,
        "departments": counts.departments,
        "open_cases": counts.open,
        "overdue_cases": counts.overdue,
        "unsatisfied_cases": counts.unsatisfied,
        "assigned_at": hot_issue.assigned_at,
        "confirmed_at": hot_issue.confirmed_at,
    }


def _guard(request: Request) -> Any:
    user = request_user(request)
    if not may_see_lists(user):
        raise NotAllowed()
    return user


def _hot_issue(request: Request, pk: int) -> HotIssue:
    hot_issue = visible_hot_issues(request_user(request)).filter(pk=pk).first()
    if hot_issue is None:
        raise NotFound()
    return hot_issue


def _date(request: Request, name: str) -> dt.datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed({name: [_("Give a date as YYYY-MM-DD.")]}) from exc
    moment = dt.datetime.combine(day, dt.time.min)
    return timezone.make_aware(moment) + (
        dt.timedelta(days=1) if name == "until" else dt.timedelta()
    )


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed({name: [_("Give a number.")]})
    return int(raw)


# --- views ----------------------------------------------------------------------------------------


class HotIssueListApi(APIView):
    """Hot issues, hottest first: leaders, supervisors, dispatchers and administrators see all;
    department liaisons and heads those assigned to their department."""

    permission_classes: Any = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(
        summary="List hot issues",
        parameters=[
            OpenApiParameter("status", str, enum=list(HotIssue.Status.values)),
            OpenApiParameter("district", int),
            OpenApiParameter("department", int, description="Assigned department."),
            OpenApiParameter("since", OpenApiTypes.DATE, description="Latest message on/after."),
            OpenApiParameter("until", OpenApiTypes.DATE, description="First message on/before."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: HotIssueItemOutput(many=True), **errors(400, 401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        user = _guard(request)
        status = request.query_params.get("status") or None
        if status and status not in HotIssue.Status.values:
            raise ValidationFailed({"status": [_("Choose candidate or confirmed.")]})
        qs = selectors.hot_issue_list(
            user=user,
            status=status,
            district_id=_int(request, "district"),
            department_id=_int(request, "department"),
            since=_date(request, "since"),
            until=_date(request, "until"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        now = timezone.now()
        counts = selectors.status_counts(page, now=now)
        data = [HotIssueItemOutput(_item(h, counts[h.pk], now)).data for h in page]
        return paginator.get_paginated_response(data)


class HotIssueDetailApi(APIView):
    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="One hot issue with its cases, repeat complaints and answers",
        responses={200: HotIssueDetailOutput, **errors(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        _guard(request)
        hot_issue = _hot_issue(request, pk)
        now = timezone.now()
        counts = selectors.status_counts([hot_issue], now=now)[hot_issue.pk]
        data = _item(hot_issue, counts, now)
        data["case_rows"] = list(selectors.hot_issue_cases(hot_issue, user=request_user(request)))
        data["repeat_rows"] = list(selectors.hot_issue_repeats(hot_issue))
        data["answer_rows"] = list(selectors.hot_issue_answers(hot_issue))
        return Response(HotIssueDetailOutput(data).data)


class HotIssueNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class AssignInput(HotIssueNoteInput):
    department = serializers.IntegerField(help_text=_("The department that answers."))


class AnswerInput(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ReasonInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text=_("What must change."))


def _detail(request: Request, hot_issue: HotIssue) -> Response:
    return HotIssueDetailApi().get(request, hot_issue.pk)


class ConfirmApi(APIView):
    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="Confirm a group as a hot issue (leaders, administrators)",
        request=HotIssueNoteInput,
        responses={200: HotIssueDetailOutput, **errors(400, 401, 403, 404)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        _guard(request)
        hot_issue = _hot_issue(request, pk)
        data = HotIssueNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.hot_issue_confirm(
            hot_issue_id=hot_issue.pk, actor=signed_in(request), note=data.validated_data["note"]
        )
        return _detail(request, hot_issue)


class AssignApi(APIView):
    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="Assign a hot issue to a department for one coordinated answer",
        request=AssignInput,
        responses={200: HotIssueDetailOutput, **errors(400, 401, 403, 404)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        _guard(request)
        hot_issue = _hot_issue(request, pk)
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.hot_issue_assign(
            hot_issue_id=hot_issue.pk,
            actor=signed_in(request),
            department_id=data.validated_data["department"],
            note=data.validated_data["note"],
        )
        return _detail(request, hot_issue)


class AnswerDraftApi(APIView):
    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="Write the coordinated answer (assigned department)",
        request=AnswerInput,
        responses={201: AnswerOutput, **errors(400, 401, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        _guard(request)
        hot_issue = _hot_issue(request, pk)
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = answers.answer_draft(
            hot_issue_id=hot_issue.pk, actor=signed_in(request), body=data.validated_data["body"]
        )
        return Response(AnswerOutput(answer).data, status=201)


def _answer(request: Request, pk: int) -> CoordinatedAnswer:
    answer = CoordinatedAnswer.objects.filter(
        pk=pk, hot_issue__in=visible_hot_issues(request_user(request))
    ).first()
    if answer is None:
        raise NotFound()
    return answer


class _AnswerStepApi(APIView):
    permission_classes: Any = [IsAuthenticated]
    input_class: type[serializers.Serializer] | None = None

    def step(self, answer: CoordinatedAnswer, actor: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        _guard(request)
        answer = _answer(request, pk)
        data: dict[str, Any] = {}
        if self.input_class is not None:
            parsed = self.input_class(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = dict(parsed.validated_data)
        result = self.step(answer, signed_in(request), data)
        return Response(AnswerOutput(result).data)


def _step_schema(summary: str, request: Any = None) -> Any:
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: AnswerOutput, **errors(400, 401, 403, 404, 409)},
        tags=TAGS,
    )


class AnswerApproveApi(_AnswerStepApi):
    @_step_schema("Approve the coordinated answer (head of the assigned department)")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, answer: CoordinatedAnswer, actor: Any, data: dict[str, Any]) -> Any:
        return answers.answer_approve(answer_id=answer.pk, actor=actor)


class AnswerRejectApi(_AnswerStepApi):
    input_class = ReasonInput

    @_step_schema("Send the coordinated answer back (head)", ReasonInput)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, answer: CoordinatedAnswer, actor: Any, data: dict[str, Any]) -> Any:
        return answers.answer_reject(answer_id=answer.pk, actor=actor, note=data["note"])


class AnswerPublishApi(_AnswerStepApi):
    @_step_schema("Pass review: the coordinated answer goes to every citizen (dispatcher)")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, answer: CoordinatedAnswer, actor: Any, data: dict[str, Any]) -> Any:
        return answers.answer_publish(answer_id=answer.pk, actor=actor)


class AnswerReworkApi(_AnswerStepApi):
    input_class = ReasonInput

    @_step_schema("Send the approved coordinated answer back for rework (dispatcher)", ReasonInput)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, answer: CoordinatedAnswer, actor: Any, data: dict[str, Any]) -> Any:
        return answers.answer_rework(answer_id=answer.pk, actor=actor, note=data["note"])


class RepeatPageOutput(serializers.Serializer):
    """One page of repeat complaints (the API's pagination envelope)."""

    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = RepeatOutput(many=True)


class RepeatListApi(APIView):
    """Repeat complaints (重复诉求), newest first: supervisors, leaders, dispatchers, admins."""

    permission_classes: Any = [IsAuthenticated]

    @extend_schema(
        summary="Repeat complaints",
        parameters=[
            # Sent empty (as a GET form does): no bound, the first page.
            OpenApiParameter("since", OpenApiTypes.DATE, extensions=ALLOW_EMPTY),
            OpenApiParameter("until", OpenApiTypes.DATE, extensions=ALLOW_EMPTY),
            OpenApiParameter("page", int, extensions=ALLOW_EMPTY),
            OpenApiParameter("page_size", int),
        ],
        responses={200: RepeatPageOutput, **errors(400, 401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        user = _guard(request)
        if not user.has_role(*SEE_ALL):
            raise NotAllowed()
        qs = selectors.repeat_complaints(
            since=_date(request, "since"), until=_date(request, "until")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        return paginator.get_paginated_response(RepeatOutput(page, many=True).data)


class SupportOutput(serializers.Serializer):
    tracking_no = serializers.CharField()
    support = serializers.IntegerField()


class CaseSupportApi(APIView):
    """附议: a signed-in citizen supports a published case, once; anyone may read the count."""

    permission_classes: Any = [IsAuthenticatedOrReadOnly]
    write_throttle_scope = "support"

    @extend_schema(
        summary="Support (附议) a published case (citizens, once)",
        request=None,
        responses={201: SupportOutput, **errors(401, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, tracking_no: str) -> Response:
        case = visible_case(request, tracking_no)
        count = services.case_support(case_id=case.pk, actor=signed_in(request))
        return Response({"tracking_no": case.tracking_no, "support": count}, status=201)

    @extend_schema(
        summary="Support count of a published case",
        responses={200: SupportOutput, **errors(404)},
        tags=TAGS,
    )
    def get(self, request: Request, tracking_no: str) -> Response:
        case = visible_case(request, tracking_no)
        count = CaseSupport.objects.filter(case=case).count()
        return Response({"tracking_no": case.tracking_no, "support": count})
