"""Pages for everyone: the home page with the published questions and answers, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interaction import selectors
from interaction.services.notifications import notifications_mark_read

from ..forms import SearchForm
from .common import current_user


def home(request: HttpRequest) -> HttpResponse:
    """What the platform is, the write button, and the published Q&A (searchable by subject)."""
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(selectors.published_cases_matching(query), 20).get_page(
        request.GET.get("page")
    )
    user = current_user(request)
    return render(
        request,
        "frontend/home.html",
        {
            "search": search,
            "query": query,
            "page": page,
            "start_url": selectors.home_for(user) if user is not None else None,
        },
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    assert user is not None
    page = Paginator(selectors.notifications_for(user=user), 30).get_page(request.GET.get("page"))
    return render(request, "frontend/notifications.html", {"page": page, "live_list": True})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    assert user is not None
    count = notifications_mark_read(user=user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("frontend:notifications")
