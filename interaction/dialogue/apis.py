"""REST endpoints of the live dialogue: one per operation, each calling one service.

Reads: the dialogue (public part) and the events after a number (the same replay the socket
does, for clients that poll). Writes: `POST /api/dialogues/{id}/<action>/` and
`POST /api/dialogue-questions/{id}/<action>/`. Errors use the one JSON error shape.
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

from ..apis.common import errors, request_user, signed_in
from . import selectors, services
from .models import Dialogue
from .states import DialogueAction

# --- outputs -------------------------------------------------------------------------------------


class DialogueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    host_department = serializers.CharField(source="host_department.name")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    last_seq = serializers.IntegerField()


class DialogueEventOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]


class DialogueEventsOutput(serializers.Serializer):
    events = DialogueEventOutput(many=True)


class DialogueResultOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")


# --- inputs --------------------------------------------------------------------------------------


def _text(help_text: Any = "") -> serializers.CharField:
    return serializers.CharField(allow_blank=True, trim_whitespace=False, help_text=help_text)


class DialogueTextInput(serializers.Serializer):
    body = _text()


class QuestionRejectInput(serializers.Serializer):
    reason = _text(_("Shown to the asker."))


class QuestionMergeInput(serializers.Serializer):
    into = serializers.IntegerField(help_text=_("The approved question it duplicates."))


class QuestionPinInput(serializers.Serializer):
    pinned = serializers.BooleanField(default=True)


class TopicProposalInput(serializers.Serializer):
    title = _text()


class EventsQueryInput(serializers.Serializer):
    after = serializers.IntegerField(
        min_value=0, default=0, help_text="Last sequence number seen (0: from the start)."
    )


# --- helpers -------------------------------------------------------------------------------------


def _watchable(request: Request, dialogue_id: int) -> Dialogue:
    dialogue = selectors.dialogue_by_id(dialogue_id)
    if dialogue is None or not selectors.may_watch(request_user(request), dialogue):
        raise NotFound()
    return dialogue


class DialogueDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="A live dialogue",
        responses={200: DialogueOutput, **errors(404)},
        tags=["dialogues"],
    )
    def get(self, request: Request, dialogue_id: int) -> Response:
        return Response(DialogueOutput(_watchable(request, dialogue_id)).data)


class DialogueEventsApi(APIView):
    """The numbered events after `after` that the reader may see (what a reconnecting socket
    replays)."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Events of a dialogue after a sequence number",
        parameters=[EventsQueryInput],
        responses={200: DialogueEventsOutput, **errors(400, 404)},
        tags=["dialogues"],
    )
    def get(self, request: Request, dialogue_id: int) -> Response:
        dialogue = _watchable(request, dialogue_id)
        query = EventsQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        after = query.validated_data["after"]
        seat = selectors.seat_of(request_user(request), dialogue)
        events = selectors.events_since(dialogue_id=dialogue.pk, after=after, seat=seat)
        return Response(DialogueEventsOutput({"events": events}).data)


class _ActionApi(APIView):
    """Base of the write endpoints: parse the input, call one service, return the id."""

    permission_classes: Any = [IsAuthenticated]
    input_serializer: ClassVar[type[serializers.Serializer] | None] = None
    ok: int = status.HTTP_200_OK

    def post(self, request: Request, pk: int) -> Response:
        data: dict[str, Any] = {}
        if self.input_serializer is not None:
            parsed = self.input_serializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = dict(parsed.validated_data)
        result = self.perform(request, pk, data)
        return Response(DialogueResultOutput(result).data, status=self.ok)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        raise NotImplementedError


def _schema(summary: str, request: Any = None, ok: int = 200) -> Any:
    return extend_schema(
        summary=summary,
        request=request,
        responses={ok: DialogueResultOutput, **errors(400, 401, 403, 404, 409, 429)},
        tags=["dialogues"],
    )


def _transition_api(action: DialogueAction, summary: str) -> type[_ActionApi]:
    class TransitionApi(_ActionApi):
        @_schema(summary)
        def post(self, request: Request, pk: int) -> Response:
            return super().post(request, pk)

        def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
            _watchable(request, pk)
            return services.dialogue_transition(
                dialogue_id=pk, actor=signed_in(request), action=action
            )

    TransitionApi.__name__ = f"Dialogue{action.value.title().replace('_', '')}Api"
    TransitionApi.__qualname__ = TransitionApi.__name__
    return TransitionApi


