"""The leader's dashboard (考核 and trends), the drill-down case lists, the weekly/monthly report.

Leaders, supervisors and admins only. Everything is read through `interaction.insights`; the
drill-down lists start from `selectors.case_list`, so nobody opens a case they may not see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Role
from backend.organisation.models import Department, Jurisdiction
from interaction import selectors
from interaction.hotspots.reporting import hot_issues_in
from interaction.insights import inequality, performance, ranking, report, rollups, trends
from interaction.insights.periods import Period, PeriodError, parse_period

from .. import charts
from .common import current_user, role_required, with_badges
from .reply_quality import reply_quality_section

INSIGHT_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)
TABLE_RATES = (
    "sign_on_time_rate",
    "reply_on_time_rate",
    "reply_rate",
    "satisfaction_rate",
    "double_satisfaction_rate",
    "solved_rate",
    "redo_rate",
    "return_rate",
    "extension_rate",
    "avg_working_days",
    "repeat_rate",
    "routing_accuracy",
)


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "–"
    if name == "avg_working_days":
        return f"{value:.1f}"
    return f"{100 * value:.1f}%"


def cases_url(period: Period, figure: str, *, base: str | None = None, **scope: Any) -> str:
    """The drill-down list of the cases behind one figure (`base`: the list's address, when
    the caller builds many links)."""
    query = {"figure": figure, "start": period.start.isoformat(), "end": period.end.isoformat()}
    query.update({k: v for k, v in scope.items() if v is not None})
    return f"{base or reverse('frontend:insights-cases')}?{urlencode(query)}"


def _table(
    rows: list[performance.DepartmentFigures],
    result: ranking.Ranking,
    period: Period,
    scope: str,
) -> list[dict[str, Any]]:
    """The performance table's rows, ranked first, each cell with the link to its cases."""
    ranks = {id(r.figures): r.rank for r in result.ranked}
    reasons = {id(n.figures): n.reason for n in result.not_ranked}
    ordered = [r.figures for r in result.ranked] + [n.figures for n in result.not_ranked]
    base = reverse("frontend:insights-cases")
    table = []
    for row in ordered:
        key = {scope: row.key}
        cells = []
        for name in TABLE_RATES:
            figure = performance.RATE_DRILL[name][0]
            cells.append(
                {
                    "name": name,
                    "text": _fmt(name, getattr(row, name)),
                    "href": cases_url(period, figure, base=base, **key),
                }
            )
        score = ranking.score(row)
        table.append(
            {
                "rank": ranks.get(id(row)),
                "reason": reasons.get(id(row), ""),
                "name": row.name,
                "jurisdiction": row.jurisdiction,
                "received": row.received,
                "received_href": cases_url(period, "received", base=base, **key),
                "score": "–" if score is None else f"{score:.1f}",
                "cells": cells,
            }
        )
    return table


def _options(request: HttpRequest) -> dict[str, str]:
    by = request.GET.get("rank_by") or "score"
    measure = request.GET.get("measure") or "reply_rate"
    return {
        "rank_by": by if by in ranking.RANK_KEYS else "score",
        "measure": measure if measure in inequality.MEASURES else "reply_rate",
    }


@role_required(*INSIGHT_ROLES)
@rollups.fresh_reads
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        kind, period = parse_period(
            request.GET.get("period"), request.GET.get("start"), request.GET.get("end")
        )
        error = ""
    except PeriodError as exc:
        kind, period = parse_period("month", None, None)
        error = str(exc)
    options = _options(request)
    now = timezone.now()
    jurisdiction = None
    if request.GET.get("jurisdiction", "").isdigit():
        jurisdiction = Jurisdiction.objects.filter(pk=request.GET["jurisdiction"]).first()
    departments = performance.department_performance(
        start=period.start, end=period.end, jurisdiction=jurisdiction, now=now
    )
    districts = performance.district_performance(start=period.start, end=period.end, now=now)
    total = performance.totals(departments)
    dept_ranking = ranking.rank(departments, by=options["rank_by"])
    district_ranking = ranking.rank(districts, by=options["rank_by"])
    dept_gini = inequality.responsiveness_inequality(departments, measure=options["measure"])
    district_gini = inequality.responsiveness_inequality(districts, measure=options["measure"])

    buckets = trends.trend(period=period)
    trend_svg = charts.line_chart(
        [f"{b.start:%m-%d}" for b in buckets],
        [
            charts.Series(_("Received"), [b.received for b in buckets], "s1"),
            charts.Series(_("Replied"), [b.replied for b in buckets], "s2"),
        ],
        title=_("Cases received and replied"),
    )
    category_svg = charts.bar_chart(
        [
            (name, n, cases_url(period, "received", category=key) if key else None)
            for key, name, n in trends.by_category(period=period)[:12]
        ],
        title=_("By category"),
    )
    kind_svg = charts.bar_chart(
        [
            (label, n, cases_url(period, "received", kind=key))
            for key, label, n in trends.by_kind(period=period)
        ],
        title=_("By kind"),
    )
    district_svg = charts.bar_chart(
        [
            (name, n, cases_url(period, "received", district=key) if key else None)
            for key, name, n in trends.by_district(period=period)
        ],
        title=_("By district"),
    )
    kpis = [
        {
            "label": _("Received"),
            "text": str(total.received),
            "href": cases_url(period, "received"),
        },
        *[
            {
                "label": performance.RATE_LABELS[name],
                "text": _fmt(name, getattr(total, name)),
                "href": cases_url(period, performance.RATE_DRILL[name][0]),
            }
            for name in (
                "reply_rate",
                "reply_on_time_rate",
                "sign_on_time_rate",
                "satisfaction_rate",
                "double_satisfaction_rate",
                "solved_rate",
                "avg_working_days",
            )
        ],
    ]
    context = {
        "error": error,
        "kind": kind,
        "period": period,
        "options": options,
        "rank_keys": [("score", _("Composite score"))]
        + [(name, performance.RATE_LABELS[name]) for name in performance.RATE_NAMES],
        "measures": [
            ("reply_rate", performance.RATE_LABELS["reply_rate"]),
            ("avg_working_days", performance.RATE_LABELS["avg_working_days"]),
        ],
        "jurisdictions": Jurisdiction.objects.exclude(level=Jurisdiction.Level.STREET),
        "jurisdiction": jurisdiction,
        "kpis": kpis,
        "rate_labels": [performance.RATE_LABELS[name] for name in TABLE_RATES],
        "dept_table": _table(departments, dept_ranking, period, "department"),
        "district_table": _table(districts, district_ranking, period, "district"),
        "minimum": dept_ranking.minimum,
        "ginis": [
            {
                "title": _("Departments"),
                "result": dept_gini,
                "svg": charts.lorenz_chart(dept_gini.lorenz, title=_("Lorenz curve")),
            },
            {
                "title": _("Districts"),
                "result": district_gini,
                "svg": charts.lorenz_chart(district_gini.lorenz, title=_("Lorenz curve")),
            },
        ],
        "trend_svg": trend_svg,
        "category_svg": category_svg,
        "kind_svg": kind_svg,
        "district_svg": district_svg,
        "hot_issues": hot_issues_in(period, limit=10, now=now),
        "report_kind": "week" if kind == "week" else "month",
        "reply_quality": reply_quality_section(period, jurisdiction),
        "figures_as_of": rollups.figures_as_of(),
    }
    return render(request, "insights/dashboard.html", context)


