"""Similar published cases for a citizen who is writing (public, throttled)."""

from __future__ import annotations

from typing import Any

from django.utils.text import Truncator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.throttling import RequestRates

from .. import similarity
from ..models import Case
from ..privacy.selectors import ListMasker
from .common import errors

# Below this many characters (subject + body) nothing is looked up: too little to compare.
MIN_QUERY_CHARS = 4
REPLY_EXCERPT_CHARS = 120


class _SimilarRates(RequestRates):
    # The write page asks at most once per pause in typing: rates of their own (settings,
    # WENZHENG_THROTTLE_SIMILAR_*) instead of the general ones.
    anon_scope = "similar_anon"
    user_scope = "similar_user"


class SimilarQueryInput(serializers.Serializer):
    subject = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    body = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class SimilarCaseOutput(serializers.Serializer):
    tracking_no = serializers.CharField()
    subject = serializers.CharField()
    category = serializers.CharField(allow_blank=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    reply_excerpt = serializers.CharField(allow_blank=True)
    url = serializers.CharField()
    score = serializers.FloatField()


def similar_rows(subject: str, body: str) -> list[dict[str, Any]]:
    """What the write page shows: published cases like the message being written, their text
    masked as on their public page (privacy.masking)."""
    if len(subject.strip()) + len(body.strip()) < MIN_QUERY_CHARS:
        return []
    hits = similarity.similar_published(subject, body)
    replies = similarity.published_replies(hit.case for hit in hits)
    hide = ListMasker([hit.case for hit in hits])
    rows = []
    for hit in hits:
        case: Case = hit.case
        reply = replies.get(case.pk)
        rows.append(
            {
                "tracking_no": case.tracking_no,
                "subject": hide(case, case.subject),
                "category": str(case.category) if case.category else "",
                "replied_at": case.replied_at,
                "reply_excerpt": (
                    Truncator(hide(case, reply.body)).chars(REPLY_EXCERPT_CHARS) if reply else ""
                ),
                "url": case.get_absolute_url(),
                "score": hit.score,
            }
        )
    return rows


class SimilarCasesApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [_SimilarRates]

    @extend_schema(
        operation_id="similar_cases",
        summary="Published cases similar to a message being written (at most 5, best first)",
        parameters=[SimilarQueryInput],
        responses={200: SimilarCaseOutput(many=True), **errors(400, 429)},
        tags=["cases"],
    )
    def get(self, request: Request) -> Response:
        query = SimilarQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = similar_rows(query.validated_data["subject"], query.validated_data["body"])
        return Response(SimilarCaseOutput(rows, many=True).data)
