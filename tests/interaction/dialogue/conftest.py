"""Dialogue fixtures: a world with a live dialogue, its moderator and officials, and sockets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from channels.layers import channel_layers
from django.utils import timezone

from backend.accounts.models import Role
from interaction.dialogue import services
from interaction.dialogue.models import Dialogue
from interaction.dialogue.states import DialogueAction
from tests.factories import World, make_user


@pytest.fixture(autouse=True)
def _fresh_layer() -> Any:
    """Each test gets its own in-memory channel layer (no group members left from another)."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def make_dialogue(world: World, *, state: str = "live", is_public: bool = True) -> Dialogue:
    moderator = make_user(Role.DISPATCHER)
    start = timezone.now()
    dialogue = services.dialogue_create(
        actor=world.admin,
        title="城市道路维修在线访谈",
        description="市城管局负责人与市民在线交流道路维修问题。",
        host_department=world.city_roads,
        moderator=moderator,
        officials=[world.head],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        is_public=is_public,
        category=world.road_repair,
    )
    if state in ("collecting", "live", "ended", "published"):
        services.dialogue_transition(
            dialogue_id=dialogue.pk, actor=moderator, action=DialogueAction.OPEN_QUESTIONS
        )
    if state in ("live", "ended", "published"):
        services.dialogue_transition(
            dialogue_id=dialogue.pk, actor=moderator, action=DialogueAction.GO_LIVE
        )
    return Dialogue.objects.select_related("moderator", "host_department").get(pk=dialogue.pk)


@pytest.fixture
def live_dialogue(world: World) -> Dialogue:
    return make_dialogue(world)


@pytest.fixture(autouse=True)
def _no_presence(settings: Any) -> None:
    """Viewer counts arrive at any time; tests that want them switch them back on."""
    settings.WENZHENG_DIALOGUE_PRESENCE = False


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Any:
    """Messages are asserted in their English msgids (the zh-hans catalogue translates them)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
