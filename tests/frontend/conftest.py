"""Helpers for page tests: cases at a given step, through the real services."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from backend.accounts.models import User
from interaction.models import Case
from interaction.services import dispatch, handling, review
from tests.factories import World, submit

EXTERNAL = re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def page(client: Client, user: User | None, url: str, **extra: object):
    """GET `url` as `user` (None: a visitor)."""
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, **extra)


def text(response) -> str:
    return response.content.decode()


def assert_no_external_assets(response) -> None:
    body = text(response)
    assert not EXTERNAL.search(body), EXTERNAL.search(body)
    assert "url(http" not in body
    assert "@import" not in body


def dispatched(world: World, **overrides: object) -> Case:
    case = submit(world.citizen, **overrides)
    return dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )


def handling_case(world: World, **overrides: object) -> Case:
    case = dispatched(world, **overrides)
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    return handling.case_start(case_id=case.pk, actor=world.liaison)


REPLY = "已安排施工队于本周内修补路面，如有问题请致电12345。"


def drafted(world: World, **overrides: object) -> Case:
    case = handling_case(world, **overrides)
    handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=REPLY)
    return Case.objects.get(pk=case.pk)


def approved(world: World, **overrides: object) -> Case:
    case = drafted(world, **overrides)
    return review.case_approve_reply(case_id=case.pk, actor=world.head)


def replied(world: World, **overrides: object) -> Case:
    case = approved(world, **overrides)
    return review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)


@pytest.fixture
def english(settings) -> None:
    """For tests that compare English texts: the UI's default language is zh-hans."""
    settings.LANGUAGE_CODE = "en"
