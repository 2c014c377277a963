"""Refreshing the roll-ups from two processes at once (PostgreSQL: real row locks)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone

from interaction.insights import direct, performance, rollups
from interaction.insights.models import DepartmentDay, RollupState
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import do_evaluate, reach, walk
from tests.interaction.test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _cases(world: World, n: int) -> None:
    for i in range(n):
        case = reach(world, Status.REPLIED, contact_phone=f"1390000{i:04d}")
        if i % 2:
            walk(world, case, [do_evaluate])


def test_two_refreshes_at_once_both_finish_and_count_every_case_once(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    settings.WENZHENG_ROLLUP_REFRESH_ON_READ = 0  # only the two runs below write
    _cases(world, 6)
    rollups.refresh()
    _cases(world, 4)

    results = race(rollups.refresh, rollups.refresh)

    assert all(isinstance(r, rollups.RefreshResult) for r in results), results
    # Each audit row was read by exactly one of them: the second waited for the first.
    assert sorted(r.events for r in results)[0] == 0
    today = timezone.localdate()
    span = {"start": today - dt.timedelta(days=1), "end": today + dt.timedelta(days=1)}
    rows = performance.department_performance(**span)
    assert rows == direct.department_performance(**span)
    assert performance.totals(rows).received == 10
    assert DepartmentDay.objects.filter(department=world.city_roads).count() == 1


def test_a_page_does_not_wait_for_a_refresh_in_progress(world: World, settings):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    _cases(world, 2)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                RollupState.objects.select_for_update().filter(pk=1).first()
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    rollups.refresh()
    _cases(world, 1)
    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        result: Any = rollups.refresh(wait=False)
        assert result.skipped
        assert result.events == 0
    finally:
        release.set()
        thread.join(timeout=30)
    assert rollups.refresh().events > 0
