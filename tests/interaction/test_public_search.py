"""Public search of published cases: Chinese words (jieba tokens), filters, nothing unpublished."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import Role
from interaction.models import Case
from interaction.privacy.models import PublishedCaseText
from interaction.privacy.selectors import (
    PublicFilters,
    build_search_text,
    query_groups,
    query_words,
    search_published,
)
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


def test_characters_jieba_leaves_alone_side_by_side_are_searched_as_one_word(world: World, cases):
    """jieba cuts 排得 (not in its dictionary) into 排 / 得: as two one-character prefixes they
    would match nearly every text; side by side they are the bigram the index holds."""
    near = publish(world, subject="排得很长的队伍", body="窗口前排得很长，等了两个小时。")
    apart = publish(world, subject="排队时间长", body="排队两小时才得到答复。")
    assert query_words("排得") == ["排得"]
    assert query_words("市民 排得 路灯坏了") == ["市民", "排得", "路灯", "坏了"]
    assert query_groups("市民 排得") == [[("市民", False)], [("排得", False)]]
    # Not side by side (a comma, a space between them): each stays a prefix of its own.
    assert query_groups("排，得") == [[("排", True)], [("得", True)]]
    assert query_groups("排 得") == [[("排", True)], [("得", True)]]
    assert ids(search_published("排得")) == {near.tracking_no}
    assert apart.tracking_no in ids(search_published("排 得"))


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
def test_postgres_full_text_search_uses_the_stored_vector_alone(cases):
    from django.db import connection

    sql = str(search_published("路灯").query)
    assert '"search_vector" @@ to_tsquery' in sql
    assert "interaction_case" not in sql  # the search row alone: no join with the cases
    assert connection.vendor == "postgresql"
    assert ids(search_published("路灯")) == {cases["lamp"].tracking_no}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM interaction_publishedcasetext WHERE case_id = %s",
            [cases["lamp"].pk],
        )
        vector = cursor.fetchone()[0]
    assert "'路灯'" in vector
    assert ":" not in vector  # positions stripped: only matching is needed


@pytest.mark.postgres
def test_postgres_word_search_looks_at_recent_months_first(world: World, cases):
    """A page of a word search is taken from the last month when it holds enough matches, else
    the last year, else everything: the same pages either way."""
    from interaction.privacy.listing import PER_PAGE, public_page

    old = timezone.now() - dt.timedelta(days=400)
    PublishedCaseText.objects.filter(case=cases["noise"]).update(replied_at=old)
    page = public_page("噪音", None, 1)  # only in the case published 400 days ago
    assert [r.tracking_no for r in page.rows] == [cases["noise"].tracking_no]
    assert page.count == 1
    assert page.count_exact
    # All three replies say 施工: the old one comes last, after the recent ones.
    page = public_page("施工", None, 1)
    assert [r.tracking_no for r in page.rows][-1] == cases["noise"].tracking_no
    assert len(page.rows) == 3 < PER_PAGE


def test_a_published_case_sent_to_another_department_moves_in_the_public_list(world: World):
    """Redone after an unsatisfied evaluation, returned, and dispatched elsewhere: the public
    list files it under the department that now answers for it."""
    from tests.interaction.scenarios import do_redo, do_return

    case = publish(world)
    do_redo(world, case)
    do_return(world, case)
    dispatch.case_accept_return(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.housing_dept.pk,
        category_id=world.housing.pk,
    )
    row = PublishedCaseText.objects.get(case=case)
    assert row.department_id == world.housing_dept.pk
    assert row.category_id == world.housing.pk
    assert ids(search_published("", PublicFilters(department_id=world.housing_dept.pk))) == {
        case.tracking_no
    }
    assert ids(search_published("", PublicFilters(department_id=world.city_roads.pk))) == set()


def test_search_rows_carry_the_masked_subject_and_the_public_attributes(world: World):
    case = publish(
        world,
        subject="张先生13812345678反映路灯",
        contact_name="张三",
        district_id=world.east.pk,
    )
    row = PublishedCaseText.objects.get(case=case)
    assert row.subject == "*先生138****5678反映路灯"
    assert row.tracking_no == case.tracking_no
    assert row.replied_at == case.replied_at
    assert row.category_id == world.road_repair.pk
    assert row.top_category_id == world.roads.pk
    assert row.department_id == world.city_roads.pk
    assert row.district_id == world.east.pk


@pytest.mark.postgres
def test_postgres_common_words_are_walked_newest_first_with_the_same_results(
    world: World, cases, monkeypatch
):
    """Checked row by row (`by_index=False`) or through the GIN index, a search finds the same
    cases; a word PostgreSQL's statistics call common takes the row-by-row path."""
    from django.db import connection

    from interaction.privacy import listing

    for query in ("路灯", "施工 噪音", "公租房", "地铁"):
        assert ids(search_published(query, by_index=False)) == ids(search_published(query))
    sql = str(search_published("路灯", by_index=False).query)
    assert "ts_match_vq" in sql
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE interaction_publishedcasetext")
    listing._stats = None
    share = listing.word_share("施工")  # in every reply
    assert share is not None
    assert share > listing.COMMON_SHARE
    assert listing.word_share("施工 路灯") < share
    assert listing.word_share("a") is None  # a prefix term: unknown
    page = listing.public_page("施工", None, 1)
    assert {r.tracking_no for r in page.rows} == {c.tracking_no for c in cases.values()}
    listing._stats = None


