"""Open government pages for everyone: public statistics (/statistics/), open data
(/open-data/ and its downloads), the navigation link, and the published list's cost."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interaction.opendata import export
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import reach

from .conftest import assert_no_external_assets, page, replied, text


@pytest.fixture(autouse=True)
def open_data(settings, tmp_path: Path) -> Path:
    settings.WENZHENG_OPEN_DATA_DIR = str(tmp_path / "open-data")
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    cache.clear()
    return tmp_path / "open-data"


def test_everyone_sees_the_links_in_the_navigation(client, world: World):
    for user in (None, world.citizen, world.liaison, world.leader):
        body = text(page(client, user, "/"))
        assert 'href="/statistics/"' in body
        assert 'href="/open-data/"' in body
        assert "公开统计" in body
        assert "开放数据" in body


def test_statistics_page_shows_ranked_departments_and_districts(client, world: World, settings):
    settings.WENZHENG_RANKING_MIN_CASES = 2
    for _ in range(2):
        reach(world, Status.CLOSED, district_id=world.east.pk)
    reach(world, Status.HANDLING, subject="还在办理", contact_phone="13900139000")
    today = timezone.localdate().isoformat()
    response = page(client, None, f"/statistics/?period=month&date={today}")
    assert response.status_code == 200
    body = text(response)
    assert_no_external_assets(response)
    assert '<meta name="viewport"' in body
    assert 'class="table-wrap od-table"' in body  # scrolls sideways on a phone
    assert "市城管局" in body
    assert "东城区" in body
    assert "全市" in body
    assert "只有本时段受理不少于 2 件的单位和地区参与排名" in body
    assert "本时段受理 0 件，至少 2 件方可参与排名。" in body  # the housing department
    assert "综合得分" in body
    assert "该时段尚未结束" in body
    # Only aggregates: no case, no subject, no person.
    assert "还在办理" not in body
    assert "13900139000" not in body
    assert "/cases/" not in body
    # Sortable: every figure is a link that keeps the period.
    assert (
        f"?period=month&amp;date={timezone.localdate().replace(day=1)}&amp;sort=reply_rate" in body
    )
    ranked = text(
        page(client, None, f"/statistics/?period=month&date={today}&sort=avg_working_days")
    )
    assert 'aria-sort="ascending"' in ranked


def test_statistics_page_keeps_working_with_a_bad_period(client, world: World):
    body = text(page(client, None, "/statistics/?period=decade&date=x"))
    assert "请选择月、季度或年。" in body
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    assert f"{last_month.year}年{last_month.month:02d}月" in body


def test_statistics_page_periods_and_navigation(client, world: World):
    body = text(page(client, None, "/statistics/?period=quarter&date=2025-05-01"))
    assert "2025年第2季度" in body
    assert "?period=quarter&amp;date=2025-01-01" in body  # previous
    assert "?period=quarter&amp;date=2025-07-01" in body  # next
    assert "该时段尚未结束" not in body
    year = text(page(client, None, "/statistics/?period=year&date=2025"))
    assert 'data-testid="period-label">2025<' in year


def test_open_data_page_lists_files_and_documents_every_field(client, world: World, open_data):
    empty = text(page(client, None, "/open-data/"))
    assert "尚未发布任何文件。" in empty
    replied(world, contact_name="王五", body="我是王五，电话13812345678，路灯坏了。")
    export.export_day(timezone.localdate())
    response = page(client, None, "/open-data/")
    body = text(response)
    day = timezone.localdate().isoformat()
    assert f'href="/open-data/files/published-cases-{day}.csv"' in body
    assert f'href="/open-data/files/statistics-{day}.json"' in body
    assert "1 条记录" in body
    for name in ("tracking_no", "subject", "reply", "timeline", "reply_rate", "period_start"):
        assert f">{name}<" in body
    assert "身份证号、电话号码" in body  # what masking hides
    assert_no_external_assets(response)


def test_files_are_downloaded_as_attachments(client, world: World, open_data):
    replied(world)
    export.export_day(timezone.localdate())
    day = timezone.localdate().isoformat()
    response = page(client, None, f"/open-data/files/published-cases-{day}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="published-cases-{day}.csv"')
    assert response["X-Content-Type-Options"] == "nosniff"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbftracking_no,url,")
    index = page(client, None, "/open-data/files/index.json")
    assert index.status_code == 200
    assert index["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    "name",
    [
        "../settings.py",
        "..%2F..%2Fbackend%2Fsettings%2Fbase.py",
        "..",
        "%2e%2e",
        ".lock",
        "secret.txt",
        "published-cases-2026-01-01.csv.part",
        "published-cases-2026-01-01.csv%00",
        "..%5Cpublished-cases-2026-01-01.csv",
        "%2Fetc%2Fpasswd",
        "published-cases-2026-01-01.txt",
    ],
)
def test_names_outside_the_open_data_files_are_refused(client, world: World, open_data, name):
    open_data.mkdir(parents=True)
    (open_data / "secret.txt").write_text("not for the public")
    (open_data / ".lock").write_text("")
    (open_data / "published-cases-2026-01-01.csv.part").write_text("half")
    response = client.get(f"/open-data/files/{name}")
    assert response.status_code == 404
    assert b"not for the public" not in response.content


def test_a_link_in_the_directory_pointing_elsewhere_is_refused(client, world: World, open_data):
    open_data.mkdir(parents=True)
    outside = open_data.parent / "private.csv"
    outside.write_text("tracking_no\nsecret\n")
    os.symlink(outside, open_data / "published-cases-2026-01-01.csv")
    assert client.get("/open-data/files/published-cases-2026-01-01.csv").status_code == 404
    assert client.get("/open-data/files/published-cases-2026-01-02.csv").status_code == 404


def test_published_list_takes_a_bounded_number_of_queries(client, world: World):
    """Rows come from the search rows only (masked subjects stored there, names from the
    reference cache): the number of queries does not grow with the rows, the page or the
    filters."""
    urls = [
        "/",
        "/?page=2",
        f"/?department={world.city_roads.pk}",
        f"/?category={world.roads.pk}&district={world.east.pk}",
        "/?q=路灯",
        "/?q=路灯&page=2",
    ]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    for i in range(45):
        replied(world, subject=f"路灯不亮第{i}处", contact_phone=f"1390000{i:04d}")
    few = queries()
    for i in range(45, 65):
        replied(world, subject=f"路灯不亮第{i}处", contact_phone=f"1390000{i:04d}")
    assert queries() == few
    # The reference data (categories, departments, districts: cached for WENZHENG_REFDATA_TTL
    # in production, read every time in tests), the rows, the count; on PostgreSQL also the
    # page's time limit (a savepoint, set_config, its release), and a word search may read the
    # word statistics and try its windows. A visitor has no session.
    assert max(few) <= (14 if connection.vendor == "postgresql" else 7), few
    first = text(client.get("/"))
    assert "共 65 条公开来信" in first
    assert "第 1 页，共 4 页" in first
    last = text(client.get("/?page=4"))
    assert last.count('class="case-card"') == 5


def test_deep_pages_beyond_the_limit_show_the_last_one_with_a_note(client, world: World):
    for i in range(3):
        replied(world, subject=f"来信{i}", contact_phone=f"1390000{i:04d}")
    body = text(client.get("/?page=100000"))
    assert "最多只能显示前 10000 条结果" in body
    assert body.count('class="case-card"') == 3


def test_the_list_is_shared_from_the_cache_until_a_search_row_changes(
    client, world: World, settings, django_capture_on_commit_callbacks
):
    settings.WENZHENG_PUBLIC_LIST_CACHE_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=True):
        replied(world, subject="花园路路灯不亮")
    assert "花园路路灯不亮" in text(client.get("/"))
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/")
    assert "花园路路灯不亮" in text(again)
    assert not [q for q in ctx.captured_queries if "publishedcasetext" in q["sql"]]
    # A new publication shows at once.
    with django_capture_on_commit_callbacks(execute=True):
        replied(world, subject="夜间施工噪音扰民", contact_phone="13900139001")
    assert "夜间施工噪音扰民" in text(client.get("/"))
    # So does a new masking rule: the cached page with the word is never served again.
    from interaction.privacy.services import masking_rule_add

    with django_capture_on_commit_callbacks(execute=True):
        masking_rule_add(actor=world.dispatcher, value="花园路")
    body = text(client.get("/"))
    assert "花园路路灯不亮" not in body
    assert "***路灯不亮" in body
    # Each query string is its own page.
    assert "夜间施工噪音扰民" not in text(client.get("/?q=路灯"))
