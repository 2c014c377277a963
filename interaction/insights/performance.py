"""Department performance (考核): per department and per district, for any period.

Which cases a figure covers
    The cases *received in the period*: created (submitted) between `start` and `end`, both days
    included, Beijing time. A case counts for the department that holds it as lead department
    now (the one that answers for it); cases never dispatched, closed as spam (`invalid`) or
    merged into another case are not counted as received. Per district, the case's district.

Each figure, precisely (numerator / denominator; a rate is None when its denominator is 0)
    received            cases received (above).
    sign on time        按时签收率 = signed_on_time / sign_due. sign_due: signed, or the signing
                        deadline has passed unsigned; signed_on_time: signed_at <= sign_deadline.
    closed on time      按时办结率 = replied_on_time / reply_due. reply_due: the current stage is
                        answered (status replied or closed), or the department's clock runs and
                        the reply deadline has passed; replied_on_time: answered and
                        replied_at <= reply_deadline. The reply deadline is the approved one: the
                        time limit plus every granted extension plus the days the clock stood
                        still while waiting for the citizen. After a redo (重办) the new stage's
                        deadline and reply count.
    reply rate          回复率 = replied / received; replied: a reply was sent at least once.
    satisfaction        满意率 = satisfied / evaluations, over the citizens' evaluations (every
                        stage counts) of the cases received; satisfied: result is 满意 or 基本满意.
    double satisfaction 双满意率 = double_satisfied / evaluations; attitude *and* result are
                        满意 or 基本满意.
    solved              实际解决率 = solved / evaluations ("was it solved?" answered yes).
    redo rate           发回重办率 = redone / replied; redone: redo_count > 0.
    return rate         退回率 = returned / assigned. returned: cases the department returned at
                        least once (ReturnRequest by the department, whatever the decision);
                        assigned: received plus the cases it returned that now belong elsewhere.
    routing accuracy    分办准确率 = 1 - misrouted / assigned; misrouted: a return by the
                        department was accepted (the case was not the department's).
    extension rate      延期率 = extended / received; extended: at least one extension granted.
    working days        平均办理工作日 = mean over replied cases of the working days (official
                        calendar with overrides, `WorkCalendar.working_days_between`) from the
                        dispatch to the department to the latest reply.
    repeat complaints   重复投诉率 = repeat / received; repeat: the same phone number wrote about
                        the same category in the 90 days before the case.

Per district the same definitions apply with the case's district in place of the department;
return and routing figures then use the case's own counters (return_count > 0, any accepted
return).

The case-level conditions live in `FIGURES`; the roll-ups (`rollups`), the direct aggregates
(`direct`) and the drill-down lists (`figure_cases`) all use them, so a list always holds the
cases its number counted. `department_performance` and `district_performance` read the daily
roll-ups; the "due" figures add, at the moment asked, the pending deadlines that have passed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.organisation.models import Department, Jurisdiction
from backend.organisation.workcalendar import WorkCalendar

from ..models import Case, Evaluation, ExtensionRequest, ReturnRequest, Satisfaction
from ..states import CLOCK_RUNNING_STATUSES, Status
from . import rollups
from .models import COUNT_FIELDS, DepartmentDay, DistrictDay, PendingDue
from .periods import Period

REPEAT_WINDOW_DAYS = 90
GOOD = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
ANSWERED = (Status.REPLIED, Status.CLOSED)
NOT_RECEIVED = (Status.INVALID, Status.MERGED)


# --- the case-level conditions ------------------------------------------------------------------


def _has_evaluation(**extra: object) -> Exists:
    return Exists(Evaluation.objects.filter(case=OuterRef("pk"), **extra))


def _repeat() -> Exists:
    earlier = Case.objects.filter(
        contact_phone=OuterRef("contact_phone"),
        category=OuterRef("category"),
        created_at__lt=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - dt.timedelta(days=REPEAT_WINDOW_DAYS),
    ).exclude(pk=OuterRef("pk"))
    return Exists(earlier)


# The "due" figures split into what is settled (a write made it so) and what becomes due when a
# deadline passes with no write; the roll-ups count the first and keep the deadlines of the second
# (`PendingDue`), so a figure read at any moment equals the condition below at that moment.
SIGN_SETTLED = Q(signed_at__isnull=False)
SIGN_PENDING = Q(signed_at__isnull=True, sign_deadline__isnull=False)
REPLY_SETTLED = Q(status__in=ANSWERED)
REPLY_PENDING = Q(status__in=CLOCK_RUNNING_STATUSES, reply_deadline__isnull=False)


def _sign_due(now: dt.datetime) -> Q:
    return SIGN_SETTLED | Q(signed_at__isnull=True, sign_deadline__lt=now)


def _reply_due(now: dt.datetime) -> Q:
    return REPLY_SETTLED | Q(status__in=CLOCK_RUNNING_STATUSES, reply_deadline__lt=now)


def _replied_on_time(now: dt.datetime) -> Q:
    return Q(status__in=ANSWERED, replied_at__lte=F("reply_deadline"))


FigureQ = Callable[[dt.datetime], Q]

# name -> (label, condition on a received case). The names are the `figure=` of drill-down links.
FIGURES: dict[str, tuple[object, FigureQ]] = {
    "received": (_("Received"), lambda now: Q()),
    "sign_due": (_("Signing due"), _sign_due),
    "signed_on_time": (
        _("Signed on time"),
        lambda now: Q(signed_at__isnull=False, signed_at__lte=F("sign_deadline")),
    ),
    "signed_late": (
        _("Signed late or not yet signed after the deadline"),
        lambda now: _sign_due(now) & ~Q(signed_at__isnull=False, signed_at__lte=F("sign_deadline")),
    ),
    "reply_due": (_("Reply due"), _reply_due),
    "replied_on_time": (_("Answered on time"), _replied_on_time),
    "replied_late": (
        _("Answered late or overdue"),
        lambda now: _reply_due(now) & ~_replied_on_time(now),
    ),
    "replied": (_("Replied"), lambda now: Q(replied_at__isnull=False)),
    "not_replied": (_("Not replied"), lambda now: Q(replied_at__isnull=True)),
    "evaluated": (_("Evaluated"), lambda now: Q(_has_evaluation())),
    "unsatisfied": (
        _("Rated unsatisfied"),
        lambda now: Q(_has_evaluation(result=Satisfaction.UNSATISFIED)),
    ),
    "unsolved": (_("Not solved"), lambda now: Q(_has_evaluation(solved=False))),
    "redone": (_("Redone"), lambda now: Q(redo_count__gt=0)),
    "extended": (
        _("Extended"),
        lambda now: Q(
            Exists(
                ExtensionRequest.objects.filter(
                    case=OuterRef("pk"), decision=ExtensionRequest.Decision.GRANTED
                )
            )
        ),
    ),
    "repeat": (_("Repeat complaints"), lambda now: Q(_repeat())),
}
# Figures about returns follow the department that returned the case, not the lead department.
RETURN_FIGURES = ("returned", "misrouted")
FIGURE_CHOICES = [(name, label) for name, (label, _q) in FIGURES.items()] + [
    ("returned", _("Returned by the department")),
    ("misrouted", _("Return accepted (misrouted)")),
]


def received_cases(period: Period) -> QuerySet[Case]:
    """The cases received in `period` (see the module docstring)."""
    return Case.objects.filter(
        created_at__gte=period.start_at, created_at__lt=period.end_before
    ).exclude(status__in=NOT_RECEIVED)


def figure_cases(
    cases: QuerySet[Case],
    *,
    figure: str,
    period: Period,
    department: Department | None = None,
    district: Jurisdiction | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases behind one figure: `cases` (already limited to what the viewer may see)
    narrowed to those received in `period`, of `department` / `district`, meeting `figure`."""
    now = now or timezone.now()
    rows = cases.filter(created_at__gte=period.start_at, created_at__lt=period.end_before).exclude(
        status__in=NOT_RECEIVED
    )
    if figure in RETURN_FIGURES:
        # Cases the department returned may now belong to another department (or be closed).
        returns = ReturnRequest.objects.filter(case=OuterRef("pk"))
        if department is not None:
            returns = returns.filter(department=department)
        if figure == "misrouted":
            returns = returns.filter(decision=ReturnRequest.Decision.ACCEPTED)
        rows = cases.filter(
            created_at__gte=period.start_at, created_at__lt=period.end_before
        ).filter(Exists(returns))
    else:
        if department is not None:
            rows = rows.filter(lead_department=department)
        rows = rows.filter(FIGURES[figure][1](now))
    if district is not None:
        rows = rows.filter(district=district)
    elif department is None:
        rows = rows.filter(lead_department__isnull=False)
    return rows


