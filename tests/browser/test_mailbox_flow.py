"""The whole mailbox in a real chromium: a citizen writes, the city answers, the citizen rates.

Run with `make test-browser` (needs Debian's chromium and fonts-noto-cjk: `apt-get install
chromium fonts-noto-cjk`). Playwright drives the system chromium; `playwright install` is never
needed. Elements are found by their `name`/`id` attributes, never by text, so the test holds in
every language. Screenshots go to test-results/ (phone width and desktop).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.organisation.models import Jurisdiction
from interaction.models import Case, CaseEvent, Evaluation, Reply
from interaction.states import Status
from tests.factories import World, make_world

pytestmark = pytest.mark.browser

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
PASSWORD = "pass-Word-123"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def browser_world(transactional_db: None) -> World:
    return make_world()


class Persona:
    """One person in their own browser context (own cookies), at a phone or desktop width."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int]) -> None:
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.external: list[str] = []
        # Nothing may be fetched from another host: no CDN, no web fonts.
        self.page.on("request", self._watch)

    def _watch(self, request: Any) -> None:
        url = request.url
        if url.startswith(("http://", "https://")) and not url.startswith(self.base):
            self.external.append(url)

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def login(self, username: str, password: str = PASSWORD) -> None:
        page = self.go("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[name=signin]")
        page.wait_for_load_state()

    def shot(self, name: str) -> None:
        RESULTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)

    def submit(self, action: str) -> None:
        """Press an action's button and wait for the page that follows."""
        with self.page.expect_navigation():
            self.page.click(f"button[name=do_{action}]")


