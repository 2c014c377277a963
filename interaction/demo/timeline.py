"""Moving seeded cases into the past (demo seeding only).

The seeder runs every step of every case through the real services, now, in sequence. Before each
step it records a breakpoint: (the real moment the step starts, the virtual moment it should have
happened). Afterwards every timestamp the services wrote is mapped to the virtual moment of the step
that wrote it, with queryset updates of timestamp fields only (`bulk_update` issues
`QuerySet.update`; `CaseEvent.save` refuses edits, a queryset update does not go through it).
Deadlines are then recomputed from the shifted clocks with `interaction.deadlines`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from backend.organisation.workcalendar import WorkCalendar
from interaction.deadlines import DEADLINE_FIELDS, compute_deadlines, local_date
from interaction.models import (
    Case,
    CaseEvent,
    Evaluation,
    ExtensionRequest,
    InfoRequest,
    Notification,
    PlatformSettings,
    Reply,
    ReturnRequest,
)

# Every timestamp the workflow services write, per model.
TIME_FIELDS: list[tuple[type[models.Model], list[str]]] = [
    (
        Case,
        [
            "created_at",
            "dispatched_at",
            "clock_started_at",
            "signed_at",
            "replied_at",
            "closed_at",
            "updated_at",
        ],
    ),
    (CaseEvent, ["created_at"]),
    (Reply, ["created_at", "published_at"]),
    (Evaluation, ["created_at"]),
    (ReturnRequest, ["created_at", "decided_at"]),
    (ExtensionRequest, ["created_at", "decided_at"]),
    (InfoRequest, ["asked_at", "answered_at"]),
    (Notification, ["created_at"]),
]
BATCH = 500
TRACKING_NO = re.compile(r"\d{6}[A-Z2-9]{6}")
# Rows per UPDATE … CASE WHEN statement (SQLite evaluates the CASE linearly per row).
UPDATE_BATCH = 100


class Timeline:
    """Breakpoints (real start of a step → virtual moment of that step), in real-time order."""

    def __init__(self) -> None:
        self.marks: list[dt.datetime] = []
        self.virtual: list[dt.datetime] = []

    def step(self, virtual: dt.datetime) -> None:
        """Call right before a service call that should have happened at `virtual`."""
        self.marks.append(timezone.now())
        self.virtual.append(virtual)

    def map(self, moment: dt.datetime | None) -> dt.datetime | None:
        if moment is None or not self.marks or moment < self.marks[0]:
            return moment
        return self.virtual[bisect.bisect_right(self.marks, moment) - 1]

    def apply(self, case_ids: Sequence[int]) -> int:
        """Shift every timestamp written for `case_ids` during the run. Returns rows changed.

        Tracking numbers begin with the day of submission: they are redrawn for the shifted day
        (same random part), and the notifications that quote them are updated."""
        changed = 0
        renamed: dict[str, str] = {}
        for model, fields in TIME_FIELDS:
            key = "pk__in" if model is Case else "case_id__in"
            extra = {Case: ["tracking_no"], Notification: ["text"]}.get(model, [])
            manager: Any = model._default_manager
            rows = []
            for start in range(0, len(case_ids), BATCH):
                chunk = list(case_ids[start : start + BATCH])
                rows += list(manager.filter(**{key: chunk}).only("pk", *fields, *extra))
            for row in rows:
                for name in fields:
                    setattr(row, name, self.map(getattr(row, name)))
                if isinstance(row, Case):
                    new_no = local_date(row.created_at).strftime("%y%m%d") + row.tracking_no[6:]
                    renamed[row.tracking_no] = new_no
                    row.tracking_no = new_no
                elif isinstance(row, Notification):
                    row.text = TRACKING_NO.sub(lambda m: renamed.get(m[0], m[0]), row.text)
            manager.bulk_update(rows, [*fields, *extra], batch_size=UPDATE_BATCH)
            changed += len(rows)
        return changed


def recompute_clocks(case_ids: Sequence[int]) -> int:
    """Deadlines (and working days paused for the citizen) from the shifted clocks.

    `case_provide_info` adds the working days the citizen took to answer; in a seeding run those
    were all "now", so the pause is recounted from the shifted request and answer dates. Only the
    pause and the deadline fields are saved.
    """
    calendar = WorkCalendar.load()
    platform = PlatformSettings.load()
    cases = list(Case.objects.filter(pk__in=case_ids, clock_started_at__isnull=False))
    paused: dict[tuple[int, int], int] = defaultdict(int)
    answered = InfoRequest.objects.filter(case_id__in=case_ids, answered_at__isnull=False)
    for request in answered:
        assert request.answered_at is not None
        paused[(request.case_id, request.stage_no)] += calendar.working_days_between(
            local_date(request.asked_at), local_date(request.answered_at)
        )
    for case in cases:
        case.paused_days = paused.get((case.pk, case.stage_no), 0)
        compute_deadlines(case, calendar=calendar, platform=platform)
    Case.objects.bulk_update(cases, ["paused_days", *DEADLINE_FIELDS], batch_size=UPDATE_BATCH)
    return len(cases)
