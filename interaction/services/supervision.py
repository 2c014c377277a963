"""Supervision (督办): graded notices for late cases, extension decisions, digests."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User
from backend.organisation.workcalendar import WorkCalendar

from ..deadlines import DEADLINE_FIELDS, compute_deadlines
from ..errors import InvalidTransition, NotAllowed, ValidationFailed
from ..events import case_event, case_groups, publish_on_commit
from ..models import (
    Case,
    CaseEvent,
    ExtensionRequest,
    Notification,
    SupervisionLevel,
    SupervisionNotice,
)
from ..states import CLOCK_RUNNING_STATUSES
from ..workflow import record_event
from .common import lock_case, publish
from .evaluation import close_unrated
from .notifications import (
    department_user_ids,
    notify_citizen,
    notify_department,
    render,
    role_user_ids,
    send_digests,
)

BATCH = 500

# Each level, the case field holding the moment it is due, and the text sent.
LEVELS: list[tuple[int, str, object]] = [
    (
        SupervisionLevel.WARNING,
        "warn_at",
        _("Warning: case %(no)s has used most of its time; the deadline is %(deadline)s."),
    ),
    (
        SupervisionLevel.REMINDER,
        "reply_deadline",
        _("Reminder: the deadline of case %(no)s (%(deadline)s) has passed."),
    ),
    (
        SupervisionLevel.NOTICE,
        "notice_at",
        _("Supervision notice %(doc)s: case %(no)s is overdue since %(deadline)s."),
    ),
    (
        SupervisionLevel.CRITICISM,
        "criticism_at",
        _("Public criticism: case %(no)s is still overdue since %(deadline)s."),
    ),
]


@dataclass
class SupervisionReport:
    notices: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    closed_unrated: int = 0
    digests: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "warnings": self.notices[SupervisionLevel.WARNING],
            "reminders": self.notices[SupervisionLevel.REMINDER],
            "notices": self.notices[SupervisionLevel.NOTICE],
            "criticisms": self.notices[SupervisionLevel.CRITICISM],
            "closed_unrated": self.closed_unrated,
            "digests": self.digests,
        }


def document_no(case: Case, level: int, now: dt.datetime) -> str:
    if level < SupervisionLevel.NOTICE:
        return ""
    prefix = "DB" if level == SupervisionLevel.NOTICE else "TB"
    return f"{prefix}{timezone.localtime(now):%Y}-{case.tracking_no}-{case.stage_no}"


def supervise(*, now: dt.datetime | None = None, digests: bool = True) -> SupervisionReport:
    """Raise every supervision notice that is due, close unrated cases, send digests.

    Idempotent and safe under concurrent runs: each batch locks its cases (other runs skip
    them), re-reads their level inside the lock and issues every level now due in order, and a
    unique constraint on (case, stage, level) keeps any notice from existing twice.
    """
    now = now or timezone.now()
    report = SupervisionReport()
    while True:
        issued, locked = _supervise_batch(now)
        for level, count in issued.items():
            report.notices[level] += count
        if locked < BATCH:
            break
    report.closed_unrated = close_unrated(now=now)
    if digests:
        report.digests = send_digests()
    return report


def _due(now: dt.datetime) -> Q:
    """Open cases whose next supervision level is due (each level needs the one before)."""
    due = Q()
    for level, moment_field, _text in LEVELS:
        due |= Q(supervision_level=level - 1, **{f"{moment_field}__lte": now})
    return Q(status__in=CLOCK_RUNNING_STATUSES) & due


@transaction.atomic
def _supervise_batch(now: dt.datetime) -> tuple[dict[int, int], int]:
    cases = list(
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_due(now))
        .select_related("lead_department")
        .order_by("pk")[:BATCH]
    )
    issued: dict[int, int] = defaultdict(int)
    if not cases:
        return issued, 0
    existing = set(
        SupervisionNotice.objects.filter(case__in=cases).values_list("case_id", "stage_no", "level")
    )
    notices: list[SupervisionNotice] = []
    events: list[CaseEvent] = []
    notes: list[Notification] = []
    supervisors = role_user_ids(Role.SUPERVISOR)
    members: dict[int | None, list[int]] = {}
    by_level: dict[int, list[int]] = defaultdict(list)
    for case in cases:
        if case.lead_department_id not in members:
            members[case.lead_department_id] = department_user_ids(case.lead_department_id)
        deadline = (
            timezone.localtime(case.reply_deadline).strftime("%Y-%m-%d")
            if case.reply_deadline
            else ""
        )
        target = case.supervision_level
        for level, moment_field, text in LEVELS:
            moment = getattr(case, moment_field)
            if level <= case.supervision_level or moment is None or moment > now:
                continue
            target = level
            if (case.pk, case.stage_no, level) in existing:
                continue
            doc = document_no(case, level, now)
            notices.append(
                SupervisionNotice(
                    case=case,
                    stage_no=case.stage_no,
                    level=level,
                    department=case.lead_department,
                    document_no=doc,
                    deadline=case.reply_deadline,
                )
            )
            events.append(
                CaseEvent(
                    case=case,
                    action="supervision",
                    actor=None,
                    actor_role="system",
                    department=case.lead_department,
                    is_public=level >= SupervisionLevel.NOTICE,
                    reason=str(SupervisionLevel(level).label),
                    data={"level": level, "document": doc},
                )
            )
            message = render(text, no=case.tracking_no, deadline=deadline, doc=doc)  # type: ignore[arg-type]
            recipients = set(members[case.lead_department_id])
            if level >= SupervisionLevel.NOTICE:
                recipients |= set(supervisors)
            notes.extend(
                Notification(recipient_id=uid, case=case, verb="supervision", text=message[:300])
                for uid in recipients
            )
            issued[level] += 1
        by_level[target].append(case.pk)
    SupervisionNotice.objects.bulk_create(notices, ignore_conflicts=True)
    CaseEvent.objects.bulk_create(events)
    Notification.objects.bulk_create(notes, batch_size=1000)
    for level, ids in by_level.items():
        Case.objects.filter(pk__in=ids, supervision_level__lt=level).update(supervision_level=level)
    for case in cases:
        publish_on_commit(case_groups(case), case_event(case, "supervision"))
    return issued, len(cases)


@transaction.atomic
def extension_decide(
    *, request_id: int, actor: User, grant: bool, days: int | None = None, note: str = ""
) -> ExtensionRequest:
    """A supervisor grants an extension (possibly fewer days than asked) or denies it.

    On a grant the deadline moves by working days and the citizen is told the new deadline.
    """
    if not actor.is_active or actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise NotAllowed()
    found = ExtensionRequest.objects.filter(pk=request_id).values_list("case_id", flat=True)
    case_id = found.first()
    if case_id is None:
        raise InvalidTransition(_("This extension request has already been decided."))
    case = lock_case(case_id)  # the case first, as every other service locks it
    request = ExtensionRequest.objects.select_for_update().get(pk=request_id)
    if request.decision != ExtensionRequest.Decision.PENDING:
        raise InvalidTransition(_("This extension request has already been decided."))
    if grant and (case.status not in CLOCK_RUNNING_STATUSES or request.stage_no != case.stage_no):
        raise InvalidTransition(
            _("The case is no longer being handled at the stage this extension was asked for.")
        )
    granted = request.days_requested if days is None else days
    if grant and not 1 <= granted <= request.days_requested:
        raise ValidationFailed(
            {
                "days": [
                    _("Grant between 1 and the %(n)d days asked for.")
                    % {"n": request.days_requested}
                ]
            }
        )
    if not grant and not note.strip():
        raise ValidationFailed({"note": [_("Say why the extension is denied.")]})
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    if grant:
        request.decision = ExtensionRequest.Decision.GRANTED
        request.days_granted = granted
        case.extension_days += granted
        compute_deadlines(case)
        # A new deadline restarts the supervision ladder for levels no longer due.
        case.supervision_level = min(case.supervision_level, _level_at(case, timezone.now()))
        case.save(
            update_fields=["extension_days", "supervision_level", *DEADLINE_FIELDS, "updated_at"]
        )
        deadline = (
            timezone.localtime(case.reply_deadline).strftime("%Y-%m-%d")
            if case.reply_deadline
            else ""
        )
        record_event(
            case,
            action="extension_granted",
            actor=actor,
            reason=note.strip(),
            data={"days": granted, "deadline": deadline},
        )
        notify_citizen(
            case,
            verb="extension_granted",
            text=render(
                _(
                    "Case %(no)s was given %(days)d more working days; the new "
                    "deadline is %(deadline)s."
                ),
                no=case.tracking_no,
                days=granted,
                deadline=deadline,
            ),
        )
        notify_department(
            case,
            verb="extension_granted",
            text=render(
                _(
                    "Extension for case %(no)s granted: %(days)d working "
                    "days, new deadline %(deadline)s."
                ),
                no=case.tracking_no,
                days=granted,
                deadline=deadline,
            ),
        )
    else:
        request.decision = ExtensionRequest.Decision.DENIED
        record_event(
            case, action="extension_denied", actor=actor, reason=note.strip(), is_public=False
        )
        notify_department(
            case,
            verb="extension_denied",
            text=render(
                _("Extension for case %(no)s denied: %(note)s"),
                no=case.tracking_no,
                note=note.strip(),
            ),
        )
    request.save()
    publish(case, "extension_decided")
    return request


def _level_at(case: Case, now: dt.datetime) -> int:
    level = 0
    for value, moment_field, _text in LEVELS:
        moment = getattr(case, moment_field)
        if moment is not None and moment <= now:
            level = value
    return level


def recompute_open_deadlines(*, actor: User | None, reason: str) -> int:
    """Recompute the deadline of every open case (after the calendar changed). Returns changes."""
    calendar = WorkCalendar.load()
    changed = 0
    ids = list(
        Case.objects.filter(
            status__in=CLOCK_RUNNING_STATUSES | {"awaiting_citizen"}, clock_started_at__isnull=False
        ).values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            for case in Case.objects.select_for_update().filter(pk__in=ids[start : start + BATCH]):
                before = case.reply_deadline
                thresholds = [getattr(case, name) for name in DEADLINE_FIELDS]
                compute_deadlines(case, calendar=calendar)
                # Any moment may move (a holiday after the deadline moves only the notice).
                if [getattr(case, name) for name in DEADLINE_FIELDS] == thresholds:
                    continue
                case.save(update_fields=[*DEADLINE_FIELDS, "updated_at"])
                record_event(
                    case,
                    action="deadline_recomputed",
                    actor=actor,
                    reason=reason,
                    data={
                        "before": before.isoformat() if before else None,
                        "after": case.reply_deadline.isoformat() if case.reply_deadline else None,
                    },
                )
                publish(case, "deadline_recomputed")
                changed += 1
    return changed