def test_citizen_writes_city_replies_citizen_rates(
    browser_world: World, live_server: Any, browser: Any
) -> None:
    world = browser_world
    base = live_server.url
    east_street = Jurisdiction.objects.get(code="east-garden")

    # 1. A citizen registers on a phone and writes.
    citizen = Persona(browser, base, PHONE)
    page = citizen.go("/register/")
    page.fill("#id_display_name", "王女士")
    page.fill("#id_phone", "13712345678")
    page.fill("#id_password1", "Lao-Wang-2024!")
    page.fill("#id_password2", "Lao-Wang-2024!")
    with page.expect_navigation():
        page.click("button[name=register]")
    page = citizen.go("/write/")
    page.select_option("#id_kind", "complaint")
    page.fill("#id_subject", "花园路路灯不亮")
    page.fill(
        "#id_body", "花园路与经三路交叉口的路灯已经一个星期不亮了，晚上行人很不安全，请尽快维修。"
    )
    page.select_option("#id_district", str(world.east.pk))
    page.select_option("#id_street", str(east_street.pk))
    page.fill("#id_address", "花园路经三路口")
    assert page.input_value("#id_contact_phone") == "13712345678"
    citizen.shot("01-write-phone")
    with page.expect_navigation():
        page.click("button[name=submit_case]")
    tracking_no = page.inner_text("[data-testid=tracking-no]").strip()
    case = Case.objects.get(tracking_no=tracking_no)
    assert case.citizen is not None
    assert case.citizen.phone == "13712345678"
    assert case.status == Status.SUBMITTED  # no classifier model: it waits in the queue

    # 2. The dispatcher finds it in the queue and dispatches it.
    dispatcher = Persona(browser, base, DESKTOP)
    dispatcher.login("dispatch")
    page = dispatcher.go("/dispatch/queue/")
    assert page.locator(f"[data-case='{tracking_no}']").count() == 1
    dispatcher.shot("02-queue-desktop")
    with page.expect_navigation():
        page.click(f"[data-case='{tracking_no}'] [data-testid=open-case]")
    page.select_option("#id_category", str(world.road_repair.pk))
    page.select_option("#id_department", str(world.east_roads.pk))
    dispatcher.submit("dispatch")
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert case.lead_department == world.east_roads

    # 3. The district liaison signs and drafts the reply.
    liaison = Persona(browser, base, PHONE)
    liaison.login("east_liaison")
    page = liaison.go("/department/inbox/")
    with page.expect_navigation():
        page.click(f"[data-case='{tracking_no}'] a.title")
    liaison.submit("sign")
    page.fill(
        "form[data-action=draft_reply] textarea[name=body]",
        "您好，经现场核查，该路段路灯线路老化，已于今日更换线路并恢复照明。感谢您的监督。",
    )
    liaison.shot("03-case-liaison-phone")
    liaison.submit("draft_reply")
    case.refresh_from_db()
    assert case.status == Status.REPLY_DRAFTED

    # 4. The head approves it.
    head = Persona(browser, base, DESKTOP)
    head.login("east_head")
    page = head.go("/department/approvals/")
    assert page.locator(f"[data-case='{tracking_no}']").count() == 1
    with page.expect_navigation():
        page.click(f"[data-case='{tracking_no}'] button[name=do_approve_reply]")
    case.refresh_from_db()
    assert case.status == Status.REPLY_APPROVED

    # 5. The platform reviewer passes it.
    page = dispatcher.go("/dispatch/reviews/")
    with page.expect_navigation():
        page.click(f"[data-case='{tracking_no}'] button[name=do_publish_reply]")
    case.refresh_from_db()
    assert case.status == Status.REPLIED

    # 6. The citizen reads the reply and rates it.
    page = citizen.go("/my/cases/")
    with page.expect_navigation():
        page.click(f"[data-case='{tracking_no}'] a.title")
    reply_text = page.inner_text("[data-testid=published-reply]")
    assert "更换线路" in reply_text
    citizen.shot("04-case-reply-phone")
    page.check("form[data-action=evaluate] input[name=attitude][value=satisfied]")
    page.check("form[data-action=evaluate] input[name=result][value=basically]")
    page.check("form[data-action=evaluate] input[name=solved][value=yes]")
    page.fill("form[data-action=evaluate] textarea[name=comment]", "处理及时，谢谢！")
    citizen.submit("evaluate")
    citizen.shot("05-closed-phone")
    page = dispatcher.go(f"/cases/{tracking_no}/")
    page.set_viewport_size(DESKTOP)
    dispatcher.shot("06-case-desktop")

    for persona in (citizen, dispatcher, liaison, head):
        assert persona.external == []
        persona.context.close()

    # The database tells the whole story.
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.is_published
    assert case.replies.get().state == Reply.State.PUBLISHED
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.attitude, evaluation.result, evaluation.solved) == (
        "satisfied",
        "basically",
        True,
    )
    assert evaluation.comment == "处理及时，谢谢！"
    transitions = list(
        CaseEvent.objects.filter(case=case)
        .exclude(to_status="")
        .values_list("action", "to_status", "actor__username")
    )
    assert transitions == [
        ("submitted", "submitted", "13712345678"),
        ("dispatch", "dispatched", "dispatch"),
        ("sign", "signed", "east_liaison"),
        ("draft_reply", "reply_drafted", "east_liaison"),
        ("approve_reply", "reply_approved", "east_head"),
        ("publish_reply", "replied", "dispatch"),
        ("evaluate", "closed", "13712345678"),
    ]


def test_supervision_board_and_printable_notice(
    browser_world: World, live_server: Any, browser: Any
) -> None:
    import datetime as dt

    from interaction.models import SupervisionLevel, SupervisionNotice
    from interaction.services import dispatch, supervision
    from tests.factories import submit

    world = browser_world
    case = submit(world.citizen, subject="东风路井盖缺失")
    case = dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    supervision.supervise(now=case.notice_at + dt.timedelta(hours=1), digests=False)
    notice = SupervisionNotice.objects.get(case=case, level=SupervisionLevel.NOTICE)
    # The notice is due; make the case overdue for the board as well.
    Case.objects.filter(pk=case.pk).update(
        reply_deadline=case.reply_deadline - dt.timedelta(days=30)
    )

    supervisor = Persona(browser, live_server.url, PHONE)
    supervisor.login("supervisor")
    page = supervisor.go("/supervision/board/")
    assert page.locator(f"[data-case='{case.tracking_no}']").count() >= 1
    supervisor.shot("07-board-phone")
    page = supervisor.go(f"/supervision/notices/{notice.pk}/")
    assert notice.document_no in page.inner_text(".paper")
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-print]").is_visible()
    assert page.locator(".paper").is_visible()
    supervisor.shot("08-notice-print")
    page.pdf(path=str(RESULTS / "08-notice.pdf"), format="A4")
    assert supervisor.external == []
    supervisor.context.close()
