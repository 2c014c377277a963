"""Supervision (督办): the board for supervisors (and, read-only, leaders); notice documents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from interaction import permissions, selectors
from interaction.errors import DomainError, NotAllowed
from interaction.hotspots import selectors as hotspot_selectors
from interaction.models import SupervisionLevel
from interaction.services import supervision

from ..forms import ExtensionDecisionForm, show_domain_error
from .common import current_user, role_required, with_badges

BOARD_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
DECIDERS = (Role.SUPERVISOR, Role.ADMIN)


def _board(
    request: HttpRequest, bound: dict[int, ExtensionDecisionForm] | None = None
) -> HttpResponse:
    user = current_user(request)
    assert user is not None
    now = timezone.now()
    can_decide = user.has_role(*DECIDERS)
    extensions = [
        {
            "request": item,
            "form": (bound or {}).get(item.pk)
            or ExtensionDecisionForm(initial={"days": item.days_requested}),
        }
        for item in selectors.pending_extensions()
    ]
    context: dict[str, Any] = {
        "by_department": selectors.overdue_by_department(user=user, now=now),
        "overdue": with_badges(selectors.overdue_cases(user=user, now=now)[:50]),
        "at_risk": with_badges(selectors.at_risk_cases(user=user, now=now)[:50]),
        "problems": with_badges(selectors.problem_cases(user=user)[:50]),
        "extensions": extensions,
        "notices": selectors.recent_supervision_notices(limit=50),
        "repeats": hotspot_selectors.repeat_complaints()[:50],
        "can_decide": can_decide,
        "document_level": SupervisionLevel.NOTICE,
        "live_list": True,
    }
    return render(request, "frontend/supervision/board.html", context)


@role_required(*BOARD_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    return _board(request)


@require_POST
@role_required(*DECIDERS)
def extension_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    """Grant (possibly fewer days than asked) or deny an extension request."""
    user = current_user(request)
    assert user is not None
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return _board(request, {request_id: form})
    data = form.cleaned_data
    grant = data["decision"] == "grant"
    try:
        supervision.extension_decide(
            request_id=request_id,
            actor=user,
            grant=grant,
            days=data.get("days") if grant else None,
            note=data.get("note") or "",
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        show_domain_error(form, exc)
        return _board(request, {request_id: form})
    messages.success(
        request, _("The extension was granted.") if grant else _("The extension was denied.")
    )
    return redirect("frontend:board")


def notice_document(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The printable supervision notice (督办通知书) of level 3 (or public criticism, level 4).

    Supervisors, leaders and admins see every notice; a department sees its own.
    """
    user = current_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    notice = selectors.supervision_notice(notice_id=notice_id)
    if notice is None or notice.level < SupervisionLevel.NOTICE:
        raise Http404
    allowed = user.has_role(*BOARD_ROLES) or (
        user.role in (Role.LIAISON, Role.HEAD)
        and notice.department_id in permissions.department_ids(user)
    )
    if not allowed:
        raise Http404
    return render(
        request,
        "frontend/supervision/notice_document.html",
        {"notice": notice, "case": notice.case, "today": timezone.localdate()},
    )
