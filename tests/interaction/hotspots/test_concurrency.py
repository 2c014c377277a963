"""The grouping process and a full regrouping at the same time (PostgreSQL: real row locks)."""

from __future__ import annotations

import pytest

from interaction.hotspots.grouping import Grouper, regroup_all
from interaction.hotspots.models import GroupingState, HotIssue, HotIssueCase
from tests.factories import World
from tests.interaction.test_concurrency import race

from .conftest import OTHERS, POTHOLE, citizens, write

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_regroup_and_group_messages_take_turns(world: World) -> None:
    cases = [write(u, t) for u, t in zip(citizens(4), POTHOLE, strict=True)]
    for user, text in zip(citizens(2), OTHERS, strict=True):
        write(user, text)
    first, second = Grouper(), Grouper()

    results = race(regroup_all, first.run_once, second.run_once)

    assert not [r for r in results if isinstance(r, Exception)], results
    # Whatever the order, one group holds the pothole, once, and a further run changes nothing.
    hot = HotIssue.objects.get()
    assert set(hot.memberships.values_list("case_id", flat=True)) == {c.pk for c in cases}
    assert HotIssueCase.objects.count() == 4
    report = Grouper().run_once()
    assert report.joined == 0
    assert HotIssueCase.objects.count() == 4
    assert GroupingState.row().last_case_id >= cases[-1].pk
