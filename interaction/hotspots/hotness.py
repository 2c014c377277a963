"""The hotness index of a group of messages.

    hotness(now) = base × 2^(−age / half_life)

    base = w_messages · ln(1 + messages)
         + w_citizens · ln(1 + distinct citizens)
         + w_support  · ln(1 + support)
         + w_repeats  · ln(1 + repeat complaints)

- messages: the group's cases (spam closed as invalid left out);
- distinct citizens: writers told apart by account, else by phone number (one person writing
  five times is one citizen: `w_citizens` rewards breadth, `w_messages` volume);
- support: 附议 of citizens on the group's published cases (`CaseSupport`);
- repeat complaints: cases that came back after an earlier case of the group was closed;
- age: days since the group's latest message; `half_life` days halve the hotness.

Logarithms give diminishing returns, so one very large group does not bury every other issue.
Defaults: w_messages 1, w_citizens 2, w_support 1, w_repeats 1.5, half-life 14 days.
Configurable by environment variables (settings `WENZHENG_HOT_*`, see `conf.py`):
`WENZHENG_HOT_WEIGHTS="messages=1,citizens=2,support=1,repeats=1.5"`,
`WENZHENG_HOT_HALF_LIFE_DAYS=14`. After changing them run `manage.py regroup_messages --scores`.

Sorting: log(hotness(now)) = log(base) + ln2 · last_at_days / half_life − ln2 · now_days /
half_life; the last term is the same for every group, so groups sorted by
`rank_key = log(base) + ln2 · last_at_days / half_life` are sorted by hotness at any moment. The
key is stored (indexed) and the hotness itself is computed when shown.
"""

from __future__ import annotations

import datetime as dt
import math

from django.utils import timezone

from .conf import hot_settings

__all__ = ["base_score", "decayed", "rank_key"]

LN2 = math.log(2)


def base_score(*, messages: int, citizens: int, support: int, repeats: int) -> float:
    w = hot_settings().weights
    return (
        w["messages"] * math.log1p(messages)
        + w["citizens"] * math.log1p(citizens)
        + w["support"] * math.log1p(support)
        + w["repeats"] * math.log1p(repeats)
    )


def _days(moment: dt.datetime) -> float:
    return moment.timestamp() / 86400.0


def rank_key(base: float, last_at: dt.datetime) -> float:
    """A number that orders groups as their hotness does, whatever the current time."""
    if base <= 0:
        return -1e12
    return math.log(base) + LN2 * _days(last_at) / hot_settings().half_life_days


def decayed(base: float, last_at: dt.datetime, *, now: dt.datetime | None = None) -> float:
    """The hotness at `now` (default: now)."""
    now = now or timezone.now()
    age = max(0.0, _days(now) - _days(last_at))
    return base * 2 ** (-age / hot_settings().half_life_days)
