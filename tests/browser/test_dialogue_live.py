"""A live dialogue in a real chromium: a citizen asks, the moderator approves, the official
answers, and a viewer sees the question and the answer arrive without reloading.

The server is a real daphne process (WebSockets need ASGI) on a file SQLite database with the
in-memory channel layer; each person has their own browser context and session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.interaction.dialogue import servers

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    env = servers.server_env(f"sqlite:///{tmp_path / 'browser.sqlite3'}", "", "unused")
    env.pop("REDIS_URL")
    servers.migrate(env)
    seeded = servers.seed(env)
    port = servers.free_port()
    proc = servers.start_daphne(
        env, port, tmp_path / "daphne.log", app="tests.interaction.dialogue.static_asgi:application"
    )
    try:
        yield f"http://127.0.0.1:{port}", seeded
    finally:
        servers.stop([proc])


def _page(browser: Any, base: str, path: str, session: str | None) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith((base, "data:")) else None,
    )
    page.goto(base + path)
    page.wait_for_selector("[data-conn]:has-text('')")
    page.external = external  # type: ignore[attr-defined]
    return page


def test_question_goes_from_asked_to_approved_to_answered_live(browser: Any, server: Any) -> None:
    base, seeded = server
    path = f"/dialogues/{seeded['dialogue']}/"
    viewer = _page(browser, base, path, None)
    citizen = _page(browser, base, path, seeded["citizen"])
    moderator = _page(browser, base, path, seeded["moderator"])
    official = _page(browser, base, path, seeded["official"])
    for page in (viewer, citizen, moderator, official):
        page.wait_for_function("document.querySelector('[data-watching]').textContent !== '—'")
    viewer.evaluate("window.__notReloaded = true")

    citizen.fill("#id_question", "花园路的坑什么时候修？")
    citizen.click("button[name=ask]")
    citizen.wait_for_selector("[data-testid=own-question]:has-text('花园路的坑什么时候修？')")

    queued = moderator.wait_for_selector("[data-testid=queued]:has-text('花园路的坑什么时候修？')")
    assert viewer.locator("[data-testid=question]").count() == 0  # not public yet
    queued.query_selector("button[name=approve]").click()

    viewer.wait_for_selector("[data-testid=question]:has-text('花园路的坑什么时候修？')")
    item = official.wait_for_selector("[data-testid=question]:has-text('花园路的坑什么时候修？')")
    item.query_selector("textarea[name=answer]").fill("下周一开工，三天修好。")
    item.query_selector("button[name=send_answer]").click()

    viewer.wait_for_selector("[data-testid=answer]:has-text('下周一开工，三天修好。')")
    citizen.wait_for_selector("[data-testid=answer]:has-text('下周一开工，三天修好。')")
    assert viewer.evaluate("window.__notReloaded") is True
    assert moderator.locator("[data-testid=queued]").count() == 0
    for page in (viewer, citizen, moderator, official):
        assert page.external == []  # type: ignore[attr-defined]
    results = Path(__file__).resolve().parents[2] / "test-results"
    results.mkdir(exist_ok=True)
    viewer.screenshot(path=str(results / "dialogue-viewer.png"), full_page=True)
