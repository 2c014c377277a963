"""What happens to the demo cases: the scenarios (paths through the services) and their timing.

Each scenario is a sequence of steps, each step one service call (see `seed.STEP_HANDLERS`), and a
timing that says where its last step lies: long in the past (terminal cases), recently (open
cases; some left stale so the supervisor's board shows overdue cases), in the last days (replies
awaiting the citizen's rating), etc. Together they cover every status of the lifecycle.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from interaction.models import Kind

_B = ("submit", "dispatch", "sign", "start")  # the usual beginning
_R = ("draft", "approve", "publish")  # reply, head's approval, platform's review


@dataclass(frozen=True)
class Scenario:
    name: str
    count: int
    steps: tuple[str, ...]
    timing: str  # past | open | fresh | queue | replied | waiting
    long_clock: bool = False  # needs a 13-working-day limit (extension requests)


SCENARIOS: list[Scenario] = [
    Scenario("submitted", 24, ("submit",), "queue"),
    Scenario("dispatched", 14, ("submit", "dispatch"), "open"),
    Scenario(
        "dispatched_after_return",
        4,
        ("submit", "dispatch_wrong", "return", "accept_return"),
        "open",
    ),
    Scenario("returned", 5, ("submit", "dispatch_wrong", "return"), "fresh"),
    Scenario("returned_after_signing", 3, ("submit", "dispatch_wrong", "sign", "return"), "fresh"),
    Scenario("signed", 14, ("submit", "dispatch", "sign"), "open"),
    Scenario("handling", 16, _B, "open"),
    Scenario("handling_extension_pending", 6, (*_B, "ext_request"), "fresh", long_clock=True),
    Scenario(
        "handling_extension_granted", 5, (*_B, "ext_request", "ext_grant"), "open", long_clock=True
    ),
    Scenario(
        "handling_extension_denied", 2, (*_B, "ext_request", "ext_deny"), "open", long_clock=True
    ),
    Scenario("handling_after_info", 4, (*_B, "request_info", "provide_info"), "open"),
    Scenario("handling_reply_sent_back", 3, (*_B, "draft", "reject_reply"), "open"),
    Scenario("handling_rework", 3, (*_B, "draft", "approve", "rework"), "open"),
    Scenario(
        "handling_return_rejected",
        3,
        ("submit", "dispatch", "sign", "return", "reject_return", "sign", "start"),
        "open",
    ),
    Scenario("handling_redo", 5, (*_B, *_R, "evaluate_unsat"), "open"),
    Scenario(
        "problem_case",
        1,
        (
            "submit",
            "dispatch_wrong",
            "return",
            "accept_return_wrong",
            "return",
            "accept_return",
            "sign",
            "start",
            *_R,
            "evaluate_unsat",
        ),
        "open",
    ),
    Scenario("awaiting_citizen", 10, (*_B, "request_info"), "waiting"),
    Scenario("reply_drafted", 12, (*_B, "draft"), "open"),
    Scenario("reply_approved", 10, (*_B, "draft", "approve"), "open"),
    Scenario("replied", 18, (*_B, *_R), "replied"),
    Scenario("closed_satisfied", 70, (*_B, *_R, "evaluate_sat"), "past"),
    Scenario("closed_basically", 35, (*_B, *_R, "evaluate_basic"), "past"),
    Scenario("closed_signed_only", 8, ("submit", "dispatch", "sign", *_R, "evaluate_any"), "past"),
    Scenario("closed_attitude_unsatisfied", 8, (*_B, *_R, "evaluate_attitude"), "past"),
    Scenario("closed_after_redo", 12, (*_B, *_R, "evaluate_unsat", *_R, "evaluate_any"), "past"),
    Scenario("closed_unrated", 15, (*_B, *_R, "unrated"), "past"),
    Scenario(
        "closed_after_info", 6, (*_B, "request_info", "provide_info", *_R, "evaluate_any"), "past"
    ),
    Scenario(
        "closed_after_return",
        6,
        (
            "submit",
            "dispatch_wrong",
            "return",
            "accept_return",
            "sign",
            "start",
            *_R,
            "evaluate_any",
        ),
        "past",
    ),
    Scenario("invalid", 12, ("submit_spam", "invalid"), "past"),
    Scenario("invalid_after_return", 3, ("submit", "dispatch_wrong", "return", "invalid"), "past"),
    Scenario("merged", 10, ("submit_dup", "merge"), "past"),
]

# Hours between a step and the one before it (uniform in the range).
GAPS: dict[str, tuple[float, float]] = {
    "dispatch": (0.5, 20),
    "dispatch_wrong": (0.5, 20),
    "sign": (0.3, 16),
    "start": (0.2, 20),
    "return": (1, 30),
    "accept_return": (1, 12),
    "accept_return_wrong": (1, 12),
    "reject_return": (1, 12),
    "request_info": (8, 60),
    "provide_info": (6, 72),
    "draft": (20, 150),
    "reject_reply": (2, 24),
    "approve": (2, 30),
    "rework": (2, 24),
    "publish": (2, 24),
    "evaluate_sat": (4, 100),
    "evaluate_basic": (4, 100),
    "evaluate_attitude": (4, 100),
    "evaluate_unsat": (4, 100),
    "evaluate_any": (4, 100),
    "ext_request": (24, 90),
    "ext_grant": (2, 30),
    "ext_deny": (2, 30),
    "invalid": (0.5, 10),
    "merge": (0.5, 10),
    # The citizen's week to rate has passed (+ margin for the office-hours shift of the reply).
    "unrated": (7 * 24 + 16, 7 * 24 + 30),
}
# Steps whose gap shrinks for 3-working-day kinds (consultation, help).
SHORT_SCALED = {"draft", "request_info", "provide_info", "ext_request"}
# Steps taken by staff, in office hours.
STAFF_STEPS = {
    "dispatch",
    "dispatch_wrong",
    "sign",
    "start",
    "return",
    "accept_return",
    "accept_return_wrong",
    "reject_return",
    "request_info",
    "draft",
    "reject_reply",
    "approve",
    "rework",
    "publish",
    "ext_request",
    "ext_grant",
    "ext_deny",
    "invalid",
    "merge",
}
HORIZON_HOURS = 89 * 24
STALE_SHARE = 0.3


def _slack(rng: random.Random, timing: str, total: float) -> float:
    """Hours between the last step and now."""
    if timing == "past":
        return rng.uniform(8, max(8.0, HORIZON_HOURS - total))
    if timing == "open":
        if rng.random() < STALE_SHARE:
            return rng.uniform(6 * 24, 30 * 24)  # stuck: overdue on the supervisor's board
        return rng.uniform(1, 60)
    if timing == "fresh":
        return rng.uniform(1, 48)
    if timing == "queue":
        return rng.uniform(0.2, 40)
    if timing == "replied":
        return rng.uniform(5, 130)
    if timing == "waiting":
        return rng.uniform(12, 8 * 24)
    raise ValueError(f"unknown timing {timing}")


def _office_hours(rng: random.Random, moment: dt.datetime, staff: bool) -> dt.datetime:
    local = timezone.localtime(moment)
    opens = 8 if staff else 7
    closes = 18 if staff else 23
    if local.hour < opens:
        local = local.replace(hour=opens, minute=rng.randint(0, 59))
    elif local.hour >= closes:
        local = (local + dt.timedelta(days=1)).replace(hour=opens, minute=rng.randint(0, 59))
    return local


def plan_times(
    rng: random.Random, scenario: Scenario, kind: str, now: dt.datetime
) -> list[dt.datetime]:
    """The virtual moment of every step of one case: increasing, within 90 days, before now."""
    short = kind in (Kind.CONSULTATION, Kind.HELP)
    offsets = [0.0]
    for step in scenario.steps[1:]:
        low, high = GAPS[step]
        gap = rng.uniform(low, high) * (0.35 if short and step in SHORT_SCALED else 1.0)
        offsets.append(offsets[-1] + gap)
    total = offsets[-1]
    slack = _slack(rng, scenario.timing, total)
    room = HORIZON_HOURS - slack
    if total > room:
        offsets = [o * room / total for o in offsets]
        total = room
    start = now - dt.timedelta(hours=slack + total)
    times: list[dt.datetime] = []
    latest = now - dt.timedelta(minutes=2)
    for step, offset in zip(scenario.steps, offsets, strict=True):
        moment = start + dt.timedelta(hours=offset)
        shifted = _office_hours(rng, moment, step in STAFF_STEPS)
        if shifted < latest:
            moment = shifted
        if times:
            moment = max(moment, times[-1] + dt.timedelta(minutes=rng.randint(2, 15)))
        times.append(min(moment, latest))
    return times
