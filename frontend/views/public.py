"""Pages for everyone: the home page with the published questions and answers, notifications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from interaction import selectors
from interaction.privacy.listing import (
    MAX_PAGES,
    PER_PAGE,
    ListRow,
    Reference,
    cache_key,
    cache_lookup,
    cache_seconds,
    cache_store,
    public_page,
    reference,
)
from interaction.privacy.selectors import PublicFilters
from interaction.services.notifications import notifications_mark_read

from .. import frames
from .common import current_user


class PublicSearchForm(forms.Form):
    """Search and filters of the published questions and answers. A filter must name a known
    category, department or district (checked against the reference-data cache, so no query);
    the template draws the selects from the same cache."""

    q = forms.CharField(label=gettext_lazy("Search"), max_length=100, required=False)
    category = forms.IntegerField(label=gettext_lazy("Category"), required=False, min_value=1)
    department = forms.IntegerField(label=gettext_lazy("Department"), required=False, min_value=1)
    district = forms.IntegerField(label=gettext_lazy("District"), required=False, min_value=1)
    date_from = forms.DateField(label=gettext_lazy("Replied from"), required=False)
    date_to = forms.DateField(label=gettext_lazy("Replied until"), required=False)

    def __init__(self, data: Any, reference: Reference) -> None:
        super().__init__(data)
        self.reference = reference

    def _known(self, name: str, names: dict[int, str]) -> int | None:
        value = self.cleaned_data.get(name)
        if value is not None and value not in names:
            raise forms.ValidationError(_("Choose from the list."))
        return value

    def clean_category(self) -> int | None:
        return self._known("category", self.reference.categories)

    def clean_department(self) -> int | None:
        return self._known("department", self.reference.departments)

    def clean_district(self) -> int | None:
        return self._known("district", self.reference.districts)

    def filters(self) -> PublicFilters:
        data = self.cleaned_data
        return PublicFilters(
            category_id=data.get("category"),
            department_id=data.get("department"),
            district_id=data.get("district"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def selected(self, name: str) -> int | None:
        return self.cleaned_data.get(name) if self.is_valid() else None


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


LIST_PARAMETERS = ("q", "category", "department", "district", "date_from", "date_to", "page")


def rows_html(rows: list[ListRow]) -> SafeString:
    """The list items of a page of published cases. Built here rather than in the template:
    twenty rows through the template language cost 0.5 ms, a quarter of a page's rendering."""
    replied = escape(_("replied"))
    items = []
    for row in rows:
        meta = "".join(
            f"{escape(name)} · " for name in (row.category, row.department, row.district) if name
        )
        items.append(
            f'<li class="case-card" data-case="{escape(row.tracking_no)}">'
            f'<a class="title" href="{escape(row.url)}">{escape(row.subject)}</a>'
            f'<div class="meta muted">{meta}{replied} {escape(row.replied_on)}</div></li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every value escaped above)


def public_list_html(request: HttpRequest) -> str:
    """The published list of the home page for the query string of `request`, rendered, from
    the cache when the same list was rendered since the last change (privacy.listing)."""
    key = None
    if cache_seconds():
        wanted = [(name, request.GET.getlist(name)) for name in LIST_PARAMETERS]
        key = cache_key("page", get_language(), wanted)
        html, version = cache_lookup(key)
        if html is not None:
            return str(html)
    ref = reference()
    search = PublicSearchForm(request.GET or None, ref)
    valid = search.is_valid()
    query = search.cleaned_data.get("q", "") if valid else ""
    filters = search.filters() if valid else None
    page = public_page(query, filters, _page_number(request.GET.get("page")), ref=ref)
    params = request.GET.copy()
    params.pop("page", None)
    html = render_to_string(
        "frontend/_public_list.html",
        {
            "search": search,
            "query": query,
            "options": {
                name: ref.options(name, search.selected(name))
                for name in ("category", "department", "district")
            },
            "date_from": search.cleaned_data.get("date_from") if valid else None,
            "date_to": search.cleaned_data.get("date_to") if valid else None,
            "filtered": bool(query or filters),
            "page": page,
            "rows": rows_html(page.rows),
            "max_results": MAX_PAGES * PER_PAGE,
            "querystring": params.urlencode(),
        },
    )
    if key and not page.timed_out:
        cache_store(key, html, version)
    return html


def home(request: HttpRequest) -> HttpResponse:
    """What the platform is, the write button, and the published Q&A: searched in Chinese (jieba
    tokens), filtered by category, department, district and reply date. The list is the public's
    view for everyone: masked subjects from the search rows (`privacy.listing`), a handful of
    indexed queries whatever the number of published cases, and the rendered list is shared by
    every visitor through the cache until something in it changes. Anonymous visitors get the
    page around the list from a frame rendered once per language (`frontend.frames`)."""
    user = current_user(request)
    if user is None and frames.usable(request):
        return frames.render_framed(
            request,
            "frontend/home.html",
            {"start_url": None},
            {"public_list": public_list_html(request)},
        )
    return render(
        request,
        "frontend/home.html",
        {
            "public_list": mark_safe(public_list_html(request)),  # noqa: S308 (our template)
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


@require_GET
@never_cache
def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the interface language and go back to `next` (an address of this site, else the
    home page). Every page's footer links each language here: one tap on a phone, and no form,
    so public pages carry no CSRF token (the choice is only a preference cookie)."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon, for browsers that ask for /favicon.ico (the admin names none)."""
    return redirect(static("frontend/icon.svg"), permanent=True)