# --- the figures --------------------------------------------------------------------------------


@dataclass
class DepartmentFigures:
    """The counts of one department (or district, or the whole city) and the rates from them."""

    key: int | None
    name: str
    jurisdiction: str = ""
    received: int = 0
    sign_due: int = 0
    signed_on_time: int = 0
    reply_due: int = 0
    replied_on_time: int = 0
    replied: int = 0
    evaluations: int = 0
    satisfied: int = 0
    double_satisfied: int = 0
    solved: int = 0
    redone: int = 0
    returned: int = 0
    returned_away: int = 0
    misrouted: int = 0
    extended: int = 0
    repeat: int = 0
    working_days_total: int = 0
    working_days_cases: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @staticmethod
    def _rate(numerator: int, denominator: int) -> float | None:
        return numerator / denominator if denominator else None

    @property
    def assigned(self) -> int:
        return self.received + self.returned_away

    @property
    def sign_on_time_rate(self) -> float | None:
        return self._rate(self.signed_on_time, self.sign_due)

    @property
    def reply_on_time_rate(self) -> float | None:
        return self._rate(self.replied_on_time, self.reply_due)

    @property
    def reply_rate(self) -> float | None:
        return self._rate(self.replied, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.evaluations)

    @property
    def double_satisfaction_rate(self) -> float | None:
        return self._rate(self.double_satisfied, self.evaluations)

    @property
    def solved_rate(self) -> float | None:
        return self._rate(self.solved, self.evaluations)

    @property
    def redo_rate(self) -> float | None:
        return self._rate(self.redone, self.replied)

    @property
    def return_rate(self) -> float | None:
        return self._rate(self.returned, self.assigned)

    @property
    def routing_accuracy(self) -> float | None:
        rate = self._rate(self.misrouted, self.assigned)
        return None if rate is None else 1 - rate

    @property
    def extension_rate(self) -> float | None:
        return self._rate(self.extended, self.received)

    @property
    def repeat_rate(self) -> float | None:
        return self._rate(self.repeat, self.received)

    @property
    def avg_working_days(self) -> float | None:
        return self._rate(self.working_days_total, self.working_days_cases)

    def rates(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in RATE_NAMES}

    def counts(self) -> dict[str, int]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.type in ("int", int) and f.name != "key"
        }


