"""What every page view shares: role checks, the case lookup, the private link, safe redirects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from interaction import permissions, selectors
from interaction.models import Case
from interaction.states import CLOCK_RUNNING_STATUSES

View = Callable[..., HttpResponse]


def current_user(request: HttpRequest) -> User | None:
    """The signed-in user, or None for a visitor (services take None for anonymous citizens)."""
    user = request.user
    return user if user.is_authenticated else None


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a view guarded by `role_required`."""
    user = current_user(request)
    if user is None:
        raise PermissionDenied
    return user


def role_required(*roles: str) -> Callable[[View], View]:
    """Visitors go to the login page; people of another role get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = current_user(request)
            if user is None:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def token_of(request: HttpRequest) -> str | None:
    """The private link's token (anonymous writers), from the form or the address."""
    return request.POST.get("token") or request.GET.get("token") or None


def case_or_404(request: HttpRequest, tracking_no: str) -> Case:
    """The case if this person may open it; 404 otherwise (never reveal that it exists)."""
    case = selectors.case_detail(tracking_no=tracking_no)
    if case is None or not permissions.can_view(
        current_user(request), case, token=token_of(request)
    ):
        raise Http404
    return case


def case_url(case: Case, token: str | None = None) -> str:
    url = case.get_absolute_url()
    return f"{url}?token={token}" if token else url


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` page the form asked for, if it is on this site; else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


def deadline_badge(case: Case, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The badge a list shows next to a case whose clock runs: overdue, at risk, or on time."""
    if case.status not in CLOCK_RUNNING_STATUSES or case.reply_deadline is None:
        return None
    now = now or timezone.now()
    if case.reply_deadline < now:
        return {"css": "overdue", "label": _("Overdue")}
    if case.warn_at is not None and case.warn_at <= now:
        return {"css": "risk", "label": _("Deadline near")}
    return {"css": "ok", "label": _("On time")}


def reply_rows(cases: Any) -> list[dict[str, Any]]:
    """Rows of the pages that pass or send back replies (head approvals, platform reviews),
    each with the reply's quality (staff pages only)."""
    from interaction.replyquality.selectors import quality_of

    from ..forms import NoteForm

    return [
        {
            "case": case,
            "reply": reply,
            "quality": quality_of(reply),
            "form": NoteForm(auto_id=f"id_{case.pk}_%s"),
        }
        for case, reply in selectors.with_current_replies(cases)
    ]


def with_badges(cases: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"case": case, "badge": deadline_badge(case, now)} for case in cases]
