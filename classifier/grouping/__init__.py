"""Grouping of messages about the same problem at the same place (hot issues), plain Python.

`engine.GroupingEngine` groups messages as they come (and `engine.regroup` all at once, with the
same result); `places` finds the places a message names; `text` its weighted words. Importing
this package loads no tokenizer: that happens on the first message.
"""

from .engine import (
    Assignment,
    Features,
    GroupingEngine,
    GroupingParams,
    GroupSummary,
    Message,
    regroup,
)
from .places import Gazetteer, Place, extract_places, places_match

__all__ = [
    "Assignment",
    "Features",
    "Gazetteer",
    "GroupSummary",
    "GroupingEngine",
    "GroupingParams",
    "Message",
    "Place",
    "extract_places",
    "places_match",
    "regroup",
]
