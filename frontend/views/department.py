"""The department: the liaison's inbox and actions, the head's approvals."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from interaction import selectors
from interaction.models import Case
from interaction.services import handling, review

from .case import perform
from .common import acting_user, current_user, reply_rows, role_required, with_badges

DEPARTMENT = (Role.LIAISON, Role.HEAD)


@role_required(*DEPARTMENT)
def inbox(request: HttpRequest) -> HttpResponse:
    """Open cases of my departments, the nearest deadline first; cases we assist on below."""
    user = current_user(request)
    assert user is not None
    return render(
        request,
        "frontend/department/inbox.html",
        {
            "rows": with_badges(selectors.department_inbox(user=user)),
            "assisting": with_badges(selectors.assisting_cases(user=user)),
            "live_list": True,
        },
    )


@role_required(Role.HEAD)
def approvals(request: HttpRequest) -> HttpResponse:
    """Drafted replies of my departments waiting for my approval."""
    user = current_user(request)
    assert user is not None
    rows = reply_rows(selectors.approvals_pending(user=user))
    return render(request, "frontend/department/approvals.html", {"rows": rows, "live_list": True})


@require_POST
@role_required(*DEPARTMENT)
def sign(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return handling.case_sign(case_id=case.pk, actor=acting_user(request))

    return perform(request, tracking_no, "sign", call, _("Signed for."))


@require_POST
@role_required(*DEPARTMENT)
def start(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return handling.case_start(case_id=case.pk, actor=acting_user(request))

    return perform(request, tracking_no, "start", call, _("Handling started."))


@require_POST
@role_required(*DEPARTMENT)
def return_case(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        data = form.cleaned_data
        return handling.case_return(
            case_id=case.pk,
            actor=acting_user(request),
            reason_code=data.get("reason_code") or "",
            reason_text=data.get("reason_text") or "",
        )

    return perform(
        request, tracking_no, "return", call, _("The case was returned to the dispatcher.")
    )


@require_POST
@role_required(*DEPARTMENT)
def request_info(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return handling.case_request_info(
            case_id=case.pk,
            actor=acting_user(request),
            question=form.cleaned_data.get("question") or "",
        )

    return perform(
        request, tracking_no, "request_info", call, _("The citizen was asked for more information.")
    )


@require_POST
@role_required(*DEPARTMENT)
def draft_reply(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return handling.case_draft_reply(
            case_id=case.pk, actor=acting_user(request), body=form.cleaned_data.get("body") or ""
        )

    return perform(
        request, tracking_no, "draft_reply", call, _("The reply awaits the head's approval.")
    )


@require_POST
@role_required(*DEPARTMENT)
def request_extension(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        data = form.cleaned_data
        return handling.extension_request(
            case_id=case.pk,
            actor=acting_user(request),
            days=data["days"],
            reason=data.get("reason") or "",
        )

    return perform(
        request, tracking_no, "extension", call, _("The extension request was sent to supervision.")
    )


@require_POST
@role_required(Role.HEAD)
def approve_reply(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return review.case_approve_reply(case_id=case.pk, actor=acting_user(request))

    return perform(
        request,
        tracking_no,
        "approve_reply",
        call,
        _("The reply was approved for platform review."),
    )


@require_POST
@role_required(Role.HEAD)
def reject_reply(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return review.case_reject_reply(
            case_id=case.pk, actor=acting_user(request), note=form.cleaned_data.get("note") or ""
        )

    return perform(
        request, tracking_no, "reject_reply", call, _("The reply was sent back to the handler.")
    )