@pytest.mark.postgres
def test_postgres_a_search_over_its_time_gets_a_page_that_says_so(world: World, cases, settings):
    """The queries of one page share WENZHENG_PUBLIC_LIST_TIMEOUT_MS; past it the visitor is
    told to narrow the search, and the worker is free again."""
    from django.db import connection
    from django.test import Client

    from interaction.privacy import listing

    settings.WENZHENG_PUBLIC_LIST_TIMEOUT_MS = 1
    original = listing._public_page

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")
        return original(*args, **kwargs)

    listing._public_page = slow
    try:
        page = listing.public_page("路灯", None, 1)
        html = Client().get("/", {"q": "路灯"}).content.decode()
    finally:
        listing._public_page = original
    assert page.timed_out
    assert page.rows == []
    assert "这个搜索范围太大，无法很快给出结果" in html
    with connection.cursor() as cursor:  # the limit does not outlive the page
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # SET LOCAL lasts until the real transaction ends
def test_postgres_a_page_gets_more_memory_for_its_bitmaps_and_no_longer(
    world: World, cases, monkeypatch
):
    """A common word's matches and a filter's rows meet in bitmaps: with PostgreSQL's default
    4 MB they turn lossy on a large table, so the page's queries get `WORK_MEM`."""
    from django.db import connection

    from interaction.privacy import listing

    seen: list[str] = []
    original = listing._public_page

    def spy(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            seen.append(cursor.fetchone()[0])
        return original(*args, **kwargs)

    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        before = cursor.fetchone()[0]
    monkeypatch.setattr(listing, "_public_page", spy)
    page = listing.public_page("路灯", None, 1)
    assert [r.tracking_no for r in page.rows] == [cases["lamp"].tracking_no]
    assert seen == [listing.WORK_MEM] != [before]
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == before


@pytest.mark.postgres
@pytest.mark.parametrize(
    "path",
    [
        "walk",
        "walk-bounded-then-collect",
        "collect-over-cap-then-windows",
        "few-collected",
        "windows-counted",
    ],
)
def test_postgres_every_way_to_a_page_gives_the_same_page(
    world: World, cases, monkeypatch, settings, path: str
):
    """Whichever way `public_page` takes to the rows (walking the newest rows, collecting the
    matches through the index and letting PostgreSQL sort them, or the time windows), a page
    holds the same rows in the same order as the plain ordered query, and the count agrees."""
    from django.db import connection

    from interaction.privacy import listing

    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    for n in range(23):
        publish(world, subject=f"第{n}号路段施工围挡", district_id=world.east.pk)
    for n in range(2):  # the newest two rows do not match 围挡
        publish(world, subject=f"第{n}号路段夜间噪音", district_id=world.east.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE interaction_publishedcasetext")
    monkeypatch.setattr(listing, "_stats", None)
    settings_for_path = {
        "walk": {"COMMON_SHARE": 0.0, "WALK_ROWS": 10_000},
        # The newest 22 rows hold 20 matches: the walk stops there, short of a page.
        "walk-bounded-then-collect": {"COMMON_SHARE": 0.0, "WALK_ROWS": 22},
        "collect-over-cap-then-windows": {"COMMON_SHARE": 0.0, "WALK_ROWS": 1, "RARE_CAP": 5},
        "few-collected": {"COMMON_SHARE": 2.0},
        "windows-counted": {"COMMON_SHARE": 2.0, "RARE_CAP": 5},
    }[path]
    for name, value in settings_for_path.items():
        monkeypatch.setattr(listing, name, value)
    if path == "walk-bounded-then-collect":  # every word believed in every row: the walk is tried
        monkeypatch.setattr(listing, "word_shares", lambda query: [1.0] * len(query.split()))
    calls: list[str] = []
    for name in ("_walk", "_collect", "_keys"):
        original = getattr(listing, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(listing, name, spy)
    first_page_calls = {
        "walk": ["_walk"],  # 21 rows among the newest
        "walk-bounded-then-collect": ["_walk", "_collect"],
        "collect-over-cap-then-windows": ["_collect", "_keys"],
        "few-collected": ["_collect"],
        "windows-counted": ["_keys"],
    }[path]
    filters = PublicFilters(department_id=world.city_roads.pk)
    for query, flt in (("围挡", None), ("围挡", filters), ("围挡 施工", None)):
        truth = list(search_published(query, flt).values_list("tracking_no", flat=True))
        assert len(truth) > listing.PER_PAGE
        calls.clear()
        first = listing.public_page(query, flt, 1)
        assert calls == first_page_calls, (query, flt, calls)
        second = listing.public_page(query, flt, 2)
        assert [r.tracking_no for r in first.rows] == truth[: listing.PER_PAGE]
        assert [r.tracking_no for r in second.rows] == truth[listing.PER_PAGE :]
        assert first.has_next
        assert not second.has_next
        assert second.count == len(truth)
        assert second.count_exact
        assert first.count <= len(truth) or not first.count_exact
        if path in ("windows-counted", "few-collected"):  # counted: exact under the cap
            assert (first.count, first.count_exact) == (len(truth), True)


def test_filter_options_mark_the_chosen_one_and_escape_names():
    from interaction.privacy.listing import Reference

    ref = Reference(
        categories={},
        top_categories=frozenset(),
        departments={1: "A", 12: "<b>B&C</b>", 2: "D"},
        districts={},
        department_choices=[(1, "A"), (12, "<b>B&C</b>"), (2, "D")],
    )
    plain = '<option value="1">A</option><option value="12">&lt;b&gt;B&amp;C&lt;/b&gt;</option>'
    assert ref.options("department", None) == plain + '<option value="2">D</option>'
    chosen = ref.options("department", 1)
    assert chosen.count(" selected") == 1
    assert '<option value="1" selected>A</option>' in chosen
    assert '<option value="12">' in chosen  # 12 starts with 1: not marked
    assert ref.options("department", 2).endswith('<option value="2" selected>D</option>')
    assert ref.options("department", 99) == ref.options("department", None)
    assert ref.options("district", None) == ""
