"""Pages, the API docs and the admin work under the Content-Security-Policy
(`script-src 'self'`): chromium reports no violation and the scripts do their work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_mailbox_flow import DESKTOP, Persona
from tests.factories import World, make_world

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_world(transactional_db: None) -> World:
    return make_world()


class Watched(Persona):
    """A persona whose browser reports every policy violation and uncaught script error."""

    def __init__(self, browser: Any, base: str) -> None:
        super().__init__(browser, base, DESKTOP)
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))

    def _console(self, message: Any) -> None:
        text = message.text
        # The test server speaks plain HTTP: the pages' live-update socket (/ws/) cannot open.
        if message.type == "error" and "/ws/" in text and "WebSocket" in text:
            return
        if "Content Security Policy" in text or message.type == "error":
            self.problems.append(f"{message.type}: {text} ({message.location.get('url')})")

    def visit(self, path: str) -> Any:
        page = self.go(path)
        page.wait_for_load_state("networkidle")
        return page


def test_pages_docs_and_admin_run_their_scripts_under_the_policy(
    browser_world: World, live_server: Any, browser: Any
) -> None:
    base = live_server.url
    visitor = Watched(browser, base)
    page = visitor.visit("/api/docs/")
    # Swagger UI started (its start-up script is a file of its own) and read the schema.
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 20
    visitor.visit("/")

    citizen = Watched(browser, base)
    citizen.login("zhang")
    page = citizen.visit("/write/")
    # site.js fills the street list when a district is chosen.
    page.select_option("#id_district", str(browser_world.east.pk))
    page.wait_for_function("document.querySelectorAll('#id_street option').length > 1")

    leader = Watched(browser, base)
    leader.login("leader")
    leader.visit("/insights/")
    leader.visit("/hot-issues/")

    admin = Watched(browser, base)
    admin.login("admin")
    admin.visit("/admin/")
    admin.visit("/admin/organisation/department/add/")

    for persona in (visitor, citizen, leader, admin):
        assert persona.problems == []
        assert persona.external == []
