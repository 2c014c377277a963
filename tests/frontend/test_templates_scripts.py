"""The pages' Content-Security-Policy allows scripts only from our own files
(`script-src 'self'`): no template may hold an inline script or an event-handler attribute, or
it would silently stop working."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_there_are_templates_to_check() -> None:
    assert len(templates()) > 20


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_inline_script_in_a_template(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.findall(text)
    assert not HANDLER.findall(text)
    assert not JS_URL.findall(text)


def test_the_checks_catch_what_they_look_for() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/frontend/site.js" defer></script>')
    assert HANDLER.search('<img src="x" onerror="alert(1)">')
    assert not HANDLER.search('<button name="confirm" class="one">')
    assert JS_URL.search('<a href="javascript:go()">')
