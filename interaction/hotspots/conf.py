"""Settings of the hot issues, read from Django settings (`WENZHENG_HOT_*`, environment variables
in `backend/settings/base.py`), with the defaults below when a setting is absent."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from classifier.grouping import GroupingParams

DEFAULT_WEIGHTS = {"messages": 1.0, "citizens": 2.0, "support": 1.0, "repeats": 1.5}
# The demo city's place names (relative to BASE_DIR): a city deploying the platform lists its
# own dictionaries in WENZHENG_HOT_PLACE_DICTS.
DEFAULT_PLACE_DICTS = ("fixtures/demo_city/places_dict.txt",)


@dataclass(frozen=True)
class HotSettings:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    half_life_days: float = 14.0
    # Groups shown to people need at least this many cases.
    min_cases: int = 2
    # Repeat complaints "same place and problem" need this resemblance to the closed case.
    repeat_min_score: float = 0.2
    place_dicts: tuple[str, ...] = ()
    grouping: GroupingParams = field(default_factory=GroupingParams)


def parse_weights(raw: str | dict[str, Any] | None) -> dict[str, float]:
    """ "messages=1,citizens=2,…" (or a dict) → weights; unknown names are an error."""
    weights = dict(DEFAULT_WEIGHTS)
    if not raw:
        return weights
    items = (
        raw.items()
        if isinstance(raw, dict)
        else (part.split("=", 1) for part in str(raw).split(",") if part.strip())
    )
    for name, value in items:
        name = str(name).strip()
        if name not in weights:
            raise ValueError(f"Unknown hotness weight {name!r} (known: {', '.join(weights)})")
        weights[name] = float(value)
    return weights


def hot_settings() -> HotSettings:
    grouping = GroupingParams()
    changes = {
        "threshold": getattr(settings, "WENZHENG_HOT_THRESHOLD", None),
        "window_days": getattr(settings, "WENZHENG_HOT_WINDOW_DAYS", None),
    }
    grouping = grouping.with_changes(**{k: v for k, v in changes.items() if v is not None})
    dicts = getattr(settings, "WENZHENG_HOT_PLACE_DICTS", None)
    return HotSettings(
        weights=parse_weights(getattr(settings, "WENZHENG_HOT_WEIGHTS", None)),
        half_life_days=float(getattr(settings, "WENZHENG_HOT_HALF_LIFE_DAYS", 14.0)),
        min_cases=int(getattr(settings, "WENZHENG_HOT_MIN_CASES", 2)),
        repeat_min_score=float(getattr(settings, "WENZHENG_HOT_REPEAT_MIN_SCORE", 0.2)),
        place_dicts=tuple(
            str(Path(settings.BASE_DIR) / path)
            for path in (dicts if dicts is not None else DEFAULT_PLACE_DICTS)
        ),
        grouping=grouping,
    )
