"""Admin changes to the work calendar; open deadlines follow."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from backend.accounts.models import User
from backend.organisation.models import CalendarOverride

from .supervision import recompute_open_deadlines


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
    return recompute_open_deadlines(actor=actor, reason=f"calendar {date.isoformat()}")


def calendar_override_delete(*, actor: User | None, date: dt.date) -> int:
    with transaction.atomic():
        CalendarOverride.objects.filter(date=date).delete()
    return recompute_open_deadlines(actor=actor, reason=f"calendar {date.isoformat()}")
