"""Public search of published cases: Chinese words (jieba tokens), filters, nothing unpublished."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import Role
from interaction.models import Case
from interaction.privacy.models import PublishedCaseText
from interaction.privacy.selectors import PublicFilters, build_search_text, search_published
from interaction.privacy.services import reindex_published
from interaction.services import dispatch, handling, review
from tests.factories import World, make_user, submit
from tests.interaction.scenarios import REPLY_TEXT


def publish(world: World, *, department=None, category=None, **fields) -> Case:
    """A case taken through the real services to published."""
    department = department or world.city_roads
    liaison, head = world.liaison, world.head
    if department == world.housing_dept:
        liaison, head = world.housing_liaison, make_user(Role.HEAD, department=department)
    case = submit(world.citizen, contact_phone=f"139{Case.objects.count():08d}", **fields)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=department.pk,
        category_id=(category or world.road_repair).pk,
    )
    handling.case_sign(case_id=case.pk, actor=liaison)
    handling.case_start(case_id=case.pk, actor=liaison)
    handling.case_draft_reply(case_id=case.pk, actor=liaison, body=REPLY_TEXT)
    review.case_approve_reply(case_id=case.pk, actor=head)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    case.refresh_from_db()
    return case


@pytest.fixture
def cases(world: World) -> dict[str, Case]:
    return {
        "lamp": publish(
            world,
            subject="花园路路灯不亮",
            body="花园路路灯晚上不亮，行人很不方便。",
            district_id=world.east.pk,
        ),
        "noise": publish(
            world,
            subject="夜间施工噪音扰民",
            body="工地夜间施工，噪音很大，影响休息。",
            district_id=world.west.pk,
        ),
        "rent": publish(
            world,
            subject="公租房申请进度",
            body="去年提交的公租房申请一直没有结果。",
            department=world.housing_dept,
            category=world.housing,
        ),
    }


def ids(qs) -> set[str]:
    return set(qs.values_list("tracking_no", flat=True))


def test_search_finds_chinese_words_even_when_jieba_cuts_the_text_differently(cases):
    # jieba cuts 花园路路灯不亮 as 花园路/路/灯不亮; the query 路灯 is one token.
    assert ids(search_published("路灯")) == {cases["lamp"].tracking_no}
    assert ids(search_published("施工 噪音")) == {cases["noise"].tracking_no}
    assert ids(search_published("公租房")) == {cases["rent"].tracking_no}
    assert ids(search_published("路灯 噪音")) == set()  # every word must match
    assert ids(search_published("地铁")) == set()


def test_search_text_is_built_from_masked_text_only(world: World, cases):
    text = build_search_text("张先生电话13812345678反映路灯")
    assert "13812345678" not in text
    assert "路灯" in text
    row = PublishedCaseText.objects.get(case=cases["lamp"])
    assert " 路灯 " in row.search_text


def test_filters_by_category_department_district_and_date(world: World, cases):
    assert ids(search_published("", PublicFilters(category_id=world.housing.pk))) == {
        cases["rent"].tracking_no
    }
    # A top-level category includes its children.
    assert ids(search_published("", PublicFilters(category_id=world.roads.pk))) == {
        cases["lamp"].tracking_no,
        cases["noise"].tracking_no,
    }
    assert ids(search_published("", PublicFilters(department_id=world.housing_dept.pk))) == {
        cases["rent"].tracking_no
    }
    assert ids(search_published("", PublicFilters(district_id=world.west.pk))) == {
        cases["noise"].tracking_no
    }
    today = timezone.localdate()
    assert len(ids(search_published("", PublicFilters(date_from=today, date_to=today)))) == 3
    tomorrow = today + dt.timedelta(days=1)
    assert ids(search_published("", PublicFilters(date_from=tomorrow))) == set()


def test_unpublished_cases_are_never_found(world: World, cases):
    hidden = submit(world.citizen, subject="路灯不亮", contact_phone="13700137000")
    assert hidden.tracking_no not in ids(search_published("路灯"))
    reindex_published()
    assert not PublishedCaseText.objects.filter(case=hidden).exists()


def test_home_page_search_and_filters(world: World, cases):
    client = Client()
    html = client.get("/", {"q": "路灯"}).content.decode()
    assert cases["lamp"].tracking_no in html
    assert cases["noise"].tracking_no not in html
    html = client.get("/", {"department": world.housing_dept.pk}).content.decode()
    assert cases["rent"].tracking_no in html
    assert cases["lamp"].tracking_no not in html
    html = client.get("/", {"q": "地铁"}).content.decode()
    assert cases["lamp"].tracking_no not in html
    assert 'data-testid="public-search"' in html


@pytest.mark.postgres
def test_postgres_full_text_search_uses_the_tokenised_column(cases):
    from django.db import connection

    sql = str(search_published("路灯").query)
    assert "to_tsvector" in sql
    assert "to_tsquery" in sql
    assert connection.vendor == "postgresql"
    assert ids(search_published("路灯")) == {cases["lamp"].tracking_no}
