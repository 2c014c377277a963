"""The platform dispatcher: the queue (new and returned cases) and the review of replies."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from interaction import selectors
from interaction.models import Case
from interaction.services import dispatch, review

from .case import perform
from .common import acting_user, current_user, reply_rows, role_required

DISPATCHERS = (Role.DISPATCHER, Role.ADMIN)


@role_required(*DISPATCHERS)
def queue(request: HttpRequest) -> HttpResponse:
    """New and returned cases, the oldest first, with the classifier's suggestions."""
    user = current_user(request)
    assert user is not None
    cases = list(selectors.dispatcher_queue(user=user))
    returns = selectors.pending_returns_for(cases)
    rows = [
        {"case": case, "suggestions": case.suggestions[:3], "return": returns.get(case.pk)}
        for case in cases
    ]
    return render(request, "frontend/dispatch/queue.html", {"rows": rows, "live_list": True})


@role_required(*DISPATCHERS)
def reviews(request: HttpRequest) -> HttpResponse:
    """Replies approved by their department, waiting for the platform to pass them."""
    user = current_user(request)
    assert user is not None
    rows = reply_rows(selectors.reviews_pending(user=user))
    return render(request, "frontend/dispatch/reviews.html", {"rows": rows, "live_list": True})


@require_POST
@role_required(*DISPATCHERS)
def dispatch_case(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        ids = form.ids()
        return dispatch.case_dispatch(case_id=case.pk, actor=acting_user(request), **ids)

    return perform(request, tracking_no, "dispatch", call, _("The case was dispatched."))


@require_POST
@role_required(*DISPATCHERS)
def close_invalid(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return dispatch.case_close_invalid(
            case_id=case.pk,
            actor=acting_user(request),
            reason=form.cleaned_data.get("reason") or "",
        )

    return perform(request, tracking_no, "close_invalid", call, _("The case was closed."))


@require_POST
@role_required(*DISPATCHERS)
def merge(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return dispatch.case_merge(
            case_id=case.pk, actor=acting_user(request), into_id=form.cleaned_data["into"]
        )

    return perform(request, tracking_no, "merge", call, _("The case was merged."))


@require_POST
@role_required(*DISPATCHERS)
def accept_return(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        ids = form.ids()
        ids.pop("assisting_ids")
        return dispatch.case_accept_return(case_id=case.pk, actor=acting_user(request), **ids)

    return perform(
        request,
        tracking_no,
        "accept_return",
        call,
        _("The return was accepted; case re-dispatched."),
    )


@require_POST
@role_required(*DISPATCHERS)
def reject_return(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return dispatch.case_reject_return(
            case_id=case.pk, actor=acting_user(request), note=form.cleaned_data.get("note") or ""
        )

    return perform(request, tracking_no, "reject_return", call, _("The return was rejected."))


@require_POST
@role_required(*DISPATCHERS)
def publish_reply(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return review.case_publish_reply(case_id=case.pk, actor=acting_user(request))

    return perform(request, tracking_no, "publish_reply", call, _("The reply was passed and sent."))


@require_POST
@role_required(*DISPATCHERS)
def rework_reply(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return review.case_rework_reply(
            case_id=case.pk, actor=acting_user(request), note=form.cleaned_data.get("note") or ""
        )

    return perform(
        request, tracking_no, "rework_reply", call, _("The reply was sent back for rework.")
    )
