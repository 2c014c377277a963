"""Hot issues (热点问题): the list and one group for leaders, supervisors and dispatchers; the
assigned department's coordinated answer; a citizen's support (附议) of a published case.

Reads go through `interaction.hotspots.selectors`, writes through its services; a group the
person may not open is a 404, a page of a role that does not work with hot issues a 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backend.organisation.models import Department, Jurisdiction
from interaction.errors import DomainError, NotAllowed
from interaction.hotspots import answers, permissions, selectors, services
from interaction.hotspots.models import CoordinatedAnswer, HotIssue

from ..forms import show_domain_error
from .common import case_or_404, current_user, safe_next, with_badges

PAGE_SIZE = 30
EVENT_LABELS = {
    "confirmed": gettext_lazy("Confirmed as a hot issue"),
    "assigned": gettext_lazy("Assigned to a department"),
    "answer_drafted": gettext_lazy("Coordinated answer written"),
    "answer_approved": gettext_lazy("Coordinated answer approved"),
    "answer_sent_back": gettext_lazy("Coordinated answer sent back"),
    "answer_published": gettext_lazy("Coordinated answer sent to the citizens"),
}


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.filter(is_active=True).order_by("code"),
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("The one reply to every case"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("What must change"), required=False)


def _viewer(request: HttpRequest) -> Any:
    user = current_user(request)
    if user is None:
        return None
    if not permissions.may_see_lists(user):
        raise PermissionDenied
    return user


def _rows(hot_issues: list[HotIssue]) -> list[dict[str, Any]]:
    now = timezone.now()
    counts = selectors.status_counts(hot_issues, now=now)
    return [{"hot": h, "hotness": h.hotness(now), "counts": counts[h.pk]} for h in hot_issues]


def hot_issue_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    status = request.GET.get("status") or ""
    status = status if status in HotIssue.Status.values else ""
    district = request.GET.get("district", "")
    qs = selectors.hot_issue_list(
        user=user,
        status=status or None,
        district_id=int(district) if district.isdigit() else None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in {"status": status, "district": district}.items() if v})
    return render(
        request,
        "hotspots/list.html",
        {
            "rows": _rows(list(page.object_list)),
            "page": page,
            "query": query,
            "status": status,
            "statuses": HotIssue.Status.choices,
            "district": district,
            "districts": Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT),
            "total": page.paginator.count,
        },
    )


def _detail_context(request: HttpRequest, hot: HotIssue, **forms_: Any) -> dict[str, Any]:
    user = current_user(request)
    now = timezone.now()
    counts = selectors.status_counts([hot], now=now)[hot.pk]
    pending = hot.answers.filter(state__in=answers.PENDING).first()
    cases = list(selectors.hot_issue_cases(hot, user=user))
    return {
        "hot": hot,
        "hotness": hot.hotness(now),
        "counts": counts,
        "case_rows": with_badges(cases),
        "repeats": selectors.hot_issue_repeats(hot),
        "answers": [
            {
                "answer": item,
                "skipped": [
                    (row["case"], answers.SKIP_LABELS.get(row["reason"], row["reason"]))
                    for row in item.skipped
                ],
            }
            for item in selectors.hot_issue_answers(hot)
        ],
        "events": [
            {"event": e, "label": EVENT_LABELS.get(e.action, e.action)}
            for e in selectors.hot_issue_events(hot)
        ],
        "pending": pending,
        "can_decide": permissions.can_decide(user),
        "can_answer": permissions.can_answer(user, hot) and pending is None,
        "can_approve": pending is not None
        and pending.state == CoordinatedAnswer.State.DRAFTED
        and permissions.can_approve(user, hot),
        "can_review": pending is not None
        and pending.state == CoordinatedAnswer.State.APPROVED
        and permissions.can_review(user),
        "assign_form": forms_.get("assign_form")
        or AssignForm(initial={"department": hot.department_id}),
        "answer_form": forms_.get("answer_form") or AnswerForm(),
        "note_form": forms_.get("note_form") or NoteForm(),
    }


def _hot_or_404(request: HttpRequest, hot_issue_id: int) -> HotIssue:
    hot = selectors.hot_issue_detail(user=current_user(request), hot_issue_id=hot_issue_id)
    if hot is None:
        raise Http404
    return hot


def hot_issue_detail(request: HttpRequest, hot_issue_id: int) -> HttpResponse:
    if _viewer(request) is None:
        return redirect_to_login(request.get_full_path())
    hot = _hot_or_404(request, hot_issue_id)
    return render(request, "hotspots/detail.html", _detail_context(request, hot))


def _act(request: HttpRequest, hot_issue_id: int) -> tuple[Any, HotIssue]:
    user = _viewer(request)
    if user is None:
        raise PermissionDenied
    return user, _hot_or_404(request, hot_issue_id)


def _done(hot: HotIssue, text: str, request: HttpRequest) -> HttpResponse:
    messages.success(request, text)
    return redirect("frontend:hot-issue", hot.pk)


def _refused(exc: NotAllowed) -> PermissionDenied:
    return PermissionDenied(str(exc.message))


@require_POST
def confirm(request: HttpRequest, hot_issue_id: int) -> HttpResponse:
    user, hot = _act(request, hot_issue_id)
    try:
        services.hot_issue_confirm(hot_issue_id=hot.pk, actor=user)
    except NotAllowed as exc:
        raise _refused(exc) from exc
    return _done(hot, _("Confirmed as a hot issue."), request)


@require_POST
def assign(request: HttpRequest, hot_issue_id: int) -> HttpResponse:
    user, hot = _act(request, hot_issue_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        department = form.cleaned_data["department"]
        try:
            services.hot_issue_assign(
                hot_issue_id=hot.pk,
                actor=user,
                department_id=department.pk if department else 0,
                note=form.cleaned_data["note"] or "",
            )
        except NotAllowed as exc:
            raise _refused(exc) from exc
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            return _done(hot, _("Assigned for one coordinated answer."), request)
    context = _detail_context(request, hot, assign_form=form)
    return render(request, "hotspots/detail.html", context, status=400)


@require_POST
def answer(request: HttpRequest, hot_issue_id: int) -> HttpResponse:
    user, hot = _act(request, hot_issue_id)
    form = AnswerForm(request.POST)
    form.is_valid()
    try:
        result = answers.answer_draft(
            hot_issue_id=hot.pk, actor=user, body=form.cleaned_data.get("body") or ""
        )
    except NotAllowed as exc:
        raise _refused(exc) from exc
    except DomainError as exc:
        show_domain_error(form, exc)
        context = _detail_context(request, hot, answer_form=form)
        return render(request, "hotspots/detail.html", context, status=400)
    return _done(
        hot,
        _("The answer was written for %(n)d cases; it waits for the head's approval.")
        % {"n": result.cases.count()},
        request,
    )


def _answer_step(request: HttpRequest, answer_id: int, step: str) -> HttpResponse:
    user = _viewer(request)
    if user is None:
        raise PermissionDenied
    item = CoordinatedAnswer.objects.filter(
        pk=answer_id, hot_issue__in=permissions.visible_hot_issues(user)
    ).first()
    if item is None:
        raise Http404
    hot = item.hot_issue
    form = NoteForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note") or ""
    try:
        if step == "approve":
            answers.answer_approve(answer_id=item.pk, actor=user)
            text = _("The coordinated answer was approved; it waits for the platform's review.")
        elif step == "reject":
            answers.answer_reject(answer_id=item.pk, actor=user, note=note)
            text = _("The coordinated answer was sent back to the department.")
        elif step == "publish":
            answers.answer_publish(answer_id=item.pk, actor=user)
            text = _("The coordinated answer was sent to every citizen.")
        else:
            answers.answer_rework(answer_id=item.pk, actor=user, note=note)
            text = _("The coordinated answer was sent back to the department.")
    except NotAllowed as exc:
        raise _refused(exc) from exc
    except DomainError as exc:
        show_domain_error(form, exc)
        context = _detail_context(request, hot, note_form=form)
        return render(request, "hotspots/detail.html", context, status=400)
    return _done(hot, text, request)


@require_POST
def answer_approve(request: HttpRequest, answer_id: int) -> HttpResponse:
    return _answer_step(request, answer_id, "approve")


@require_POST
def answer_reject(request: HttpRequest, answer_id: int) -> HttpResponse:
    return _answer_step(request, answer_id, "reject")


@require_POST
def answer_publish(request: HttpRequest, answer_id: int) -> HttpResponse:
    return _answer_step(request, answer_id, "publish")


@require_POST
def answer_rework(request: HttpRequest, answer_id: int) -> HttpResponse:
    return _answer_step(request, answer_id, "rework")


@require_POST
def support(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """附议 from the public case page (signed-in citizens)."""
    user = current_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    case = case_or_404(request, tracking_no)
    try:
        services.case_support(case_id=case.pk, actor=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you: your support was counted."))
    return redirect(safe_next(request, case.get_absolute_url()))
