"""The weekly and monthly report (周报/月报 通报): the period's numbers, the departments below the
standard, the supervision issued, the top categories and the hot issues; as data, as an
Excel workbook (`report_xlsx`) and, through `frontend:report`, as a printable page.

The standard (settings `WENZHENG_STANDARD_SATISFACTION`, default 85 %, and
`WENZHENG_STANDARD_REPLY_RATE`, default 92 %) applies to departments with at least
`WENZHENG_RANKING_MIN_CASES` cases received in the period, like the ranking.

Hot issues: the hottest groups of messages about the same problem at the same place with a
message in the period (`interaction.hotspots.reporting`), and the count of repeat complaints.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ..hotspots.reporting import HotIssueLine, hot_issues_in, repeat_complaints_in
from ..models import SupervisionLevel, SupervisionNotice
from . import performance, ranking, rollups, trends
from .periods import Period, month_of, previous_month, previous_week, week_of

KINDS = ("week", "month")


@dataclass
class BelowStandard:
    figures: performance.DepartmentFigures
    reasons: list[str]


@dataclass
class Report:
    kind: str
    period: Period
    generated_at: dt.datetime
    totals: performance.DepartmentFigures
    departments: list[performance.DepartmentFigures]
    ranking: ranking.Ranking
    below_standard: list[BelowStandard]
    standard_satisfaction: float
    standard_reply_rate: float
    notices: list[SupervisionNotice]
    notices_by_level: list[tuple[str, int]]
    top_categories: list[tuple[int | None, str, int]]
    by_district: list[tuple[int | None, str, int]]
    hot_issues: list[HotIssueLine] = field(default_factory=list)
    repeat_complaints: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def title(self) -> str:
        if self.kind == "week":
            return _("Weekly report %(start)s – %(end)s") % {
                "start": f"{self.period.start:%Y-%m-%d}",
                "end": f"{self.period.end:%Y-%m-%d}",
            }
        return _("Monthly report %(month)s") % {"month": f"{self.period.start:%Y-%m}"}

    @property
    def filename(self) -> str:
        if self.kind == "week":
            year, week, _day = self.period.start.isocalendar()
            return f"weekly-{year}-W{week:02d}"
        return f"monthly-{self.period.start:%Y-%m}"


def report_period(kind: str, day: dt.date | None = None) -> Period:
    """The week or month containing `day`; without a day, the last complete one."""
    if kind not in KINDS:
        raise ValueError(f"Unknown report kind {kind!r}")
    if day is None:
        today = timezone.localdate()
        return previous_week(today) if kind == "week" else previous_month(today)
    return week_of(day) if kind == "week" else month_of(day)


@rollups.fresh_reads
def build_report(*, kind: str, period: Period, now: dt.datetime | None = None) -> Report:
    """Everything the report shows, computed now from the cases and their audit trail."""
    now = now or timezone.now()
    rows = performance.department_performance(start=period.start, end=period.end, now=now)
    minimum = ranking.min_cases()
    satisfaction = float(settings.WENZHENG_STANDARD_SATISFACTION)
    reply = float(settings.WENZHENG_STANDARD_REPLY_RATE)
    below = []
    for row in rows:
        if row.received < minimum:
            continue
        reasons = []
        if row.satisfaction_rate is not None and row.satisfaction_rate < satisfaction:
            reasons.append(
                _("satisfaction %(value).1f%% below %(standard).0f%%")
                % {"value": 100 * row.satisfaction_rate, "standard": 100 * satisfaction}
            )
        if row.reply_rate is not None and row.reply_rate < reply:
            reasons.append(
                _("reply rate %(value).1f%% below %(standard).0f%%")
                % {"value": 100 * row.reply_rate, "standard": 100 * reply}
            )
        if reasons:
            below.append(BelowStandard(row, reasons))
    notices_qs = SupervisionNotice.objects.filter(
        created_at__gte=period.start_at, created_at__lt=period.end_before
    )
    levels = dict(SupervisionLevel.choices)
    by_level = [
        (str(levels.get(r["level"], r["level"])), r["n"])
        for r in notices_qs.values("level").annotate(n=Count("id")).order_by("level")
    ]
    notices = list(
        notices_qs.select_related("case", "department").order_by("-level", "created_at")[:200]
    )
    return Report(
        kind=kind,
        period=period,
        generated_at=now,
        totals=performance.totals(rows),
        departments=rows,
        ranking=ranking.rank(rows, minimum=minimum),
        below_standard=below,
        standard_satisfaction=satisfaction,
        standard_reply_rate=reply,
        notices=notices,
        notices_by_level=by_level,
        top_categories=trends.by_category(period=period)[:10],
        by_district=trends.by_district(period=period),
        hot_issues=hot_issues_in(period, limit=10, now=now),
        repeat_complaints=repeat_complaints_in(period),
    )


# --- Excel ---------------------------------------------------------------------------------------

PERCENT = "0.0%"


def _rate_columns() -> list[tuple[str, str]]:
    return [(name, str(performance.RATE_LABELS[name])) for name in performance.RATE_NAMES]


def report_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook: sheets 概况 (overview), 部门考核 (departments), 督办,
    热点问题 (hot issues)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    overview = book.active
    overview.title = "概况"
    overview.append([report.title])
    overview["A1"].font = Font(bold=True, size=14)
    overview.append([_("Period"), report.period.label()])
    overview.append(
        [_("Generated"), timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")]
    )
    overview.append([])
    overview.append([_("Figure"), _("Value")])
    totals = report.totals
    for label, value in [
        (_("Received"), totals.received),
        (_("Replied"), totals.replied),
        (_("Evaluations"), totals.evaluations),
        (_("Supervision notices"), len(report.notices)),
    ]:
        overview.append([label, value])
    for name, label in _rate_columns():
        value = getattr(totals, name)
        overview.append([label, value])
        if name != "avg_working_days":
            overview.cell(row=overview.max_row, column=2).number_format = PERCENT
    overview.append([])
    overview.append([_("Departments below the standard")])
    overview.cell(row=overview.max_row, column=1).font = bold
    for item in report.below_standard:
        overview.append([item.figures.name, "; ".join(item.reasons)])
    if not report.below_standard:
        overview.append([_("None")])
    overview.append([])
    overview.append([_("Top categories"), _("Cases")])
    overview.cell(row=overview.max_row, column=1).font = bold
    for _id, name, n in report.top_categories:
        overview.append([name, n])
    overview.append([])
    overview.append([_("Hot issues"), _("Place"), _("Cases"), _("Hotness")])
    overview.cell(row=overview.max_row, column=1).font = bold
    for line in report.hot_issues:
        overview.append([line.title, line.place or line.district, line.cases, line.hotness])
    overview.append([_("Repeat complaints"), report.repeat_complaints])
    overview.column_dimensions["A"].width = 28
    overview.column_dimensions["B"].width = 40

    departments = book.create_sheet("部门考核")
    ranks = {id(r.figures): r.rank for r in report.ranking.ranked}
    not_ranked = {id(n.figures): n.reason for n in report.ranking.not_ranked}
    departments.append(
        [
            _("Rank"),
            _("Department"),
            _("Jurisdiction"),
            _("Score"),
            _("Received"),
            _("Replied"),
            _("Evaluations"),
            *[label for _name, label in _rate_columns()],
            _("Not ranked because"),
        ]
    )
    for cell in departments[1]:
        cell.font = bold
    ordered = sorted(report.departments, key=lambda row: (ranks.get(id(row), 10**6), row.name))
    first_rate_column = 8
    for row in ordered:
        departments.append(
            [
                ranks.get(id(row)),
                row.name,
                row.jurisdiction,
                ranking.score(row),
                row.received,
                row.replied,
                row.evaluations,
                *[getattr(row, name) for name, _label in _rate_columns()],
                not_ranked.get(id(row), ""),
            ]
        )
        for offset, (name, _label) in enumerate(_rate_columns()):
            if name != "avg_working_days":
                departments.cell(
                    row=departments.max_row, column=first_rate_column + offset
                ).number_format = PERCENT
    departments.column_dimensions["B"].width = 24
    departments.freeze_panes = "C2"

    notices = book.create_sheet("督办")
    notices.append([_("Date"), _("Level"), _("Document"), _("Case"), _("Subject"), _("Department")])
    for cell in notices[1]:
        cell.font = bold
    for notice in report.notices:
        notices.append(
            [
                timezone.localtime(notice.created_at).strftime("%Y-%m-%d"),
                str(notice.get_level_display()),
                notice.document_no,
                notice.case.tracking_no,
                notice.case.subject,
                notice.department.name if notice.department else "",
            ]
        )
    notices.column_dimensions["E"].width = 40
    _hot_issue_sheet(book, report, bold)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _hot_issue_sheet(book: Any, report: Report, bold: Any) -> None:
    """Sheet 热点问题: the period's hottest groups of messages, with their figures."""
    sheet = book.create_sheet("热点问题")
    sheet.append(
        [
            _("Hot issue"),
            _("Place"),
            _("District"),
            _("First message"),
            _("Latest message"),
            _("Cases"),
            _("Citizens"),
            _("Support"),
            _("Repeat complaints"),
            _("Hotness"),
            _("Open"),
            _("Overdue"),
            _("Unsatisfied"),
            _("Departments"),
            _("Status"),
            _("Assigned to"),
        ]
    )
    for cell in sheet[1]:
        cell.font = bold
    for line in report.hot_issues:
        sheet.append(
            [
                line.title,
                line.place,
                line.district,
                timezone.localtime(line.first_at).strftime("%Y-%m-%d"),
                timezone.localtime(line.last_at).strftime("%Y-%m-%d"),
                line.cases,
                line.citizens,
                line.support,
                line.repeats,
                line.hotness,
                line.open,
                line.overdue,
                line.unsatisfied,
                "、".join(line.departments),
                line.status,
                line.assigned_to,
            ]
        )
    if not report.hot_issues:
        sheet.append([_("No hot issue in this period.")])
    sheet.append([])
    sheet.append([_("Repeat complaints"), report.repeat_complaints])
    sheet.column_dimensions["A"].width = 40
