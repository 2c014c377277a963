"""Bring a case into any status through the real services, plus a settable clock and a listener.

`reach(world, status)` walks the canonical path to `status` (dispatch → sign → start → ...), so
every test starts from a case that got where it is the way a real one would, audit rows included.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from interaction.models import Case
from interaction.services import dispatch, evaluation, handling, review
from interaction.states import Status
from tests.factories import World, submit

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
REPLY_TEXT = "已安排施工队于本周内修补路面，如有问题请致电12345。"
QUESTION = "请提供坑洼的具体位置照片。"
ANSWER = "位置在花园路与经三路交叉口东北角，照片已补充。"


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def local(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    return moment.astimezone(SHANGHAI)


class Clock:
    """A settable `timezone.now()` for scenarios that cross holidays.

    Time is outside the process, like the SMS gateway: it is the one thing these tests fake.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
        self.now = moment
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return moment

    def advance(self, **delta: float) -> dt.datetime:
        self.now = self.now + dt.timedelta(**delta)
        return self.now


# --- the canonical path ------------------------------------------------------------------------


def do_dispatch(world: World, case: Case) -> Case:
    return dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )


def do_sign(world: World, case: Case) -> Case:
    return handling.case_sign(case_id=case.pk, actor=world.liaison)


def do_start(world: World, case: Case) -> Case:
    return handling.case_start(case_id=case.pk, actor=world.liaison)


def do_request_info(world: World, case: Case) -> Case:
    return handling.case_request_info(case_id=case.pk, actor=world.liaison, question=QUESTION)


def do_return(world: World, case: Case) -> Case:
    return handling.case_return(
        case_id=case.pk,
        actor=world.liaison,
        reason_code="function",
        reason_text="路面维修属区城管局职责。",
    )


def do_draft(world: World, case: Case) -> Case:
    handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=REPLY_TEXT)
    return Case.objects.get(pk=case.pk)


def do_approve(world: World, case: Case) -> Case:
    return review.case_approve_reply(case_id=case.pk, actor=world.head)


def do_publish(world: World, case: Case) -> Case:
    return review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)


def _author(case: Case) -> dict[str, Any]:
    """The writer of `case`: their account, or the private link of an anonymous message."""
    if case.citizen is not None:
        return {"actor": case.citizen}
    return {"actor": None, "token": case.access_token}


def do_evaluate(world: World, case: Case) -> Case:
    return evaluation.case_evaluate(
        case_id=case.pk, attitude="satisfied", result="satisfied", solved=True, **_author(case)
    )


def do_redo(world: World, case: Case) -> Case:
    return evaluation.case_evaluate(
        case_id=case.pk,
        **_author(case),
        attitude="basically",
        result="unsatisfied",
        solved=False,
        comment="路面仍未修好。",
    )


def do_close_invalid(world: World, case: Case) -> Case:
    return dispatch.case_close_invalid(
        case_id=case.pk, actor=world.dispatcher, reason="内容与政务无关。"
    )


HANDLING_PATH = [do_dispatch, do_sign, do_start]
REPLIED_PATH = [*HANDLING_PATH, do_draft, do_approve, do_publish]

PATHS: dict[Status, list[Callable[[World, Case], Case]]] = {
    Status.SUBMITTED: [],
    Status.DISPATCHED: [do_dispatch],
    Status.SIGNED: [do_dispatch, do_sign],
    Status.HANDLING: HANDLING_PATH,
    Status.AWAITING_CITIZEN: [*HANDLING_PATH, do_request_info],
    Status.RETURNED: [*HANDLING_PATH, do_return],
    Status.REPLY_DRAFTED: [*HANDLING_PATH, do_draft],
    Status.REPLY_APPROVED: [*HANDLING_PATH, do_draft, do_approve],
    Status.REPLIED: REPLIED_PATH,
    Status.CLOSED: [*REPLIED_PATH, do_evaluate],
    Status.INVALID: [do_close_invalid],
    Status.MERGED: [],  # special: needs an earlier case, see `reach`
}


def walk(world: World, case: Case, steps: list[Callable[[World, Case], Case]]) -> Case:
    for step in steps:
        case = step(world, case)
    return Case.objects.get(pk=case.pk)


def reach(world: World, status: Status, *, citizen: Any = "default", **submission: Any) -> Case:
    """A new case (by `world.citizen` unless told), brought to `status` through the services."""
    author = world.citizen if citizen == "default" else citizen
    if status == Status.MERGED:
        original = submit(world.other_citizen)
        case = submit(author, **submission)
        dispatch.case_merge(case_id=case.pk, actor=world.dispatcher, into_id=original.pk)
        return Case.objects.get(pk=case.pk)
    case = submit(author, **submission)
    assert case.status == Status.SUBMITTED  # no classifier model in tests: the queue
    case = walk(world, case, PATHS[status])
    assert case.status == status
    return case


# --- real-time events --------------------------------------------------------------------------


# Long enough for a Redis round trip; the in-memory layer answers at once.
_RECEIVE_WAIT = 0.5 if getattr(settings, "REDIS_URL", "") else 0.01


def listen(group: str) -> str:
    """A fresh channel on the channel layer that has joined `group`.

    A plain channel name (not a process-specific "!" one): the Redis layer binds the receive
    buffer of process-specific channels to one event loop, and each async_to_sync call runs in
    a new one.
    """
    layer = get_channel_layer()
    assert layer is not None
    channel = f"test.listener.{uuid.uuid4().hex}"
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> list[dict[str, Any]]:
    """Everything waiting on `channel` (without blocking)."""
    layer = get_channel_layer()
    assert layer is not None

    async def drain() -> list[dict[str, Any]]:
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), _RECEIVE_WAIT))
            except TimeoutError:
                return messages

    return async_to_sync(drain)()
