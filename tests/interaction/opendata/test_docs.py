"""docs/open-data.md documents every field of the open-data files, and the page lists them."""

from __future__ import annotations

from pathlib import Path

from interaction.opendata.fields import CASE_FIELDS, INDEX_FIELDS, STATISTICS_FIELDS

DOC = Path(__file__).resolve().parents[3] / "docs" / "open-data.md"


def test_every_field_is_documented_with_its_type():
    text = DOC.read_text(encoding="utf-8")
    for fields in (CASE_FIELDS, STATISTICS_FIELDS, INDEX_FIELDS):
        for field in fields:
            assert f"| `{field.name}` | {field.type}" in text, field.name


def test_masked_fields_are_said_to_be_masked():
    text = DOC.read_text(encoding="utf-8")
    for field in CASE_FIELDS:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{field.name}` |"))
        assert row.rstrip(" |").endswith("masked") == bool(field.masking), field.name


def test_the_cron_line_is_given():
    assert "manage.py export_open_data" in DOC.read_text(encoding="utf-8")