OpenQuestionsApi = _transition_api(DialogueAction.OPEN_QUESTIONS, "Open for questions (moderator)")
GoLiveApi = _transition_api(DialogueAction.GO_LIVE, "Start the live dialogue (moderator)")
EndApi = _transition_api(
    DialogueAction.END,
    "End the dialogue (moderator); unanswered approved questions become mailbox cases",
)
PublishTranscriptApi = _transition_api(
    DialogueAction.PUBLISH_TRANSCRIPT, "Publish the transcript (moderator)"
)


class AskApi(_ActionApi):
    input_serializer = DialogueTextInput
    ok = status.HTTP_201_CREATED
    write_throttle_scope = "submit"

    @_schema("Ask a question (signed-in citizen)", DialogueTextInput, ok=201)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _watchable(request, pk)
        return services.question_ask(dialogue_id=pk, actor=signed_in(request), body=data["body"])


class NoticeApi(_ActionApi):
    input_serializer = DialogueTextInput
    ok = status.HTTP_201_CREATED

    @_schema("Post a notice (moderator)", DialogueTextInput, ok=201)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _watchable(request, pk)
        return services.notice_post(dialogue_id=pk, actor=signed_in(request), body=data["body"])


def _question_dialogue(request: Request, question_id: int) -> None:
    from .models import Question

    dialogue_id = (
        Question.objects.filter(pk=question_id).values_list("dialogue_id", flat=True).first()
    )
    if dialogue_id is None:
        raise NotFound()
    _watchable(request, dialogue_id)


class ApproveApi(_ActionApi):
    @_schema("Approve a waiting question (moderator)")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _question_dialogue(request, pk)
        return services.question_approve(question_id=pk, actor=signed_in(request))


class RejectApi(_ActionApi):
    input_serializer = QuestionRejectInput

    @_schema("Reject a waiting question with a reason (moderator)", QuestionRejectInput)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _question_dialogue(request, pk)
        return services.question_reject(
            question_id=pk, actor=signed_in(request), reason=data["reason"]
        )


class MergeApi(_ActionApi):
    input_serializer = QuestionMergeInput

    @_schema("Merge a duplicate into an approved question (moderator)", QuestionMergeInput)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _question_dialogue(request, pk)
        return services.question_merge(
            question_id=pk, actor=signed_in(request), into_id=data["into"]
        )


class PinApi(_ActionApi):
    input_serializer = QuestionPinInput

    @_schema("Pin or unpin an approved question (moderator)", QuestionPinInput)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _question_dialogue(request, pk)
        return services.question_pin(
            question_id=pk, actor=signed_in(request), pinned=data["pinned"]
        )


class AnswerApi(_ActionApi):
    input_serializer = DialogueTextInput
    ok = status.HTTP_201_CREATED

    @_schema("Answer an approved question (official)", DialogueTextInput, ok=201)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _question_dialogue(request, pk)
        return services.answer_post(question_id=pk, actor=signed_in(request), body=data["body"])


class VoteApi(_ActionApi):
    write_throttle_scope = "vote"

    @_schema("Vote for an approved question (citizen)")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        _question_dialogue(request, pk)
        return services.question_vote(question_id=pk, actor=signed_in(request))


class TopicProposeApi(APIView):
    permission_classes = [IsAuthenticated]
    write_throttle_scope = "submit"

    @_schema("Propose a topic for a future dialogue (citizen)", TopicProposalInput, ok=201)
    def post(self, request: Request) -> Response:
        parsed = TopicProposalInput(data=request.data)
        parsed.is_valid(raise_exception=True)
        topic = services.topic_propose(
            actor=signed_in(request), title=parsed.validated_data["title"]
        )
        return Response(DialogueResultOutput(topic).data, status=status.HTTP_201_CREATED)


class TopicVoteApi(_ActionApi):
    write_throttle_scope = "vote"

    @_schema("Vote for a proposed topic (citizen)")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, pk: int, data: dict[str, Any]) -> Any:
        return services.topic_vote(topic_id=pk, actor=signed_in(request))
