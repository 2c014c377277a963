"""The REST API: one endpoint per operation (see interaction/apis/)."""

from django.urls import include, path

from backend.accounts import apis as account_apis

from .apis import actions, cases, notifications, queues, reference
from .apis import routing as routing_apis
from .apis import similar as similar_apis
from .hotspots import apis as hotspot_apis
from .opendata import apis as opendata_apis
from .replyquality import apis as reply_quality_apis

app_name = "api"

_ACTIONS = [
    ("dispatch", actions.DispatchApi),
    ("sign", actions.SignApi),
    ("start", actions.StartApi),
    ("return", actions.ReturnApi),
    ("accept-return", actions.AcceptReturnApi),
    ("reject-return", actions.RejectReturnApi),
    ("request-info", actions.RequestInfoApi),
    ("provide-info", actions.ProvideInfoApi),
    ("draft-reply", actions.DraftReplyApi),
    ("approve-reply", actions.ApproveReplyApi),
    ("reject-reply", actions.RejectReplyApi),
    ("publish-reply", actions.PublishReplyApi),
    ("rework-reply", actions.ReworkReplyApi),
    ("evaluate", actions.EvaluateApi),
    ("close-invalid", actions.CloseInvalidApi),
    ("merge", actions.MergeApi),
    ("request-extension", actions.RequestExtensionApi),
]

urlpatterns = [
    path("cases/", cases.CaseListSubmitApi.as_view(), name="cases"),
    path("cases/<str:tracking_no>/", cases.CaseDetailApi.as_view(), name="case-detail"),
    *[
        path(f"cases/<str:tracking_no>/{slug}/", view.as_view(), name=f"case-{slug}")
        for slug, view in _ACTIONS
    ],
    path("extensions/", queues.ExtensionListApi.as_view(), name="extensions"),
    path(
        "extensions/<int:pk>/decide/",
        actions.ExtensionDecideApi.as_view(),
        name="extension-decide",
    ),
    path("queues/dispatch/", queues.DispatchQueueApi.as_view(), name="queue-dispatch"),
    path("queues/inbox/", queues.InboxApi.as_view(), name="queue-inbox"),
    path("queues/approvals/", queues.ApprovalsApi.as_view(), name="queue-approvals"),
    path("queues/reviews/", queues.ReviewsApi.as_view(), name="queue-reviews"),
    path("board/", queues.BoardApi.as_view(), name="board"),
    path("categories/", reference.CategoryListApi.as_view(), name="categories"),
    path("departments/", reference.DepartmentListApi.as_view(), name="departments"),
    path("jurisdictions/", reference.JurisdictionListApi.as_view(), name="jurisdictions"),
    path("similar/", similar_apis.SimilarCasesApi.as_view(), name="similar"),
    path(
        "public/statistics/",
        opendata_apis.PublicStatisticsApi.as_view(),
        name="public-statistics",
    ),
    path("public/open-data/", opendata_apis.OpenDataIndexApi.as_view(), name="open-data"),
    path("routing-accuracy/", routing_apis.RoutingAccuracyApi.as_view(), name="routing-accuracy"),
    path(
        "insights/reply-quality/",
        reply_quality_apis.ReplyQualityApi.as_view(),
        name="insights-reply-quality",
    ),
    path("insights/", include("interaction.insights.urls")),
    path("hot-issues/", include("interaction.hotspots.urls")),
    path(
        "cases/<str:tracking_no>/support/",
        hotspot_apis.CaseSupportApi.as_view(),
        name="case-support",
    ),
    path("", include("interaction.dialogue.urls")),
    path("notifications/", notifications.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        notifications.NotificationReadApi.as_view(),
        name="notification-read",
    ),
    path("auth/token/", account_apis.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/revoke/", account_apis.TokenRevokeApi.as_view(), name="auth-token-revoke"),
]