RATE_NAMES = (
    "sign_on_time_rate",
    "reply_on_time_rate",
    "reply_rate",
    "satisfaction_rate",
    "double_satisfaction_rate",
    "solved_rate",
    "redo_rate",
    "return_rate",
    "routing_accuracy",
    "extension_rate",
    "repeat_rate",
    "avg_working_days",
)
RATE_LABELS: dict[str, object] = {
    "sign_on_time_rate": _("Signed on time"),
    "reply_on_time_rate": _("Closed on time"),
    "reply_rate": _("Reply rate"),
    "satisfaction_rate": _("Satisfaction"),
    "double_satisfaction_rate": _("Double satisfaction"),
    "solved_rate": _("Actually solved"),
    "redo_rate": _("Redo rate"),
    "return_rate": _("Return rate"),
    "routing_accuracy": pgettext_lazy("department performance", "Routing accuracy"),
    "extension_rate": _("Extension rate"),
    "repeat_rate": _("Repeat complaints"),
    "avg_working_days": _("Working days to reply"),
}
# The figure a rate's numerator opens to (drill-down), and the one its denominator opens to.
RATE_DRILL: dict[str, tuple[str, str]] = {
    "sign_on_time_rate": ("signed_late", "sign_due"),
    "reply_on_time_rate": ("replied_late", "reply_due"),
    "reply_rate": ("not_replied", "received"),
    "satisfaction_rate": ("unsatisfied", "evaluated"),
    "double_satisfaction_rate": ("evaluated", "evaluated"),
    "solved_rate": ("unsolved", "evaluated"),
    "redo_rate": ("redone", "replied"),
    "return_rate": ("returned", "received"),
    "routing_accuracy": ("misrouted", "received"),
    "extension_rate": ("extended", "received"),
    "repeat_rate": ("repeat", "received"),
    "avg_working_days": ("replied", "replied"),
}


class WorkingDayCounter:
    """Working days from dispatch to reply for many cases, with one walk over the calendar.

    The calendar is turned into a running count of working days from the first dispatch day to
    the last reply day, so each case costs a subtraction: `between(sent, replied)` is the number
    of working days in (day sent, day replied], Beijing dates, 0 when replied on the day sent.
    """

    def __init__(
        self, calendar: WorkCalendar, pairs: Iterable[tuple[dt.datetime, dt.datetime]]
    ) -> None:
        days = [(timezone.localdate(sent), timezone.localdate(replied)) for sent, replied in pairs]
        self.running: dict[dt.date, int] = {}
        self.count = 0
        if not days:
            return
        first = min(sent for sent, _replied in days)
        last = max(replied for _sent, replied in days)
        for info in calendar.days(first, max(first, last)):
            self.count += info.is_workday
            self.running[info.date] = self.count

    def between(self, sent_at: dt.datetime, replied_at: dt.datetime) -> int:
        sent = timezone.localdate(sent_at)
        replied = timezone.localdate(replied_at)
        if replied <= sent:
            return 0
        return max(0, self.running.get(replied, self.count) - self.running[sent])


