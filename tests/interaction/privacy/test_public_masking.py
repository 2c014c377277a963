"""What leaves the platform is masked: the public case page, the home list, the REST API.
Those who handle the case (and its citizen) see the original; the identity is never public."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from interaction.models import Case
from interaction.privacy.services import masking_rule_add
from interaction.services import handling, review
from tests.factories import World, submit
from tests.interaction.scenarios import do_approve, do_dispatch, do_sign, do_start

BODY = (
    "我是王五，身份证430102199003071234，电话13812345678。王先生的车湘A12345被刮了。住幸福小区3栋。"
)
REPLY = "王先生您好：已于2026-11-20联系物业，工单261122ABCD23，如有疑问请拨打12345。"
SECRETS = ["王五", "430102199003071234", "13812345678", "湘A12345", "王先生"]


@pytest.fixture
def published(world: World) -> Case:
    case = submit(
        world.citizen,
        subject="王五反映车辆被刮",
        body=BODY,
        contact_name="王五",
        contact_phone="13812345678",
    )
    for step in (do_dispatch, do_sign, do_start):
        step(world, case)
    handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=REPLY)
    do_approve(world, case)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    case.refresh_from_db()
    assert case.is_published
    return case


def _page(user, case: Case) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_public_case_page_shows_masked_text_only(world: World, published: Case):
    html = _page(None, published)
    for secret in SECRETS:
        assert secret not in html
    assert "**反映车辆被刮" in html
    assert "430***********1234" in html
    assert "138****5678" in html
    assert "湘A***45" in html
    # What is not personal stays readable.
    assert "2026-11-20" in html
    assert "261122ABCD23" in html
    assert "12345" in html
    assert "*先生您好" in html


def test_other_department_and_other_citizen_see_the_masked_page(world: World, published: Case):
    for viewer in (world.housing_liaison, world.other_citizen):
        html = _page(viewer, published)
        assert "13812345678" not in html
        assert "王五" not in html


def test_handlers_and_the_citizen_see_the_original(world: World, published: Case):
    for viewer in (world.liaison, world.dispatcher, world.citizen):
        html = _page(viewer, published)
        assert "430102199003071234" in html
        assert "王先生您好" in html


def test_home_list_and_search_are_masked(world: World, published: Case):
    html = Client().get("/").content.decode()
    assert "**反映车辆被刮" in html
    assert "王五" not in html
    # The masked name cannot be searched for (that would reveal who wrote).
    assert published.tracking_no not in Client().get("/?q=王五").content.decode()
    assert published.tracking_no in Client().get("/?q=车辆").content.decode()


def test_rest_api_masks_for_the_public_and_not_for_handlers(world: World, published: Case):
    api = APIClient()
    listed = api.get("/api/cases/").json()
    row = next(r for r in listed["results"] if r["tracking_no"] == published.tracking_no)
    assert row["subject"] == "**反映车辆被刮"
    assert row["contact"] is None

    detail = api.get(f"/api/cases/{published.tracking_no}/").json()
    flat = str(detail)
    for secret in SECRETS:
        assert secret not in flat
    assert detail["contact"] is None
    assert detail["address"] is None
    assert detail["replies"][0]["body"].startswith("*先生您好")

    api.force_authenticate(world.liaison)
    original = api.get(f"/api/cases/{published.tracking_no}/").json()
    assert original["body"] == BODY
    assert original["contact"] == {"name": "王五", "phone": "13812345678"}


def test_a_per_case_rule_applies_to_page_api_and_search(world: World, published: Case):
    assert published.tracking_no in Client().get("/?q=幸福小区").content.decode()
    masking_rule_add(actor=world.dispatcher, value="幸福小区", case_id=published.pk)
    html = _page(None, published)
    assert "幸福小区" not in html
    assert "住****3栋" in html
    assert "幸福小区" not in str(APIClient().get(f"/api/cases/{published.tracking_no}/").json())
    assert published.tracking_no not in Client().get("/?q=幸福小区").content.decode()
    assert "幸福小区" in _page(world.liaison, published)
