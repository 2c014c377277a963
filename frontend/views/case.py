"""The case page, shared by every role: what each viewer may see, and the actions they may take.

Every action has its own POST address (see the role modules); they all go through `perform`,
which parses the form, calls the service and, on a domain error, renders this page again with the
bound form so that nothing the person typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role
from backend.organisation.workcalendar import WorkCalendar
from interaction import deadlines, permissions, selectors, similarity
from interaction.errors import DomainError, NotAllowed
from interaction.models import Case
from interaction.privacy.selectors import MaskedText, masked_case_text
from interaction.replyquality.selectors import quality_of
from interaction.states import CLOCK_RUNNING_STATUSES, TRANSITIONS, Action, Status

from .. import forms as page_forms
from .common import case_or_404, case_url, current_user, deadline_badge, safe_next, token_of

# Served attachments: no scripts, plugins, forms or frames, whatever the browser thinks they are.
ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

# The steps of the indicator, and the step each status stands on.
STEPS = [
    ("received", _("Received")),
    ("dispatched", _("Dispatched")),
    ("signed", _("Signed for")),
    ("handling", _("Being handled")),
    ("review", _("Reply under review")),
    ("replied", _("Replied")),
    ("closed", _("Closed")),
]
STEP_OF = {
    Status.SUBMITTED: 0,
    Status.DISPATCHED: 1,
    Status.RETURNED: 1,
    Status.SIGNED: 2,
    Status.HANDLING: 3,
    Status.AWAITING_CITIZEN: 3,
    Status.REPLY_DRAFTED: 4,
    Status.REPLY_APPROVED: 4,
    Status.REPLIED: 5,
    Status.CLOSED: 6,
}

# Action name on the page → the form that carries its input (None: a button only).
FORMS: dict[str, type[forms.Form] | None] = {
    "evaluate": page_forms.EvaluationForm,
    "provide_info": page_forms.ProvideInfoForm,
    "sign": None,
    "start": None,
    "return": page_forms.ReturnForm,
    "request_info": page_forms.InfoRequestForm,
    "draft_reply": page_forms.ReplyForm,
    "extension": page_forms.ExtensionForm,
    "approve_reply": None,
    "reject_reply": page_forms.NoteForm,
    "dispatch": page_forms.DispatchForm,
    "close_invalid": page_forms.CloseInvalidForm,
    "merge": page_forms.MergeForm,
    "accept_return": page_forms.AcceptReturnForm,
    "reject_return": page_forms.RejectReturnForm,
    "publish_reply": None,
    "rework_reply": page_forms.NoteForm,
}
# Page actions that are transitions of the table (the others are checked by hand below).
TABLE_ACTIONS = {
    "provide_info": Action.PROVIDE_INFO,
    "sign": Action.SIGN,
    "start": Action.START,
    "return": Action.RETURN,
    "request_info": Action.REQUEST_INFO,
    "draft_reply": Action.DRAFT_REPLY,
    "approve_reply": Action.APPROVE_REPLY,
    "reject_reply": Action.REJECT_REPLY,
    "dispatch": Action.DISPATCH,
    "close_invalid": Action.CLOSE_INVALID,
    "merge": Action.MERGE,
    "accept_return": Action.ACCEPT_RETURN,
    "reject_return": Action.REJECT_RETURN,
    "publish_reply": Action.PUBLISH_REPLY,
    "rework_reply": Action.REWORK_REPLY,
}


def available_actions(request: HttpRequest, case: Case) -> list[str]:
    """The page actions this viewer may take on this case now (table + object rules)."""
    user = current_user(request)
    token = token_of(request)
    names = []
    for name, action in TABLE_ACTIONS.items():
        if case.status in TRANSITIONS[action].sources and permissions.can_take(
            user, action, case, token=token
        ):
            names.append(name)
    if case.status == Status.REPLIED and (
        permissions.can_take(user, Action.EVALUATE, case, token=token)
    ):
        names.append("evaluate")
    if (
        user is not None
        and user.role in (Role.LIAISON, Role.HEAD)
        and case.status in CLOCK_RUNNING_STATUSES
        and case.reply_deadline is not None
        and case.reply_deadline > timezone.now()
        and case.lead_department_id in permissions.department_ids(user)
        and not case.extension_requests.filter(decision="pending").exists()
    ):
        names.append("extension")
    return names


def _initial(name: str, case: Case) -> dict[str, Any]:
    if name in ("dispatch", "accept_return"):
        first = case.suggestions[0] if case.suggestions else {}
        return {
            "category": case.category_id or case.predicted_category_id or first.get("category_id"),
            "department": None if name == "accept_return" else first.get("department_id"),
        }
    return {}


def _steps(case: Case) -> list[dict[str, Any]]:
    current = STEP_OF.get(Status(case.status))
    return [
        {
            "key": key,
            "label": label,
            "state": (
                "none"
                if current is None
                else "done"
                if index < current
                else "current"
                if index == current
                else "todo"
            ),
        }
        for index, (key, label) in enumerate(STEPS)
    ]


def shown_text(case: Case, *, private: bool) -> MaskedText:
    """The case's text as this viewer sees it: the original for those who may see the private
    details (the citizen, the case's handlers), masked for everyone else."""
    if not private:
        return masked_case_text(case, events=[])
    reply = selectors.published_reply(case)
    return MaskedText(
        subject=case.subject,
        body=case.body,
        reply=reply.body if reply else "",
        closure_reason=case.closure_reason,
    )


def render_case(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    token = token_of(request)
    owner = permissions.is_owner(user, case, token)
    private = permissions.sees_private_details(user, case, token=token)
    staff = private and not owner
    actions = available_actions(request, case)
    page_forms_: dict[str, forms.Form | None] = {}
    # A bound form is shown even if the action just became impossible: its error says why.
    for name in [*actions, *[n for n in bound or {} if n not in actions]]:
        form_class = FORMS[name]
        if bound and name in bound:
            page_forms_[name] = bound[name]
        elif form_class is not None:
            page_forms_[name] = form_class(initial=_initial(name, case))
        else:
            page_forms_[name] = None
    calendar = WorkCalendar.load()
    published = selectors.published_reply(case)
    current = selectors.current_reply(case) if staff else None
    context = {
        "case": case,
        "token": token if owner and token else "",
        "is_owner": owner,
        "sees_private": private,
        "shown": shown_text(case, private=private),
        "sees_identity": permissions.sees_identity(user, case, token=token),
        "is_staff_view": staff,
        "actions": [*actions, *[n for n in bound or {} if n not in actions]],
        "forms": page_forms_,
        "steps": _steps(case),
        # Time used and left only while the department's clock runs (or waits for the citizen).
        "progress": deadlines.working_time(case, calendar=calendar)
        if case.status in CLOCK_RUNNING_STATUSES or case.status == Status.AWAITING_CITIZEN
        else None,
        "explanation": deadlines.explain(case, calendar=calendar),
        "badge": deadline_badge(case),
        "timeline": selectors.timeline(case, public_only=not staff),
        "published_reply": published,
        "current_reply": current,
        # Reply quality: staff only, never the citizen or the public.
        "published_quality": quality_of(published) if staff else None,
        "current_quality": quality_of(current) if staff else None,
        "replies": list(case.replies.all()) if staff else [],
        "pending_return": selectors.pending_return(case) if staff else None,
        "pending_extension": selectors.pending_extension(case) if staff else None,
        "open_info_request": selectors.open_info_request(case) if private else None,
        "evaluations": selectors.case_evaluations(case) if private else [],
        "notices": selectors.case_supervision_notices(case) if staff else [],
        "attachments": list(case.attachments.all()) if private else [],
        "suggestions": case.suggestions[:3] if staff else [],
        # A dispatcher triaging a new message: earlier messages it may duplicate (to merge).
        "duplicates": similarity.likely_duplicates(case) if "merge" in actions else [],
        "live_case_id": case.pk if user is not None else None,
    }
    return render(request, "frontend/case_detail.html", context, status=status)


def case_detail(request: HttpRequest, tracking_no: str) -> HttpResponse:
    case = case_or_404(request, tracking_no)
    return render_case(request, case)


def perform(
    request: HttpRequest,
    tracking_no: str,
    name: str,
    call: Callable[[Case, Any], object],
    success: Any,
) -> HttpResponse:
    """Run one page action: parse its form, call the service, redirect or show the error."""
    case = case_or_404(request, tracking_no)
    form_class = FORMS[name]
    form = form_class(request.POST) if form_class is not None else None
    if form is not None and not form.is_valid():
        return render_case(request, case, bound={name: form})
    try:
        call(case, form)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        case.refresh_from_db()
        if form is None:
            messages.error(request, str(exc.message))
            return redirect(case_url(case, token_of(request)))
        page_forms.show_domain_error(form, exc)
        return render_case(request, case, bound={name: form})
    messages.success(request, success)
    return redirect(safe_next(request, case_url(case, token_of(request))))


def attachment(request: HttpRequest, tracking_no: str, attachment_id: int) -> FileResponse:
    """An attachment, for those who may see the case's private details (never the public)."""
    case = case_or_404(request, tracking_no)
    if not permissions.sees_private_details(current_user(request), case, token=token_of(request)):
        raise Http404
    item = case.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    # Never run or rendered as a page: its checked type only (nosniff); images open in the
    # browser, anything else (PDF) is downloaded; a sandbox without scripts or plugins in case a
    # browser renders it anyway; never cached, never embedded by another site.
    image = item.content_type.startswith("image/")
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=not image,
        filename=f"{case.tracking_no}-{item.pk}{item.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response
