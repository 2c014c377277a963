"""Hot-issue API addresses, included under /api/hot-issues/."""

from django.urls import path

from . import apis

urlpatterns = [
    path("", apis.HotIssueListApi.as_view(), name="hot-issues"),
    path("repeats/", apis.RepeatListApi.as_view(), name="hot-issue-repeats"),
    path("<int:pk>/", apis.HotIssueDetailApi.as_view(), name="hot-issue-detail"),
    path("<int:pk>/confirm/", apis.ConfirmApi.as_view(), name="hot-issue-confirm"),
    path("<int:pk>/assign/", apis.AssignApi.as_view(), name="hot-issue-assign"),
    path("<int:pk>/answer/", apis.AnswerDraftApi.as_view(), name="hot-issue-answer"),
    path("answers/<int:pk>/approve/", apis.AnswerApproveApi.as_view(), name="hot-answer-approve"),
    path("answers/<int:pk>/reject/", apis.AnswerRejectApi.as_view(), name="hot-answer-reject"),
    path("answers/<int:pk>/publish/", apis.AnswerPublishApi.as_view(), name="hot-answer-publish"),
    path("answers/<int:pk>/rework/", apis.AnswerReworkApi.as_view(), name="hot-answer-rework"),
]
