"""The UI speaks Simplified Chinese by default: the zh_Hans catalogue is complete and compiled, key
pages render Chinese without any language choice, and English stays available on request."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from interaction.states import Action, Status
from tests.factories import World

CHECKER = Path(settings.BASE_DIR) / "locale" / "check_catalogue.py"


def load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_catalogue", CHECKER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


# --- the catalogue ------------------------------------------------------------------------------


def test_every_catalogue_entry_is_translated_and_not_fuzzy() -> None:
    checker = load_checker()
    entries = checker.parse_po(checker.PO_PATH)
    assert len([e for e in entries if e.msgid and not e.obsolete]) > 600
    assert checker.check_entries(entries) == []


def test_compiled_catalogue_matches_the_po() -> None:
    checker = load_checker()
    assert checker.check_compiled(checker.parse_po(checker.PO_PATH)) == []


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge")),
    reason="needs GNU gettext",
)
def test_every_string_of_the_code_is_in_the_catalogue() -> None:
    """A new gettext string must be extracted (makemessages) and translated before it lands."""
    assert load_checker().missing_from_code() == []


def test_checker_reports_untranslated_fuzzy_and_broken_placeholders(tmp_path: Path) -> None:
    checker = load_checker()
    po = tmp_path / "django.po"
    po.write_text(
        "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Language: zh_Hans\\n"',
                '"Content-Type: text/plain; charset=UTF-8\\n"',
                '"Plural-Forms: nplurals=1; plural=0;\\n"',
                "",
                'msgid "Untouched"',
                'msgstr ""',
                "",
                "#, fuzzy",
                'msgid "Guessed"',
                'msgstr "猜的"',
                "",
                "#, python-format",
                'msgid "Case %(no)s"',
                'msgstr "工单 %(n)s"',
                "",
                "#, python-format",
                'msgid "%(n)d vote"',
                'msgid_plural "%(n)d votes"',
                'msgstr[0] "%(n)d 票"',
                "",
                '#~ msgid "Gone"',
                '#~ msgstr ""',
                "",
            ]
        ),
        encoding="utf-8",
    )
    problems = checker.check_entries(checker.parse_po(po))
    assert problems == [
        "untranslated: line 7: 'Untouched'",
        "fuzzy: line 11: 'Guessed'",
        "placeholders differ: line 15: 'Case %(no)s' -> '工单 %(n)s'",
    ]
    assert checker.main([]) == 0  # the real catalogue


# --- what people see ----------------------------------------------------------------------------


def test_labels_and_messages_are_chinese_by_default_and_english_on_request() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert str(Status.DISPATCHED.label) == "已派单，待签收"
    assert str(Status.CLOSED.label) == "已办结"
    assert str(Action.SIGN.label) == "签收"
    assert gettext("Supervision notice (督办通知书)") == "督办通知书"
    assert gettext("Basically satisfied") == "基本满意"
    many = ngettext(
        "Wenzheng: %(count)d new notification", "Wenzheng: %(count)d new notifications", 3
    )
    assert many % {"count": 3} == "网络问政：3 条新消息"
    with translation.override("en"):
        assert str(Status.CLOSED.label) == "Closed"
        assert gettext("Basically satisfied") == "Basically satisfied"


def test_home_page_speaks_chinese_without_any_language_choice(client, world: World) -> None:
    body = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in body
    for chinese in ["网络问政", "市长信箱", "给市长写信", "我要写信", "公开信件", "登录", "注册"]:
        assert chinese in body, chinese
    assert "Write to the mayor" not in body
    assert "Sign in" not in body


def test_english_is_chosen_by_the_browser_or_by_the_language_switch(client, world: World) -> None:
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert "Write to the mayor" in english
    assert "给市长写信" not in english

    switched = client.get(reverse("frontend:language", args=["en"]), {"next": "/write/"})
    assert switched.status_code == 302
    body = client.get("/write/").content.decode()
    assert "Kind of message" in body
    assert "信件类型" not in body


def test_citizen_form_errors_and_staff_pages_are_chinese(client, world: World) -> None:
    response = client.post("/write/", {"kind": "complaint", "subject": "", "body": "路灯坏了"})
    body = response.content.decode()
    assert "请填写标题。" in body
    assert "来信内容过短：请简要描述有关情况。" in body

    client.force_login(world.dispatcher)
    queue = client.get(reverse("frontend:dispatch-queue")).content.decode()
    assert "派单队列" in queue
    client.force_login(world.supervisor)
    board = client.get(reverse("frontend:board")).content.decode()
    for chinese in ["督办看板", "按单位统计", "已超期", "临近期限", "延期申请"]:
        assert chinese in board, chinese


def test_live_dialogues_and_the_leaders_dashboard_are_chinese(client, world: World) -> None:
    dialogues = client.get("/dialogues/").content.decode()
    for chinese in ["在线访谈", "预告及直播中", "访谈实录"]:
        assert chinese in dialogues, chinese
    client.force_login(world.leader)
    dashboard = client.get("/insights/").content.decode()
    for chinese in ["领导看板", "关键指标", "答复率", "满意率", "部门考核"]:
        assert chinese in dashboard, chinese
    assert "Key figures" not in dashboard
