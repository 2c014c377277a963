"""Page addresses. Each case action has its own POST address, like the API."""

from django.urls import include, path

from .views import (
    auth,
    case,
    citizen,
    department,
    dispatch,
    hotspots,
    insights,
    opendata,
    public,
    supervision,
)
from .views import routing as routing_views

app_name = "frontend"

case_actions = [
    # citizen (or the holder of the private link)
    ("evaluate", citizen.evaluate),
    ("provide-info", citizen.provide_info),
    # department
    ("sign", department.sign),
    ("start", department.start),
    ("return", department.return_case),
    ("request-info", department.request_info),
    ("draft-reply", department.draft_reply),
    ("request-extension", department.request_extension),
    ("approve-reply", department.approve_reply),
    ("reject-reply", department.reject_reply),
    # dispatcher
    ("dispatch", dispatch.dispatch_case),
    ("close-invalid", dispatch.close_invalid),
    ("merge", dispatch.merge),
    ("accept-return", dispatch.accept_return),
    ("reject-return", dispatch.reject_return),
    ("publish-reply", dispatch.publish_reply),
    ("rework-reply", dispatch.rework_reply),
    # citizens: support (附议) a published case
    ("support", hotspots.support),
]

urlpatterns = [
    # public
    path("", public.home, name="home"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", public.favicon, name="favicon"),
    path("language/<str:code>/", public.language, name="language"),
    path("statistics/", opendata.statistics_page, name="statistics"),
    path("open-data/", opendata.open_data, name="open-data"),
    path("open-data/files/<str:name>", opendata.open_data_file, name="open-data-file"),
    path("dialogues/", include("frontend.urls_dialogue")),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout, name="logout"),
    path("register/", auth.register, name="register"),
    path("notifications/", public.notifications, name="notifications"),
    path("notifications/read/", public.notifications_read, name="notifications-read"),
    # citizen
    path("write/", citizen.write, name="write"),
    path("write/done/", citizen.write_done, name="write-done"),
    path("my/cases/", citizen.my_cases, name="my-cases"),
    # every role: the case page
    path("cases/<str:tracking_no>/", case.case_detail, name="case-detail"),
    path(
        "cases/<str:tracking_no>/attachments/<int:attachment_id>/",
        case.attachment,
        name="case-attachment",
    ),
    *[
        path(f"cases/<str:tracking_no>/{name}/", view, name=f"case-{name}")
        for name, view in case_actions
    ],
    # dispatcher
    path("dispatch/queue/", dispatch.queue, name="dispatch-queue"),
    path("dispatch/reviews/", dispatch.reviews, name="reviews"),
    # administrator
    path("routing/accuracy/", routing_views.routing_accuracy, name="routing-accuracy"),
    # department
    path("department/inbox/", department.inbox, name="inbox"),
    path("department/approvals/", department.approvals, name="approvals"),
    # supervision
    path("supervision/board/", supervision.board, name="board"),
    path(
        "supervision/extensions/<int:request_id>/decide/",
        supervision.extension_decide,
        name="extension-decide",
    ),
    path(
        "supervision/notices/<int:notice_id>/",
        supervision.notice_document,
        name="notice-document",
    ),
    # leaders: dashboard, drill-down, weekly/monthly report
    path("insights/", insights.dashboard, name="dashboard"),
    path("insights/cases/", insights.figure_cases, name="insights-cases"),
    path("insights/report/", insights.report_page, name="report"),
    path("insights/report.xlsx", insights.report_download, name="report-xlsx"),
    # hot issues (热点问题)
    path("hot-issues/", hotspots.hot_issue_list, name="hot-issues"),
    path("hot-issues/<int:hot_issue_id>/", hotspots.hot_issue_detail, name="hot-issue"),
    path(
        "hot-issues/<int:hot_issue_id>/confirm/",
        hotspots.confirm,
        name="hot-issue-confirm",
    ),
    path("hot-issues/<int:hot_issue_id>/assign/", hotspots.assign, name="hot-issue-assign"),
    path("hot-issues/<int:hot_issue_id>/answer/", hotspots.answer, name="hot-issue-answer"),
    *[
        path(f"hot-issues/answers/<int:answer_id>/{step}/", view, name=f"hot-answer-{step}")
        for step, view in [
            ("approve", hotspots.answer_approve),
            ("reject", hotspots.answer_reject),
            ("publish", hotspots.answer_publish),
            ("rework", hotspots.answer_rework),
        ]
    ],
]
