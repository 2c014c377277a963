"""One endpoint per workflow action: `POST /api/cases/{tracking_no}/<action>/`.

Each view: find the case (404 if the reader may not see it), parse its input, call its service.
Who may act is decided by the service (`permissions.ensure_can` → NotAllowed → 403) and whether
the case's state allows it by the transition table (InvalidTransition → 409).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..models import Case, ExtensionRequest, ReturnReason
from ..permissions import ensure_can
from ..services import dispatch, evaluation, handling, review, supervision
from ..states import Action
from .common import errors, request_token, request_user, signed_in, visible_case
from .serializers import (
    ActionResultOutput,
    ExtensionOutput,
    RequiredBooleanField,
    SatisfactionField,
)

# --- inputs -------------------------------------------------------------------------------------
# Free text is passed on as given (blank allowed): the services say what is missing, in words
# the person understands.


def _text(help_text: Any = "", required: bool = True) -> serializers.CharField:
    return serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        required=required,
        default="" if not required else serializers.empty,
        help_text=help_text,
    )


class DispatchInput(serializers.Serializer):
    department = serializers.IntegerField(help_text=_("Lead department id."))
    category = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Category id; omitted: the predicted category is confirmed."),
    )
    assisting = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text=_("Assisting department ids."),
    )
    note = _text(required=False)


class ReturnInput(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=ReturnReason.choices)
    reason_text = _text()


class AcceptReturnInput(serializers.Serializer):
    department = serializers.IntegerField(help_text=_("The department that takes the case."))
    category = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = _text(required=False)


class NoteInput(serializers.Serializer):
    note = _text(_("What must change, or why."))


class QuestionInput(serializers.Serializer):
    question = _text(_("What information the citizen must provide."))


class TokenMixin(serializers.Serializer):
    token = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Private link token, for a writer without an account."),
    )


class ProvideInfoInput(TokenMixin):
    answer = _text()


class DraftReplyInput(serializers.Serializer):
    body = _text(_("The reply to the citizen."))


class EvaluateInput(TokenMixin):
    attitude = SatisfactionField()
    result = SatisfactionField(
        help_text=_("'unsatisfied' sends the case back to the department (redo)."),
    )
    solved = RequiredBooleanField()
    comment = _text(required=False)


class CloseInvalidInput(serializers.Serializer):
    reason = _text(_("Shown to the citizen."))


class MergeInput(serializers.Serializer):
    into = serializers.CharField(help_text=_("Tracking number of the earlier case."))


class ExtensionRequestInput(serializers.Serializer):
    days = serializers.IntegerField(help_text=_("Working days asked for (1–30)."))
    reason = _text()


class ExtensionDecideInput(serializers.Serializer):
    grant = RequiredBooleanField()
    days = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Days granted (default: all).")
    )
    note = _text(required=False)


# --- the views ----------------------------------------------------------------------------------


class CaseActionApi(APIView):
    """Base of the action endpoints: subclasses name their input and call one service."""

    permission_classes: Any = [IsAuthenticated]
    input_serializer: ClassVar[type[serializers.Serializer] | None] = None
    output_status: int = status.HTTP_200_OK

    def post(self, request: Request, tracking_no: str) -> Response:
        case = visible_case(request, tracking_no)
        data: dict[str, Any] = {}
        if self.input_serializer is not None:
            parsed = self.input_serializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = dict(parsed.validated_data)
        result = self.perform(request, case, data)
        return Response(self.output(result), status=self.output_status)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def output(self, result: Any) -> Any:
        return ActionResultOutput(result).data


def action_schema(summary: str, request: Any = None, response: Any = ActionResultOutput, **kw: Any):
    codes = (400, 403, 404, 409) if request is not None else (403, 404, 409)
    ok = kw.pop("ok", 200)
    return extend_schema(
        summary=summary,
        request=request,
        responses={ok: response, **errors(*codes)},
        tags=["actions"],
        **kw,
    )


class DispatchApi(CaseActionApi):
    input_serializer = DispatchInput

    @action_schema("Dispatch to a department (dispatcher)", DispatchInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return dispatch.case_dispatch(
            case_id=case.pk,
            actor=signed_in(request),
            department_id=data["department"],
            category_id=data["category"],
            assisting_ids=data["assisting"],
            note=data["note"],
        )


class SignApi(CaseActionApi):
    @action_schema("Sign for a dispatched case (department)")
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return handling.case_sign(case_id=case.pk, actor=signed_in(request))


class StartApi(CaseActionApi):
    @action_schema("Start handling (department)")
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return handling.case_start(case_id=case.pk, actor=signed_in(request))


class ReturnApi(CaseActionApi):
    input_serializer = ReturnInput

    @action_schema("Return a case that is not the department's", ReturnInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return handling.case_return(
            case_id=case.pk,
            actor=signed_in(request),
            reason_code=data["reason_code"],
            reason_text=data["reason_text"],
        )


class AcceptReturnApi(CaseActionApi):
    input_serializer = AcceptReturnInput

    @action_schema("Accept a return and re-dispatch (dispatcher)", AcceptReturnInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return dispatch.case_accept_return(
            case_id=case.pk,
            actor=signed_in(request),
            department_id=data["department"],
            category_id=data["category"],
            note=data["note"],
        )


class RejectReturnApi(CaseActionApi):
    input_serializer = NoteInput

    @action_schema("Reject a return: back to the same department (dispatcher)", NoteInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return dispatch.case_reject_return(
            case_id=case.pk, actor=signed_in(request), note=data["note"]
        )


class RequestInfoApi(CaseActionApi):
    input_serializer = QuestionInput

    @action_schema("Ask the citizen for more information (clock stops)", QuestionInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return handling.case_request_info(
            case_id=case.pk, actor=signed_in(request), question=data["question"]
        )


class ProvideInfoApi(CaseActionApi):
    permission_classes: Any = [AllowAny]
    input_serializer = ProvideInfoInput

    @action_schema("Provide the information asked for (citizen, or private link)", ProvideInfoInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return handling.case_provide_info(
            case_id=case.pk,
            actor=request_user(request),
            token=request_token(request),
            answer=data["answer"],
        )


class DraftReplyApi(CaseActionApi):
    input_serializer = DraftReplyInput

    @action_schema("Draft the reply (department); the head approves it", DraftReplyInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        reply = handling.case_draft_reply(
            case_id=case.pk, actor=signed_in(request), body=data["body"]
        )
        return reply.case


class ApproveReplyApi(CaseActionApi):
    @action_schema("Approve the drafted reply (department head)")
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return review.case_approve_reply(case_id=case.pk, actor=signed_in(request))


class RejectReplyApi(CaseActionApi):
    input_serializer = NoteInput

    @action_schema("Send the draft back to the handler (department head)", NoteInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return review.case_reject_reply(
            case_id=case.pk, actor=signed_in(request), note=data["note"]
        )


class PublishReplyApi(CaseActionApi):
    @action_schema("Pass review and send the reply to the citizen (platform)")
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return review.case_publish_reply(case_id=case.pk, actor=signed_in(request))


class ReworkReplyApi(CaseActionApi):
    input_serializer = NoteInput

    @action_schema("Send the approved reply back for rework (platform)", NoteInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return review.case_rework_reply(
            case_id=case.pk, actor=signed_in(request), note=data["note"]
        )


class EvaluateApi(CaseActionApi):
    permission_classes: Any = [AllowAny]
    input_serializer = EvaluateInput

    @action_schema("Rate the reply (citizen, or private link)", EvaluateInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return evaluation.case_evaluate(
            case_id=case.pk,
            actor=request_user(request),
            token=request_token(request),
            attitude=data["attitude"],
            result=data["result"],
            solved=data["solved"],
            comment=data["comment"],
        )


class CloseInvalidApi(CaseActionApi):
    input_serializer = CloseInvalidInput

    @action_schema("Close as spam or out of scope (dispatcher)", CloseInvalidInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        return dispatch.case_close_invalid(
            case_id=case.pk, actor=signed_in(request), reason=data["reason"]
        )


class MergeApi(CaseActionApi):
    input_serializer = MergeInput

    @action_schema("Merge a duplicate into an earlier case (dispatcher)", MergeInput)
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> Case:
        # Who may merge at all is settled before the earlier case is looked up: someone who may
        # not merge gets 403, not a validation error about a case they cannot see anyway.
        ensure_can(signed_in(request), Action.MERGE, case)
        target = (
            selectors.case_list(user=request_user(request))
            .filter(tracking_no=data["into"].strip())
            .values_list("pk", flat=True)
            .first()
        )
        if target is None:
            raise serializers.ValidationError({"into": [_("No case has this tracking number.")]})
        return dispatch.case_merge(case_id=case.pk, actor=signed_in(request), into_id=target)


class RequestExtensionApi(CaseActionApi):
    input_serializer = ExtensionRequestInput
    output_status = status.HTTP_201_CREATED

    @action_schema(
        "Ask for more working days before the deadline (department)",
        ExtensionRequestInput,
        ExtensionOutput,
        ok=201,
    )
    def post(self, request: Request, tracking_no: str) -> Response:
        return super().post(request, tracking_no)

    def perform(self, request: Request, case: Case, data: dict[str, Any]) -> ExtensionRequest:
        return handling.extension_request(
            case_id=case.pk, actor=signed_in(request), days=data["days"], reason=data["reason"]
        )

    def output(self, result: Any) -> Any:
        return ExtensionOutput(result).data


class ExtensionDecideApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Grant or deny an extension (supervisor)",
        request=ExtensionDecideInput,
        responses={200: ExtensionOutput, **errors(400, 403, 404, 409)},
        tags=["supervision"],
    )
    def post(self, request: Request, pk: int) -> Response:
        if not ExtensionRequest.objects.filter(pk=pk).exists():
            raise NotFound()
        parsed = ExtensionDecideInput(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        result = supervision.extension_decide(
            request_id=pk,
            actor=signed_in(request),
            grant=data["grant"],
            days=data["days"],
            note=data["note"],
        )
        return Response(ExtensionOutput(result).data)
