"""REST addresses of the live dialogue (included under /api/ by interaction/urls.py)."""

from django.urls import path
from rest_framework.views import APIView

from . import apis

DIALOGUE_ACTIONS: list[tuple[str, type[APIView]]] = [
    ("open-questions", apis.OpenQuestionsApi),
    ("go-live", apis.GoLiveApi),
    ("end", apis.EndApi),
    ("publish-transcript", apis.PublishTranscriptApi),
    ("ask", apis.AskApi),
    ("notice", apis.NoticeApi),
]
QUESTION_ACTIONS: list[tuple[str, type[APIView]]] = [
    ("approve", apis.ApproveApi),
    ("reject", apis.RejectApi),
    ("merge", apis.MergeApi),
    ("pin", apis.PinApi),
    ("answer", apis.AnswerApi),
    ("vote", apis.VoteApi),
]

urlpatterns = [
    path("dialogues/<int:dialogue_id>/", apis.DialogueDetailApi.as_view(), name="dialogue-detail"),
    path(
        "dialogues/<int:dialogue_id>/events/",
        apis.DialogueEventsApi.as_view(),
        name="dialogue-events",
    ),
    *[
        path(f"dialogues/<int:pk>/{slug}/", view.as_view(), name=f"dialogue-{slug}")
        for slug, view in DIALOGUE_ACTIONS
    ],
    *[
        path(
            f"dialogue-questions/<int:pk>/{slug}/", view.as_view(), name=f"dialogue-question-{slug}"
        )
        for slug, view in QUESTION_ACTIONS
    ],
    path("dialogue-topics/", apis.TopicProposeApi.as_view(), name="dialogue-topics"),
    path("dialogue-topics/<int:pk>/vote/", apis.TopicVoteApi.as_view(), name="dialogue-topic-vote"),
]
