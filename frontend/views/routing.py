"""Administrators: how often the automatic dispatch had to be undone (routing accuracy)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role
from interaction.insights_routing import routing_accuracy as accuracy_figures

from .common import role_required

# The periods the page offers: (days or None for all time, label).
PERIODS = [
    (30, _("Last 30 days")),
    (90, _("Last 90 days")),
    (365, _("Last year")),
    (None, _("All")),
]


@role_required(Role.ADMIN)
def routing_accuracy(request: HttpRequest) -> HttpResponse:
    """Share of auto-dispatched cases later returned or moved, by category and model version."""
    chosen = request.GET.get("days", "")
    days = next((d for d, _label in PERIODS if d is not None and str(d) == chosen), None)
    since = timezone.now() - dt.timedelta(days=days) if days else None
    context = {
        "figures": accuracy_figures(since),
        "periods": [{"days": d, "label": label, "active": d == days} for d, label in PERIODS],
    }
    return render(request, "frontend/routing/accuracy.html", context)
