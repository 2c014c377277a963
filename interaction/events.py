"""Real-time event payloads and their delivery after commit, to explicit groups."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .models import Case

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def department_group(department_id: int) -> str:
    return f"department.{department_id}"


def case_group(case_id: int) -> str:
    return f"case.{case_id}"


DISPATCHERS_GROUP = "role.dispatcher"
SUPERVISORS_GROUP = "role.supervisor"


def case_groups(case: Case) -> list[str]:
    groups = [case_group(case.pk), DISPATCHERS_GROUP, SUPERVISORS_GROUP]
    if case.citizen_id:
        groups.append(user_group(case.citizen_id))
    if case.lead_department_id:
        groups.append(department_group(case.lead_department_id))
    return groups


def case_event(case: Case, name: str, **extra: Any) -> dict[str, Any]:
    """The payload every listener gets: no private content, just enough to refresh a view."""
    return {
        "type": "case.event",
        "event": name,
        "case_id": case.pk,
        "tracking_no": case.tracking_no,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "department_id": case.lead_department_id,
        **extra,
    }


def _send(groups: Iterable[str], payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in groups:
            async_to_sync(layer.group_send)(group, payload)
    except Exception:  # a broken channel layer must never undo a committed change
        logger.exception("could not publish %s", payload.get("event"))


def publish_on_commit(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Send `payload` to `groups` once the current transaction commits (never before)."""
    group_list = list(groups)
    transaction.on_commit(lambda: _send(group_list, payload))
