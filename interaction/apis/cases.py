"""Submitting, listing and reading cases."""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import STAFF_ROLES, Role

from .. import deadlines, permissions, selectors
from ..filters import CaseFilter
from ..intake import Submission
from ..models import Case, Kind, Reply, Urgency
from ..services.intake import case_submit
from ..states import CLOCK_RUNNING_STATUSES, Action, Status, allowed_actions
from .common import (
    DEPARTMENT_ROLES,
    Pagination,
    Viewer,
    errors,
    request_token,
    request_user,
    with_viewer_prefetch,
)
from .serializers import CaseDetailOutput, CaseListItemOutput, SubmitOutput

_submit_fields = threading.local()


class SubmitInput(serializers.Serializer):
    """What a citizen submits. Type checks only: `interaction.intake.check_submission` judges
    the content (lengths, phone, place, files) with the user's messages.

    DRF deep-copies the declared fields for every serializer instance, which cost more than
    the validation itself on the hot path of intake; this serializer only validates, so each
    thread keeps one copy of its fields and binds it to the instance in hand."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    subject = serializers.CharField(allow_blank=True, trim_whitespace=False)
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    contact_phone = serializers.CharField(allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    district = serializers.IntegerField(required=False, allow_null=True, default=None)
    street = serializers.IntegerField(required=False, allow_null=True, default=None)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    allow_publish = serializers.BooleanField(default=True)
    keep_identity_secret = serializers.BooleanField(default=False)
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=_("Images (JPEG, PNG, GIF, WebP) or PDF, checked by content. Multipart only."),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = getattr(_submit_fields, "fields", None)
        if fields is None:
            fields = _submit_fields.fields = super().get_fields()
        for field in fields.values():
            field.source = None  # as declared: DRF binds each field to the new instance
        return fields


def _private_link(request: Request, case: Case) -> str:
    try:
        path = case.get_absolute_url()
    except NoReverseMatch:
        path = reverse("api:case-detail", args=[case.tracking_no])
    return request.build_absolute_uri(f"{path}?token={case.access_token}")


class CaseListSubmitApi(GenericAPIView):
    """GET lists the cases the reader may see; POST submits a new message (anyone)."""

    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = CaseFilter
    pagination_class = Pagination
    write_throttle_scope = "submit"  # POST only (backend.throttling.RequestRates)
    serializer_class = CaseListItemOutput

    def get_queryset(self) -> Any:
        return selectors.case_list(user=request_user(self.request))

    @extend_schema(
        operation_id="cases_list",
        summary="List cases",
        description=(
            "Cases the reader may see (the public: published ones only), newest first. "
            "`contact` is null unless the reader may know who wrote."
        ),
        responses={200: CaseListItemOutput(many=True), **errors(400)},
        tags=["cases"],
    )
    def get(self, request: Request) -> Response:
        viewer = Viewer.of(request_user(request))
        qs = with_viewer_prefetch(self.filter_queryset(self.get_queryset()), viewer)
        page = self.paginate_queryset(qs)
        data = CaseListItemOutput(
            page, many=True, context={"viewer": viewer, "now": timezone.now()}
        ).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="cases_submit",
        summary="Submit a message",
        description=(
            "A registered citizen (session or token) or anyone anonymously. JSON, or multipart "
            "with attachments in `files`. Anonymous writers get the private `access_token` "
            "that opens their case (`?token=`)."
        ),
        request={"application/json": SubmitInput, "multipart/form-data": SubmitInput},
        responses={201: SubmitOutput, **errors(400, 429)},
        tags=["cases"],
    )
    def post(self, request: Request) -> Response:
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        actor = request_user(request)
        case = case_submit(
            actor=actor,
            submission=Submission(
                kind=v["kind"],
                subject=v["subject"],
                body=v["body"],
                contact_phone=v["contact_phone"],
                contact_name=v["contact_name"],
                urgency=v["urgency"],
                district_id=v["district"],
                street_id=v["street"],
                address=v["address"],
                allow_publish=v["allow_publish"],
                keep_identity_secret=v["keep_identity_secret"],
                files=list(v["files"]),
            ),
        )
        anonymous = case.citizen_id is None
        # SubmitOutput's shape (the schema above), built directly: every value is already a
        # string or None, and a serializer instance costs more than the rest of the answer.
        out = {
            "tracking_no": case.tracking_no,
            "status": str(case.status),
            "status_label": str(Status(case.status).label),
            "access_token": case.access_token if anonymous else None,
            "private_link": _private_link(request, case) if anonymous else None,
        }
        return Response(out, status=status.HTTP_201_CREATED)


# Table actions a client calls through an endpoint of its own (redo happens through evaluate;
# closing unrated cases is the platform's own job).
ENDPOINT_ACTIONS = [a for a in Action if a not in (Action.REDO, Action.CLOSE_UNRATED)]


def available_actions(user: Any, case: Case, token: str | None) -> list[str]:
    """Endpoint names (e.g. 'draft-reply') this reader may call on the case now."""
    role = user.role if user is not None else (Role.CITIZEN if token else None)
    if role is None:
        return []
    names = [
        a.value.replace("_", "-")
        for a in allowed_actions(case.status, role)
        if a in ENDPOINT_ACTIONS and permissions.can_take(user, a, case, token=token)
    ]
    if (
        user is not None
        and user.role in DEPARTMENT_ROLES
        and case.status in CLOCK_RUNNING_STATUSES
        and case.reply_deadline is not None
        and case.reply_deadline > timezone.now()
        and case.lead_department_id in permissions.department_ids(user)
    ):
        names.append("request-extension")
    return names


def deadline_data(case: Case) -> dict[str, Any]:
    progress = deadlines.working_time(case)
    explanation = deadlines.explain(case)
    return {
        "sign_deadline": case.sign_deadline,
        "reply_deadline": case.reply_deadline,
        "progress": asdict(progress) if progress else None,
        "explanation": (
            {
                "start": explanation.start,
                "deadline": explanation.deadline,
                "limit_days": explanation.limit_days,
                "extension_days": explanation.extension_days,
                "paused_days": explanation.paused_days,
                "total_days": explanation.total_days,
                "counted_days": len(explanation.counted),
                "unofficial": explanation.unofficial,
                "skipped": [
                    {"date": d.date, "is_workday": d.is_workday, "name": d.name, "source": d.source}
                    for d in explanation.skipped
                ],
            }
            if explanation
            else None
        ),
    }


class CaseDetailApi(GenericAPIView):
    permission_classes = [AllowAny]
    serializer_class = CaseDetailOutput

    @extend_schema(
        operation_id="cases_retrieve",
        summary="Read a case",
        description=(
            "The case as the reader may see it: the public timeline (the full one for staff), "
            "replies (a reply not yet sent is never shown to the citizen or the public), "
            "deadline progress and how the deadline was computed (days off skipped, by name). "
            "Anonymous writers open their case with `?token=`."
        ),
        parameters=[
            OpenApiParameter(
                "token", OpenApiTypes.STR, description="Private link token (anonymous writers)."
            )
        ],
        responses={200: CaseDetailOutput, **errors(404)},
        tags=["cases"],
    )
    def get(self, request: Request, tracking_no: str) -> Response:
        case = selectors.case_detail(tracking_no=tracking_no)
        user = request_user(request)
        token = request_token(request)
        if case is None or not permissions.can_view(user, case, token=token):
            raise NotFound()
        private = permissions.sees_private_details(user, case, token=token)
        full = private and user is not None and user.role in STAFF_ROLES
        replies = [r for r in case.replies.all() if full or r.state == Reply.State.PUBLISHED]
        context = {
            "private": private,
            "identity": permissions.sees_identity(user, case, token=token),
            "full": full,
            "replies": replies,
            "timeline": selectors.timeline(case, public_only=not full),
            "deadline": deadline_data(case),
            "actions": available_actions(user, case, token),
        }
        return Response(CaseDetailOutput(case, context=context).data)
