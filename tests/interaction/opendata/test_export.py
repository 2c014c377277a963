"""`manage.py export_open_data`: a day's published cases (masked exactly as on the public pages)
and the month's statistics, as CSV (UTF-8 with BOM) and JSON; idempotent; streamed in chunks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from interaction.insights.periods import Period
from interaction.models import Case
from interaction.opendata import export, store
from interaction.opendata.fields import CASE_FIELDS, STATISTICS_FIELDS, csv_columns
from interaction.opendata.statistics import PublicPeriod, public_statistics
from interaction.privacy.masking import id_check_digit
from interaction.privacy.services import masking_rule_add
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import reach

ID_NUMBER = "43010219900101123" + id_check_digit("43010219900101123")
SECRET_BODY = f"我是王五，电话13812345678，身份证{ID_NUMBER}，花园路路灯坏了一周。"


def today() -> dt.date:
    return timezone.localdate()


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese text as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def published(world: World) -> Case:
    return reach(world, Status.REPLIED, contact_name="王五", body=SECRET_BODY)


def test_files_of_a_day_hold_the_documented_fields(world: World, published: Case, open_data_dir):
    entries = export.export_day(today())
    names = {e.name for e in entries}
    day = today().isoformat()
    assert names == {
        f"published-cases-{day}.csv",
        f"published-cases-{day}.json",
        f"statistics-{day}.csv",
        f"statistics-{day}.json",
    }
    rows = read_csv(open_data_dir / f"published-cases-{day}.csv")
    assert list(rows[0]) == csv_columns(CASE_FIELDS)
    data = read_json(open_data_dir / f"published-cases-{day}.json")
    assert data["date"] == day
    assert data["count"] == 1
    record = data["records"][0]
    assert list(record) == [f.name for f in CASE_FIELDS]
    assert record["tracking_no"] == published.tracking_no
    assert record["url"] == f"/cases/{published.tracking_no}/"
    assert record["category"] == "城乡建设 / 道路维修"
    assert record["department"] == "市城管局"
    assert record["kind_label"] == "投诉"
    assert record["status"] == "replied"
    assert record["replied_at"].endswith("+08:00")
    assert [step["action"] for step in record["timeline"]][:2] == ["submitted", "dispatch"]
    assert all(set(step) == {"at", "action", "label", "department"} for step in record["timeline"])
    stats = read_csv(open_data_dir / f"statistics-{day}.csv")
    assert list(stats[0]) == csv_columns(STATISTICS_FIELDS)


def test_text_is_masked_as_on_the_public_page_and_nothing_private_leaves(
    world: World, published: Case, open_data_dir
):
    masking_rule_add(actor=world.dispatcher, value="花园路", case_id=published.pk)
    export.export_day(today())
    day = today().isoformat()
    everything = "".join(p.read_text(encoding="utf-8-sig") for p in open_data_dir.glob(f"*{day}*"))
    record = read_json(open_data_dir / f"published-cases-{day}.json")["records"][0]
    assert "138****5678" in record["body"]
    assert f"430***********{ID_NUMBER[-4:]}" in record["body"]
    assert "***路灯" in record["body"]  # the staff's rule for this case
    assert "王五" not in everything
    assert "13812345678" not in everything
    assert ID_NUMBER not in everything
    assert published.contact_phone not in everything
    assert published.access_token not in everything
    assert "routing_note" not in everything
    from interaction.privacy.selectors import masked_case_text

    shown = masked_case_text(Case.objects.get(pk=published.pk))
    assert record["subject"] == shown.subject
    assert record["body"] == shown.body
    assert record["reply"] == shown.reply


def test_unpublished_and_unanswered_cases_are_never_exported(world: World, open_data_dir):
    shown = reach(world, Status.REPLIED, subject="公开的来信")
    private = reach(world, Status.REPLIED, subject="不公开的来信", allow_publish=False)
    waiting = reach(world, Status.HANDLING, subject="还在办理的来信")
    export.export_day(today())
    day = today().isoformat()
    numbers = {r["tracking_no"] for r in read_csv(open_data_dir / f"published-cases-{day}.csv")}
    assert numbers == {shown.tracking_no}
    text = (open_data_dir / f"published-cases-{day}.json").read_text(encoding="utf-8")
    for case in (private, waiting):
        assert case.tracking_no not in text
        assert case.subject not in text


def test_cases_published_on_another_day_belong_to_that_day(world: World, open_data_dir):
    case = reach(world, Status.REPLIED)
    yesterday = today() - dt.timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(replied_at=timezone.now() - dt.timedelta(days=1))
    export.export_day(today())
    export.export_day(yesterday)
    assert read_json(open_data_dir / f"published-cases-{today()}.json")["count"] == 0
    old = read_json(open_data_dir / f"published-cases-{yesterday}.json")
    assert [r["tracking_no"] for r in old["records"]] == [case.tracking_no]


def test_running_twice_gives_the_same_files_once(world: World, published: Case, open_data_dir):
    export.export_day(today())
    day = today().isoformat()
    first = (open_data_dir / f"published-cases-{day}.csv").read_bytes()
    first_json = (open_data_dir / f"published-cases-{day}.json").read_bytes()
    export.export_day(today())
    assert (open_data_dir / f"published-cases-{day}.csv").read_bytes() == first
    assert (open_data_dir / f"published-cases-{day}.json").read_bytes() == first_json
    index = store.read_index()
    assert sorted(e.name for e in index) == sorted({e.name for e in index})  # each file once
    assert len(index) == 4
    assert not list(open_data_dir.glob(".*.part"))  # no temporary file left behind
    entry = next(e for e in index if e.name == f"published-cases-{day}.csv")
    assert entry.rows == 1
    assert entry.bytes == len(first)
    assert entry.sha256 == store.sha256_of(open_data_dir / entry.name)


def test_large_days_are_read_in_chunks_in_publication_order(
    world: World, open_data_dir, monkeypatch, django_assert_max_num_queries
):
    cases = [reach(world, Status.REPLIED, subject=f"第{i}件来信") for i in range(5)]
    base = timezone.now() - dt.timedelta(minutes=30)
    for i, case in enumerate(reversed(cases)):  # publication order = reverse creation order
        Case.objects.filter(pk=case.pk).update(replied_at=base + dt.timedelta(minutes=i))
    monkeypatch.setattr(export, "CHUNK", 2)
    chunks = list(export._chunks(today()))
    assert [len(c) for c in chunks] == [2, 2, 1]
    # Per chunk: the rows, two prefetches (replies, events), the masking rules, the citizens'
    # names; and the query that finds no more rows.
    with django_assert_max_num_queries(5 * 3 + 1):
        records = list(export.case_records(today()))
    assert [r["tracking_no"] for r in records] == [c.tracking_no for c in reversed(cases)]


def test_statistics_files_are_the_public_figures_of_the_month(
    world: World, published: Case, open_data_dir, settings
):
    settings.WENZHENG_RANKING_MIN_CASES = 1
    export.export_day(today())
    day = today()
    data = read_json(open_data_dir / f"statistics-{day}.json")
    assert data["period_start"] == day.replace(day=1).isoformat()
    assert data["period_end"] == day.isoformat()
    rows = data["records"]
    assert rows[0]["unit_type"] == "total"
    expected = public_statistics(period=PublicPeriod("month", Period(day.replace(day=1), day)))
    departments = [r for r in rows if r["unit_type"] == "department"]
    assert [r["unit_id"] for r in departments] == [u.key for u in expected.departments]
    roads = next(r for r in departments if r["unit_id"] == world.city_roads.pk)
    assert roads["received"] == 1
    assert roads["replied"] == 1
    assert roads["reply_rate"] == 1.0
    assert roads["rank"] == 1
    assert [r["unit_type"] for r in rows].count("district") == len(expected.districts)
    csv_rows = read_csv(open_data_dir / f"statistics-{day}.csv")
    assert csv_rows[0]["unit_id"] == ""  # the total
    assert csv_rows[0]["unit"] == "全部单位"


def test_command_writes_yesterday_by_default_and_several_days(world: World, open_data_dir, capsys):
    call_command("export_open_data")
    yesterday = today() - dt.timedelta(days=1)
    assert (open_data_dir / f"published-cases-{yesterday}.csv").is_file()
    call_command("export_open_data", date=today().isoformat(), days=3)
    out = capsys.readouterr().out
    assert f"published-cases-{today()}.csv：0 条记录" in out
    assert len({e.date for e in store.read_index()}) == 3
    with pytest.raises(CommandError, match="日期格式为 YYYY-MM-DD。"):
        call_command("export_open_data", date="yesterday")
    with pytest.raises(CommandError, match="这一天还没有到。"):
        call_command("export_open_data", date=(today() + dt.timedelta(days=2)).isoformat())


def test_a_failed_export_leaves_the_previous_files(
    world: World, published: Case, open_data_dir, monkeypatch
):
    export.export_day(today())
    day = today().isoformat()
    before = (open_data_dir / f"published-cases-{day}.csv").read_bytes()

    def broken(_day):
        raise RuntimeError("database went away")
        yield  # a generator, like the real one

    monkeypatch.setattr(export, "case_records", broken)
    with pytest.raises(RuntimeError):
        export.export_day(today())
    assert (open_data_dir / f"published-cases-{day}.csv").read_bytes() == before
    assert not list(open_data_dir.glob(".*.part"))
