"""The citizen: write a message (with or without an account), my cases, rate, answer questions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from interaction import selectors
from interaction.errors import DomainError
from interaction.models import Case
from interaction.services import evaluation, handling, intake

from ..forms import SubmissionForm, show_domain_error
from .case import perform
from .common import current_user, role_required, token_of, with_badges

SESSION_LAST_CASE = "frontend.last_case"


def write(request: HttpRequest) -> HttpResponse:
    """The message form. Visitors may write too: they get a tracking number and a private link."""
    user = current_user(request)
    if user is not None and user.role != Role.CITIZEN:
        messages.info(request, _("Staff accounts cannot write to the mailbox."))
        return redirect(selectors.home_for(user))
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                case = intake.case_submit(actor=user, submission=form.submission())
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                request.session[SESSION_LAST_CASE] = case.pk
                return redirect("frontend:write-done")
    else:
        form = SubmissionForm(user=user)
    return render(request, "frontend/citizen/write.html", {"form": form})


def write_done(request: HttpRequest) -> HttpResponse:
    """Right after writing: the tracking number and the private link (shown once, kept by you)."""
    case_id = request.session.get(SESSION_LAST_CASE)
    case = Case.objects.filter(pk=case_id).first() if case_id else None
    if case is None:
        raise Http404
    private_link = request.build_absolute_uri(
        f"{case.get_absolute_url()}?token={case.access_token}"
    )
    return render(
        request, "frontend/citizen/write_done.html", {"case": case, "private_link": private_link}
    )


@role_required(Role.CITIZEN)
def my_cases(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    assert user is not None
    rows = with_badges(selectors.citizen_cases(user=user))
    return render(request, "frontend/citizen/my_cases.html", {"rows": rows, "live_list": True})


def _citizen(request: HttpRequest) -> Any:
    return current_user(request)


@require_POST
def evaluate(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        data = form.cleaned_data
        return evaluation.case_evaluate(
            case_id=case.pk,
            actor=_citizen(request),
            token=token_of(request),
            attitude=data.get("attitude") or "",
            result=data.get("result") or "",
            solved=data.get("solved") == "yes",
            comment=data.get("comment") or "",
        )

    return perform(
        request, tracking_no, "evaluate", call, gettext_lazy("Thank you for your rating.")
    )


@require_POST
def provide_info(request: HttpRequest, tracking_no: str) -> HttpResponse:
    def call(case: Case, form: Any) -> object:
        return handling.case_provide_info(
            case_id=case.pk,
            actor=_citizen(request),
            token=token_of(request),
            answer=form.cleaned_data.get("answer") or "",
        )

    return perform(
        request,
        tracking_no,
        "provide_info",
        call,
        gettext_lazy("Your information was sent to the department."),
    )
