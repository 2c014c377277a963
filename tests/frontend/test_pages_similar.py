"""Similar cases on the pages: the citizen's write page (through GET /api/similar/) and the likely
duplicates a dispatcher may merge on the case page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interaction import similarity
from interaction.models import Case, CaseEvent
from interaction.states import Status
from tests.factories import World, submit

from .conftest import REPLY, assert_no_external_assets, page, replied, text

POTHOLE = {
    "subject": "花园路路面坑洼",
    "body": "花园路与经三路交叉口路面出现大坑，雨天积水，车辆经过很危险，请尽快维修。",
}
NOISE = {
    "subject": "小区广场舞音响扰民",
    "body": "每天晚上广场舞音响声音太大，一直到十点多，老人孩子无法休息。",
}
API = reverse("api:similar")


@pytest.fixture(autouse=True)
def _fresh(settings) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    cache.clear()  # the API's throttle counts live in the cache
    similarity.reset()


# --- the citizen's write page --------------------------------------------------------------------


def test_api_returns_the_published_case_with_its_reply(client: Client, world: World):
    case = replied(world, **POTHOLE)
    replied(world, **NOISE)

    response = client.get(API, {"subject": "经三路路口大坑", "body": POTHOLE["body"]})

    assert response.status_code == 200
    rows = response.json()
    assert [row["tracking_no"] for row in rows] == [case.tracking_no]
    assert rows[0]["subject"] == POTHOLE["subject"]
    assert rows[0]["reply_excerpt"] == REPLY
    assert rows[0]["url"] == reverse("frontend:case-detail", args=[case.tracking_no])
    assert 0 < rows[0]["score"] <= 1


def test_api_never_shows_a_case_that_is_not_published(client: Client, world: World):
    private = replied(world, allow_publish=False, **POTHOLE)
    open_case = submit(world.other_citizen, **POTHOLE)
    assert not private.is_published

    # Not to a visitor, nor to the very citizen who wrote the private case.
    for user in (None, world.citizen):
        rows = page(client, user, API, data=POTHOLE).json()
        assert rows == []
    body = page(client, None, API, data=POTHOLE).content.decode()
    assert private.tracking_no not in body
    assert open_case.tracking_no not in body


def test_api_shows_and_searches_only_the_masked_public_text(client: Client, world: World):
    case = replied(
        world,
        contact_name="王建国",
        subject="王建国反映花园路路面坑洼",
        body=f"我是王建国，电话13912345678。{POTHOLE['body']}",
    )

    rows = client.get(API, POTHOLE).json()

    assert [row["tracking_no"] for row in rows] == [case.tracking_no]
    assert "王建国" not in rows[0]["subject"]
    assert rows[0]["subject"].endswith("反映花园路路面坑洼")
    # The citizen's name is not searchable: it is not in the text the public sees.
    assert client.get(API, {"subject": "王建国", "body": "王建国"}).json() == []


def test_api_ignores_too_short_texts_and_rejects_too_long_ones(client: Client, world: World):
    replied(world, **POTHOLE)

    assert client.get(API, {"subject": "路", "body": ""}).json() == []
    assert client.get(API).json() == []
    too_long = client.get(API, {"subject": "路" * 101})
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "invalid"


def test_api_is_throttled(client: Client, world: World):
    statuses = [client.get(API, {"subject": "路面", "body": ""}).status_code for _ in range(31)]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_write_page_asks_for_similar_cases_with_a_local_script(client: Client, world: World):
    response = page(client, world.citizen, reverse("frontend:write"))

    html = text(response)
    assert 'id="similar-cases"' in html
    assert f'data-url="{API}"' in html
    assert "/static/frontend/similar.js" in html
    assert_no_external_assets(response)


# --- the dispatcher's case page: likely duplicates ---------------------------------------------


def test_dispatcher_sees_an_earlier_duplicate_with_a_merge_button(client: Client, world: World):
    earlier = submit(world.citizen, **POTHOLE)
    submit(world.citizen, **NOISE)
    case = submit(world.other_citizen, **POTHOLE)

    response = page(client, world.dispatcher, case.get_absolute_url())

    assert response.status_code == 200
    assert [d.case.pk for d in response.context["duplicates"]] == [earlier.pk]
    html = text(response)
    assert f'data-duplicate="{earlier.tracking_no}"' in html
    merge_url = reverse("frontend:case-merge", args=[case.tracking_no])
    assert f'action="{merge_url}"' in html
    assert f'name="into" value="{earlier.tracking_no}"' in html


def test_a_later_duplicate_is_shown_without_a_merge_button(client: Client, world: World):
    case = submit(world.citizen, **POTHOLE)
    later = submit(world.other_citizen, **POTHOLE)

    html = text(page(client, world.dispatcher, case.get_absolute_url()))

    assert f'data-duplicate="{later.tracking_no}"' in html
    assert f'name="into" value="{later.tracking_no}"' not in html


def test_duplicates_older_than_30_days_are_not_shown(client: Client, world: World):
    old = submit(world.citizen, **POTHOLE)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    case = submit(world.other_citizen, **POTHOLE)

    response = page(client, world.dispatcher, case.get_absolute_url())

    assert response.context["duplicates"] == []
    assert old.tracking_no not in text(response)


def test_merge_button_merges_the_case(client: Client, world: World):
    earlier = submit(world.citizen, **POTHOLE)
    case = submit(world.other_citizen, **POTHOLE)
    client.force_login(world.dispatcher)

    response = client.post(
        reverse("frontend:case-merge", args=[case.tracking_no]), {"into": earlier.tracking_no}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.MERGED
    assert case.merged_into == earlier
    event = CaseEvent.objects.get(case=case, action="merge")
    assert event.actor == world.dispatcher


def test_citizen_and_department_never_see_duplicates(client: Client, world: World):
    submit(world.other_citizen, **POTHOLE)
    case = submit(world.citizen, **POTHOLE)

    response = page(client, world.citizen, case.get_absolute_url())

    assert response.context["duplicates"] == []
    assert 'data-testid="duplicates"' not in text(response)
    # Once dispatched, the department's view of the case shows no duplicates either.
    dispatched = replied(world, **NOISE)
    response = page(client, world.liaison, dispatched.get_absolute_url())
    assert 'data-testid="duplicates"' not in text(response)
