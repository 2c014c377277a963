"""Pages for everyone: the home page with the published questions and answers, notifications."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backend.organisation.models import Category, Department, Jurisdiction
from interaction import selectors
from interaction.privacy.selectors import PublicFilters, masked_subjects, search_published
from interaction.services.notifications import notifications_mark_read

from .common import current_user


class PublicSearchForm(forms.Form):
    """Search and filters of the published questions and answers."""

    q = forms.CharField(label=gettext_lazy("Search"), max_length=100, required=False)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.filter(is_active=True).select_related("parent"),
        required=False,
        empty_label=gettext_lazy("All categories"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All departments"),
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("District"),
        queryset=Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).order_by("name"),
        required=False,
        empty_label=gettext_lazy("All districts"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("Replied from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Replied until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filters(self) -> PublicFilters:
        data = self.cleaned_data
        return PublicFilters(
            category_id=data["category"].pk if data.get("category") else None,
            department_id=data["department"].pk if data.get("department") else None,
            district_id=data["district"].pk if data.get("district") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def home(request: HttpRequest) -> HttpResponse:
    """What the platform is, the write button, and the published Q&A: searched in Chinese (jieba
    tokens), filtered by category, department, district and reply date. The list is the public's
    view: subjects are masked for every viewer (handlers see the original on the case page)."""
    search = PublicSearchForm(request.GET or None)
    valid = search.is_valid()
    query = search.cleaned_data["q"] if valid else ""
    cases = search_published(query, search.filters() if valid else None)
    page = Paginator(cases, 20).get_page(request.GET.get("page"))
    subjects = masked_subjects(page.object_list)
    user = current_user(request)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "frontend/home.html",
        {
            "search": search,
            "query": query,
            "filtered": valid and any(v for k, v in search.cleaned_data.items()),
            "page": page,
            "rows": [{"case": c, "subject": subjects[c.pk]} for c in page.object_list],
            "querystring": params.urlencode(),
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
