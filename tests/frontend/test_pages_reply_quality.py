"""Reply quality on the pages: the head and the platform's reviewer see the weak-reply flag and
its reasons where they judge the reply; the citizen and the public never see any of it."""

from __future__ import annotations

from django.urls import reverse

from interaction.models import Case, Reply
from interaction.services import handling, review
from tests.factories import World

from .conftest import handling_case, page, text

WEAK_REPLY = "您好，您的留言已收到，谢谢。"
GOOD_REPLY = (
    "您好，经现场核查，花园路与经三路交叉口路面确有大坑和坑洼，雨天积水，车辆经过存在危险。根据"
    "《中原市城市道路管理办法》第二十条规定，我局已于今日安排施工队修补路面、疏通积水，预计本周五"
    "前完工。联系电话：0371-66668888。"
)
FLAG = 'data-testid="weak-reply"'
QUALITY = 'data-testid="reply-quality"'


def drafted_with(world: World, body: str) -> Case:
    case = handling_case(world)
    handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=body)
    return Case.objects.get(pk=case.pk)


def test_the_head_sees_the_weak_flag_and_the_reasons_in_chinese(client, world: World):
    weak = drafted_with(world, WEAK_REPLY)
    good = drafted_with(world, GOOD_REPLY)
    body = text(page(client, world.head, reverse("frontend:approvals")))
    cards = {chunk.split('"')[0]: chunk for chunk in body.split('data-case="')[1:]}
    assert FLAG in cards[weak.tracking_no]
    assert QUALITY in cards[good.tracking_no]
    assert FLAG not in cards[good.tracking_no]
    assert "答复质量偏弱" in body
    assert "低于阈值：总分、相关性、完整性。请仔细审核，是否通过由您决定。" in body
    assert "留言中的 1 项诉求有 1 项未回应：“请尽快维修。”" in body
    assert "未提供联系方式（电话、办公室或联系人）。" in body
    assert "未引用所依据的政策或法规。" in body
    assert "6 处需要改进" in body
    # Flagged, not blocked: the head can still approve it.
    assert 'name="do_approve_reply"' in body


def test_the_platform_reviewer_sees_the_flag_in_the_review_queue(client, world: World):
    case = drafted_with(world, WEAK_REPLY)
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    body = text(page(client, world.dispatcher, reverse("frontend:reviews")))
    assert FLAG in body
    # The five key terms of the message the reply never names (which five: by their weight).
    sentence = body[body.index("答复几乎没有涉及留言反映的内容（未提及：") :]
    terms = sentence[len("答复几乎没有涉及留言反映的内容（未提及：") : sentence.index("）。")]
    assert len(terms.split("、")) == 5
    assert "花园路" in terms.split("、")
    assert 'name="do_publish_reply"' in body


def test_the_case_page_shows_the_quality_to_staff(client, world: World):
    case = drafted_with(world, WEAK_REPLY)
    for user in (world.liaison, world.head, world.dispatcher, world.supervisor):
        body = text(page(client, user, case.get_absolute_url()))
        assert FLAG in body, user
        assert "相关性" in body


def test_a_good_reply_shows_its_scores_without_a_flag(client, world: World):
    case = drafted_with(world, GOOD_REPLY)
    body = text(page(client, world.head, case.get_absolute_url()))
    assert QUALITY in body
    assert FLAG not in body
    assert '<strong class="quality-overall">100</strong>' in body


def test_the_citizen_and_the_public_never_see_the_quality(client, world: World):
    case = drafted_with(world, WEAK_REPLY)
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    assert Reply.objects.get(case=case).quality_weak is True
    case.refresh_from_db()
    assert case.is_published

    for user in (world.citizen, world.other_citizen, None):
        response = page(client, user, case.get_absolute_url())
        assert response.status_code == 200, user
        body = text(response)
        assert 'data-testid="published-reply"' in body, user
        assert QUALITY not in body, user
        assert "答复质量" not in body, user
    # After publication, staff still see it on the published reply.
    assert FLAG in text(page(client, world.dispatcher, case.get_absolute_url()))


def test_the_leaders_dashboard_has_the_reply_quality_section(client, world: World):
    drafted_with(world, WEAK_REPLY)
    drafted_with(world, GOOD_REPLY)
    body = text(page(client, world.leader, reverse("frontend:dashboard")))
    section = body[body.index('data-testid="reply-quality-figures"') :]
    section = section[: section.index("</section>")]
    assert "答复质量" in section
    assert "市城管局" in section
    assert "50.0%" in section  # one of two replies flagged weak
    mean = f"{100 * (0.15 + 1.0) / 2:.0f}"  # of 15 and 100
    assert f'<td class="num">{mean}</td>' in section
    assert "全部单位" in section


def test_the_dashboard_section_says_when_no_reply_was_drafted(client, world: World):
    body = text(page(client, world.leader, reverse("frontend:dashboard")))
    assert "本期没有起草答复。" in body
