"""Real-time event payloads and their delivery after commit, to explicit groups."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from .models import Case
from .states import Status

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


def new_case_groups(case: Case) -> list[str]:
    """Who hears of a case just written: its department if the machine dispatched it, else the
    dispatchers (their queue). Nobody can be watching the new case itself yet, its writer has
    the confirmation in hand, and supervisors follow cases once they fall behind."""
    if case.lead_department_id:
        return [department_group(case.lead_department_id)]
    return [DISPATCHERS_GROUP]


def case_event(case: Case, name: str, **extra: Any) -> dict[str, Any]:
    """The payload every listener gets: no private content, just enough to refresh a view."""
    return {
        "type": "case.event",
        "event": name,
        "case_id": case.pk,
        "tracking_no": case.tracking_no,
        "status": case.status,
        # The enum, not get_status_display(): that rebuilds a dict of every choice per call.
        "status_label": str(Status(case.status).label),
        "department_id": case.lead_department_id,
        **extra,
    }


async def _send_all(groups: list[str], payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in groups:
            await layer.group_send(group, payload)
    except Exception:  # a broken channel layer must never undo a committed change
        logger.exception("could not publish %s", payload.get("event"))


def _new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where it is installed (it came with uvicorn[standard]): the sender spends
    about a third less CPU per event on it than on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class _Sender:
    """One event loop in a daemon thread per process, so a request never waits for delivery.

    Events wait in a list; the loop is woken once for everything that piled up meanwhile (under
    load, the events of many requests go out in one wake-up instead of one each)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[list[str], dict[str, Any]]] = []
        self._draining = False

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = _new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="wenzheng-events", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    def submit(self, groups: list[str], payload: dict[str, Any]) -> None:
        loop = self.loop()
        with self._lock:
            self._pending.append((groups, payload))
            if self._draining:
                return
            self._draining = True
        asyncio.run_coroutine_threadsafe(self._drain(), loop)

    async def _drain(self) -> None:
        try:
            while True:
                with self._lock:
                    batch, self._pending = self._pending, []
                    if not batch:
                        self._draining = False
                        return
                for groups, payload in batch:
                    await _send_all(groups, payload)
        except BaseException:
            # Whatever stopped this drain must not stop delivery for good: the next event
            # starts a new one (and takes what is still pending with it).
            with self._lock:
                self._draining = False
            logger.exception("the event sender stopped; it restarts with the next event")
            raise


_sender = _Sender()


def _send(groups: list[str], payload: dict[str, Any]) -> None:
    if settings.WENZHENG_EVENTS_IN_BACKGROUND:
        _sender.submit(groups, payload)
    else:
        async_to_sync(_send_all)(groups, payload)


def publish_on_commit(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Send `payload` to `groups` once the current transaction commits (never before)."""
    group_list = list(groups)
    transaction.on_commit(lambda: _send(group_list, payload))
