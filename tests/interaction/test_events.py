"""Delivery of real-time events: after commit, and from the background sender in order."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import translation

from interaction import events
from interaction.models import Case
from interaction.states import Status

from .scenarios import listen, received


def test_events_wait_for_the_commit_and_are_dropped_with_a_rollback(
    db: None, django_capture_on_commit_callbacks
) -> None:
    channel = listen("role.dispatcher")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            events.publish_on_commit(["role.dispatcher"], {"type": "case.event", "n": 1})
        try:
            with transaction.atomic():
                events.publish_on_commit(["role.dispatcher"], {"type": "case.event", "n": 2})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert received(channel) == []
    for callback in callbacks:
        callback()
    assert [m["n"] for m in received(channel)] == [1]


def test_the_background_sender_delivers_everything_once_and_in_order(settings) -> None:
    settings.WENZHENG_EVENTS_IN_BACKGROUND = True
    channel = listen("department.7")
    sender = events._Sender()
    for n in range(60):
        sender.submit(["department.7"], {"type": "case.event", "n": n})
    deadline = time.monotonic() + 5
    while (sender._pending or sender._draining) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not sender._pending
    assert [m["n"] for m in received(channel)] == list(range(60))


def test_a_case_event_carries_the_status_label_in_the_active_language() -> None:
    case = Case(pk=5, tracking_no="250303ABCDEF", status=Status.SIGNED, lead_department_id=3)
    with translation.override("en"):
        english = events.case_event(case, "signed", extra=1)
    assert english == {
        "type": "case.event",
        "event": "signed",
        "case_id": 5,
        "tracking_no": "250303ABCDEF",
        "status": "signed",
        "status_label": "Signed for",
        "department_id": 3,
        "extra": 1,
    }
    with translation.override("zh-hans"):
        assert events.case_event(case, "signed")["status_label"] == str(Status.SIGNED.label)
        assert events.case_event(case, "signed")["status_label"] != "Signed for"


def test_the_sender_keeps_delivering_after_a_send_fails(settings, monkeypatch) -> None:
    settings.WENZHENG_EVENTS_IN_BACKGROUND = True
    channel = listen("department.8")
    real = events._send_all
    calls = {"n": 0}

    async def flaky(groups, payload):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the layer broke")
        await real(groups, payload)

    monkeypatch.setattr(events, "_send_all", flaky)
    sender = events._Sender()
    sender.submit(["department.8"], {"type": "case.event", "n": 0})
    deadline = time.monotonic() + 5
    while sender._draining and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not sender._draining
    sender.submit(["department.8"], {"type": "case.event", "n": 1})
    deadline = time.monotonic() + 5
    while (sender._pending or sender._draining) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [m["n"] for m in received(channel)] == [1]


def test_the_sender_runs_on_uvloop_where_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    loop = events._new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
