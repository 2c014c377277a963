"""Cases about the same problem, written by several citizens, grouped by the real grouping."""

from __future__ import annotations

from typing import Any

import pytest

from backend.accounts.models import Role, User
from interaction.hotspots.grouping import Grouper, RunReport
from interaction.hotspots.models import HotIssue
from interaction.models import Case
from tests.factories import World, make_user, submit

# The pothole at 花园路/经三路, told four ways (hand-written).
POTHOLE = [
    ("花园路路面坑洼", "花园路与经三路交叉口路面出现大坑，雨天积水，车辆经过很危险，请尽快维修。"),
    (
        "花园路大坑还没修",
        "花园路经三路路口的大坑一直没有修补，下雨积水，电动车摔倒好几次，请维修路面。",
    ),
    (
        "花园路路面破损严重",
        "花园路与经三路交叉口路面坑洼严重，大坑积水，车辆经过很危险，希望尽快维修。",
    ),
    (
        "再次反映花园路大坑",
        "花园路经三路交叉口的大坑还在，积水很深，车辆经过很危险，请尽快维修路面。",
    ),
]
# Other things, elsewhere.
OTHERS = [
    ("西城区广场舞噪音", "西城区文化广场每天晚上跳广场舞，音响声音太大，附近居民无法休息。"),
    ("咨询公积金贷款", "请问公积金贷款的最高额度是多少，夫妻双方缴存可以贷多少？"),
]


def citizens(n: int) -> list[User]:
    return [make_user(Role.CITIZEN) for _ in range(n)]


def write(author: User | None, text: tuple[str, str], **extra: Any) -> Case:
    subject, body = text
    if author is not None:
        extra.setdefault("contact_phone", author.phone)
    return submit(author, subject=subject, body=body, **extra)


def group(grouper: Grouper | None = None) -> RunReport:
    return (grouper or Grouper()).run_once()


@pytest.fixture
def grouper() -> Grouper:
    """The warm grouping process of the tests (as `group_messages --every` keeps one)."""
    return Grouper()


def make_pothole(grouper: Grouper) -> list[Case]:
    """Four citizens write about the pothole, two others about other things; grouped."""
    cases = [write(user, text) for user, text in zip(citizens(4), POTHOLE, strict=True)]
    for user, text in zip(citizens(2), OTHERS, strict=True):
        write(user, text)
    grouper.run_once()
    return cases


@pytest.fixture
def pothole(world: World, grouper: Grouper) -> list[Case]:
    return make_pothole(grouper)


def the_group(case: Case) -> HotIssue:
    return HotIssue.objects.get(memberships__case=case)
