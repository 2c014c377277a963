"""The hotness formula: its parts, its decay, its configuration, and the stored sort key."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from interaction.hotspots.conf import parse_weights
from interaction.hotspots.hotness import base_score, decayed, rank_key

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def test_base_score_adds_the_logarithms_with_their_weights() -> None:
    assert base_score(messages=3, citizens=2, support=0, repeats=1) == pytest.approx(
        1 * math.log(4) + 2 * math.log(3) + 1.5 * math.log(2)
    )


def test_breadth_counts_more_than_one_person_writing_often() -> None:
    one_person = base_score(messages=5, citizens=1, support=0, repeats=0)
    five_people = base_score(messages=5, citizens=5, support=0, repeats=0)
    assert five_people > one_person


def test_hotness_halves_every_half_life() -> None:
    assert decayed(8.0, NOW, now=NOW) == 8.0
    assert decayed(8.0, NOW - dt.timedelta(days=14), now=NOW) == pytest.approx(4.0)
    assert decayed(8.0, NOW - dt.timedelta(days=28), now=NOW) == pytest.approx(2.0)


def test_weights_and_half_life_are_configurable(settings) -> None:
    settings.WENZHENG_HOT_WEIGHTS = "messages=2,support=0"
    settings.WENZHENG_HOT_HALF_LIFE_DAYS = 7
    assert base_score(messages=1, citizens=0, support=9, repeats=0) == pytest.approx(
        2 * math.log(2)
    )
    assert decayed(8.0, NOW - dt.timedelta(days=7), now=NOW) == pytest.approx(4.0)


def test_unknown_weight_names_are_refused() -> None:
    with pytest.raises(ValueError, match="likes"):
        parse_weights("likes=3")


def test_the_stored_key_sorts_like_the_hotness_at_any_moment() -> None:
    groups = [
        (5.0, NOW - dt.timedelta(days=1)),
        (9.0, NOW - dt.timedelta(days=20)),
        (2.0, NOW),
        (7.0, NOW - dt.timedelta(days=9)),
    ]
    by_key = sorted(groups, key=lambda g: rank_key(*g), reverse=True)
    for later in (0, 3, 30, 365):
        moment = NOW + dt.timedelta(days=later)
        assert by_key == sorted(groups, key=lambda g: decayed(*g, now=moment), reverse=True)