# Field of the roll-up tables -> field of DepartmentFigures (the "due" ones are completed with
# the pending deadlines passed at the moment of reading).
_ROLLUP_FIELDS = tuple(name for name in COUNT_FIELDS if name not in ("signed", "answered"))


def _fill(figures: DepartmentFigures, sums: dict, pending: dict[str, int]) -> None:
    for name in _ROLLUP_FIELDS:
        setattr(figures, name, sums.get(name) or 0)
    figures.sign_due = (sums.get("signed") or 0) + pending.get(PendingDue.SIGN, 0)
    figures.reply_due = (sums.get("answered") or 0) + pending.get(PendingDue.REPLY, 0)


def _pending(period: Period, group: str, keys: list[int], now: dt.datetime) -> dict:
    """{key: {"sign": n, "reply": n}}: pending cases of the period whose deadline has passed."""
    found: dict[object, dict[str, int]] = defaultdict(dict)
    for row in (
        PendingDue.objects.filter(
            day__gte=period.start, day__lte=period.end, deadline__lt=now, **{f"{group}__in": keys}
        )
        .values(group, "which")
        .annotate(n=Sum("cases"))
        .order_by()
    ):
        found[row[group]][row["which"]] = row["n"]
    return found


def empty_department_rows(jurisdiction: Jurisdiction | None) -> dict[int, DepartmentFigures]:
    """A row of zeros per active department (of `jurisdiction`, if given), by name."""
    departments = Department.objects.select_related("jurisdiction").order_by("name")
    if jurisdiction is not None:
        departments = departments.filter(jurisdiction=jurisdiction)
    return {
        d.pk: DepartmentFigures(key=d.pk, name=d.name, jurisdiction=d.jurisdiction.name)
        for d in departments
        if d.is_active
    }


def department_performance(
    *,
    start: dt.date,
    end: dt.date,
    jurisdiction: Jurisdiction | None = None,
    now: dt.datetime | None = None,
) -> list[DepartmentFigures]:
    """The figures of every active department (of `jurisdiction`, if given) for the cases
    received from `start` to `end` (both included). Departments without a case are listed
    with zeros. Read from the roll-ups (`DepartmentDay`, `PendingDue`): three small queries,
    whatever the number of cases; `direct.department_performance` is the same over the cases."""
    now = now or timezone.now()
    rollups.ensure_fresh()
    period = Period(start, end)
    rows = empty_department_rows(jurisdiction)
    keys = list(rows)
    sums: dict[int, dict[str, Any]] = {
        row["department"]: dict(row)
        for row in DepartmentDay.objects.filter(day__gte=start, day__lte=end, department__in=keys)
        .values("department")
        .annotate(**{name: Sum(name) for name in (*COUNT_FIELDS, "returned_away")})
        .order_by()
    }
    pending = _pending(period, "department", keys, now)
    for key, figures in rows.items():
        _fill(figures, sums.get(key, {}), pending.get(key, {}))
        figures.returned_away = sums.get(key, {}).get("returned_away") or 0
    return list(rows.values())


def district_performance(
    *, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> list[DepartmentFigures]:
    """The same figures per district (the case's district; cases without one, or not
    dispatched, are left out). Read from `DistrictDay` and `PendingDue`."""
    now = now or timezone.now()
    rollups.ensure_fresh()
    period = Period(start, end)
    districts = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).order_by("code")
    rows = {d.pk: DepartmentFigures(key=d.pk, name=d.name) for d in districts}
    keys = list(rows)
    sums: dict[int, dict[str, Any]] = {
        row["district"]: dict(row)
        for row in DistrictDay.objects.filter(day__gte=start, day__lte=end, district__in=keys)
        .values("district")
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS})
        .order_by()
    }
    pending = _pending(period, "district", keys, now)
    for key, figures in rows.items():
        _fill(figures, sums.get(key, {}), pending.get(key, {}))
    return list(rows.values())


def totals(rows: Iterable[DepartmentFigures], *, name: object = None) -> DepartmentFigures:
    """The sum of the counts of `rows` (their rates are recomputed from the sums)."""
    total = DepartmentFigures(key=None, name=str(name or _("All departments")))
    for row in rows:
        for count_name, value in row.counts().items():
            setattr(total, count_name, getattr(total, count_name) + value)
    return total