@role_required(*INSIGHT_ROLES)
def figure_cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one figure of the dashboard or the report."""
    user = current_user(request)
    assert user is not None
    figure = request.GET.get("figure") or "received"
    known = dict(performance.FIGURE_CHOICES)
    if figure not in known:
        figure = "received"
    try:
        _kind, period = parse_period("custom", request.GET.get("start"), request.GET.get("end"))
    except PeriodError:
        _kind, period = parse_period("month", None, None)
    department = district = None
    if request.GET.get("department", "").isdigit():
        department = get_object_or_404(Department, pk=request.GET["department"])
    if request.GET.get("district", "").isdigit():
        district = get_object_or_404(Jurisdiction, pk=request.GET["district"])
    cases = performance.figure_cases(
        selectors.case_list(user=user),
        figure=figure,
        period=period,
        department=department,
        district=district,
    )
    if request.GET.get("category", "").isdigit():
        category_id = int(request.GET["category"])
        cases = cases.filter(category_id=category_id) | cases.filter(
            category__parent_id=category_id
        )
    if request.GET.get("kind"):
        cases = cases.filter(kind=request.GET["kind"])
    page = Paginator(cases.order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "insights/cases.html",
        {
            "figure_label": known[figure],
            "period": period,
            "department": department,
            "district": district,
            "page": page,
            "rows": with_badges(page.object_list),
            "query": query.urlencode(),
            "total": page.paginator.count,
        },
    )


def _report(request: HttpRequest) -> report.Report:
    kind = request.GET.get("kind") or "week"
    kind = kind if kind in report.KINDS else "week"
    day = None
    if request.GET.get("date"):
        try:
            _k, period = parse_period("custom", request.GET["date"], request.GET["date"])
            day = period.start
        except PeriodError:
            day = None
    return report.build_report(kind=kind, period=report.report_period(kind, day))


@role_required(*INSIGHT_ROLES)
def report_page(request: HttpRequest) -> HttpResponse:
    """The printable weekly or monthly report (print to PDF from the browser)."""
    data = _report(request)
    return render(request, "insights/report.html", report_context(data, interactive=True))


@role_required(*INSIGHT_ROLES)
def report_download(request: HttpRequest) -> HttpResponse:
    data = _report(request)
    response = HttpResponse(
        report.report_xlsx(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{data.filename}.xlsx"'
    return response


def report_context(data: report.Report, *, interactive: bool) -> dict[str, Any]:
    """The template context of the printable report (also rendered by `weekly_report`)."""
    ranks = {id(r.figures): r.rank for r in data.ranking.ranked}
    rows = sorted(data.departments, key=lambda row: (ranks.get(id(row), 10**6), row.name))
    table = [
        {
            "rank": ranks.get(id(row)),
            "name": row.name,
            "received": row.received,
            "score": ranking.score(row),
            "cells": [_fmt(name, getattr(row, name)) for name in TABLE_RATES],
        }
        for row in rows
    ]
    totals = data.totals
    return {
        "report": data,
        "interactive": interactive,
        "rate_labels": [performance.RATE_LABELS[name] for name in TABLE_RATES],
        "total_cells": [_fmt(name, getattr(totals, name)) for name in TABLE_RATES],
        "table": table,
        "standard_satisfaction": f"{100 * data.standard_satisfaction:.0f}%",
        "standard_reply_rate": f"{100 * data.standard_reply_rate:.0f}%",
    }
