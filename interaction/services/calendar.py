"""Admin changes to the work calendar; open deadlines follow."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.organisation.models import CalendarOverride

from .notifications import render
from .supervision import recompute_open_deadlines


def _reason(date: dt.date) -> str:
    # Shown on the case's public timeline: a translated sentence, not a log line.
    return render(_("The work calendar changed for %(date)s."), date=date.isoformat())


def calendar_override_set(
    *, actor: User | None, date: dt.date, is_workday: bool, name: str = ""
) -> int:
    """Declare `date` a working day or a day off; recompute every open deadline.

    Returns how many open cases got a new deadline (each gets an audit row).
    """
    with transaction.atomic():
        CalendarOverride.objects.update_or_create(
            date=date, defaults={"is_workday": is_workday, "name": name}
        )
    return recompute_open_deadlines(actor=actor, reason=_reason(date))


def calendar_override_delete(*, actor: User | None, date: dt.date) -> int:
    with transaction.atomic():
        CalendarOverride.objects.filter(date=date).delete()
    return recompute_open_deadlines(actor=actor, reason=_reason(date))
