"""On the demo city (a few hundred cases over 90 days, every status) the roll-ups that
`load_demo_city` builds give the same figures as the direct aggregates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from interaction.insights import direct, performance, trends
from interaction.insights.models import RollupState
from interaction.insights.periods import Period, month_of, previous_month, year_of
from interaction.models import CaseEvent


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo city loaded once for the module (seeding takes seconds); rolled back."""
    with django_db_blocker.unblock(), transaction.atomic(), translation.override("en"):
        out = StringIO()
        call_command("load_demo_city", stdout=out)
        yield {"out": out.getvalue(), "now": timezone.now()}
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestDemoCityRollups:
    def test_load_demo_city_builds_the_rollups(self, demo: dict[str, Any]) -> None:
        assert "Built the insight roll-ups" in demo["out"]
        state = RollupState.objects.get()
        assert state.rebuilt_at is not None
        assert state.last_event_id == CaseEvent.objects.latest("id").pk

    def test_every_figure_equals_the_direct_aggregate(self, demo: dict[str, Any]) -> None:
        today = timezone.localdate()
        periods = [
            month_of(today),
            previous_month(today),
            previous_month(today.replace(day=1) - dt.timedelta(days=1)),
            year_of(today),
            Period(today - dt.timedelta(days=90), today),
        ]
        for now in (demo["now"], demo["now"] + dt.timedelta(days=20)):
            for period in periods:
                span = {"start": period.start, "end": period.end, "now": now}
                rows = performance.department_performance(**span)
                assert rows == direct.department_performance(**span), period
                assert performance.district_performance(**span) == (
                    direct.district_performance(**span)
                ), period
                assert performance.totals(rows).received > 0
        for period in periods:
            for granularity in trends.GRANULARITIES:
                assert trends.trend(period=period, granularity=granularity) == direct.trend(
                    period=period, granularity=granularity
                )
            assert trends.by_category(period=period) == direct.by_category(period=period)
            assert trends.by_kind(period=period) == direct.by_kind(period=period)
            assert trends.by_district(period=period) == direct.by_district(period=period)
