"""Deadlines in Chinese working days: computing them, explaining them, and measuring time used.

The clock starts on the day of dispatch (that day is not counted) — or on the day a redo starts —
and runs `limit + extension + paused` working days; working day N ends at 24:00 local time.
Supervision thresholds are moments on the same working-day clock:
  warning    when `warning_ratio` of the (extended) limit is used,
  reminder   at the deadline,
  notice     one working day after the deadline,
  criticism  `criticism_after_days` working days after the notice.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.utils import timezone

from backend.organisation.workcalendar import DayInfo, WorkCalendar

from .models import Case, DeadlinePolicy, Kind, PlatformSettings, Urgency

DEFAULT_REPLY_DAYS = {
    Kind.CONSULTATION: 3,
    Kind.HELP: 3,
    Kind.COMPLAINT: 13,
    Kind.SUGGESTION: 13,
    Kind.REPORT: 13,
}
DEFAULT_SIGN_DAYS = 1

DEADLINE_FIELDS = [
    "sign_deadline",
    "reply_deadline",
    "warn_at",
    "notice_at",
    "criticism_at",
    "calendar_unofficial",
]


@dataclass(frozen=True)
class Limits:
    sign_days: int
    reply_days: int


def limits_for(kind: str, urgency: str) -> Limits:
    """The configured limits for a kind and urgency, or the defaults."""
    from backend.refcache import cached

    policies = cached(
        "deadline_policies",
        lambda: {
            (p.kind, p.urgency): Limits(p.sign_days, p.reply_days)
            for p in DeadlinePolicy.objects.all()
        },
    )
    policy = policies.get((kind, urgency)) or policies.get((kind, Urgency.NORMAL))
    if policy is not None:
        return policy
    return Limits(DEFAULT_SIGN_DAYS, DEFAULT_REPLY_DAYS.get(Kind(kind), 13))


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def moment_after(calendar: WorkCalendar, start: dt.date, working_days: float) -> dt.datetime:
    """The moment when `working_days` of working time have passed since the end of `start`."""
    # 0.7 * 10 is 7.000000000000001 in floating point: without rounding it means "day 8".
    working_days = round(working_days, 6)
    if working_days <= 0:
        return _start_of(start + dt.timedelta(days=1))
    whole = math.ceil(working_days)
    day, _skipped = calendar.add_working_days(start, whole)
    fraction = working_days - (whole - 1)
    moment = _start_of(day) + dt.timedelta(seconds=round(fraction * 86400))
    # Working day N ends at 23:59:59 so that the deadline is shown on its own date.
    return min(moment, _start_of(day) + dt.timedelta(seconds=86399))


@dataclass
class DeadlineExplanation:
    start: dt.date
    limit_days: int
    extension_days: int
    paused_days: int
    deadline: dt.date
    skipped: list[DayInfo] = field(default_factory=list)
    counted: list[DayInfo] = field(default_factory=list)

    @property
    def total_days(self) -> int:
        return self.limit_days + self.extension_days + self.paused_days

    @property
    def unofficial(self) -> bool:
        return any(not d.official for d in [*self.skipped, *self.counted])


def explain(case: Case, calendar: WorkCalendar | None = None) -> DeadlineExplanation | None:
    """How the reply deadline of `case` is computed: the days counted and the days skipped."""
    if case.clock_started_at is None:
        return None
    calendar = calendar or WorkCalendar.load()
    start = local_date(case.clock_started_at)
    total = case.limit_days + case.extension_days + case.paused_days
    end, skipped = calendar.add_working_days(start, total)
    counted = [d for d in calendar.days(start + dt.timedelta(days=1), end) if d.is_workday]
    return DeadlineExplanation(
        start=start,
        limit_days=case.limit_days,
        extension_days=case.extension_days,
        paused_days=case.paused_days,
        deadline=end,
        skipped=skipped,
        counted=counted,
    )


def compute_deadlines(
    case: Case,
    *,
    calendar: WorkCalendar | None = None,
    platform: PlatformSettings | None = None,
) -> None:
    """Set the stored deadline fields of `case` from its clock start, limit, extension and pauses.

    Does not save; the caller saves `DEADLINE_FIELDS`.
    """
    if case.clock_started_at is None:
        for name in DEADLINE_FIELDS[:-1]:
            setattr(case, name, None)
        case.calendar_unofficial = False
        return
    calendar = calendar or WorkCalendar.load()
    platform = platform or PlatformSettings.load()
    start = local_date(case.clock_started_at)
    total = case.limit_days + case.extension_days + case.paused_days
    sign_start = local_date(case.dispatched_at or case.clock_started_at)
    sign_days = limits_for(case.kind, case.urgency).sign_days
    case.sign_deadline = moment_after(calendar, sign_start, sign_days)
    case.reply_deadline = moment_after(calendar, start, total)
    # The warning comes when the share of the (extended) limit is used; paused days are not used.
    limit = case.limit_days + case.extension_days
    case.warn_at = moment_after(calendar, start, platform.warning_ratio * limit + case.paused_days)
    case.notice_at = moment_after(calendar, start, total + 1)
    case.criticism_at = moment_after(calendar, start, total + 1 + platform.criticism_after_days)
    end, skipped = calendar.add_working_days(start, total + 1 + platform.criticism_after_days)
    case.calendar_unofficial = not calendar.official_between(start, end)


@dataclass(frozen=True)
class Progress:
    used_days: float
    left_days: float
    total_days: int
    overdue: bool


def working_time(
    case: Case, *, now: dt.datetime | None = None, calendar: WorkCalendar | None = None
) -> Progress | None:
    """Working time used and left on the reply clock (pauses excluded)."""
    if case.clock_started_at is None or case.reply_deadline is None:
        return None
    now = now or timezone.now()
    calendar = calendar or WorkCalendar.load()
    start = local_date(case.clock_started_at)
    total = case.limit_days + case.extension_days + case.paused_days
    today = local_date(now)
    used = float(calendar.working_days_between(start, today - dt.timedelta(days=1)))
    if today > start and calendar.is_workday(today):
        midnight = _start_of(today)
        used += (now - midnight).total_seconds() / 86400
    used = max(0.0, used - case.paused_days)
    limit = total - case.paused_days
    return Progress(
        used_days=round(used, 1),
        left_days=round(max(0.0, limit - used), 1),
        total_days=limit,
        overdue=now > case.reply_deadline,
    )
