"""Demo live dialogues (在线访谈), created through the dialogue services: one live now (try it as
moderator `dispatcher2`, official `head` and any citizen), one collecting questions for
tomorrow, and one that ended with its transcript published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.organisation.models import Category, Department
from interaction.dialogue import services
from interaction.dialogue.models import Dialogue
from interaction.dialogue.states import DialogueAction

from .seed import seeding_mode

LIVE_TITLE = "城市道路维修与出行在线访谈"
COLLECTING_TITLE = "义务教育招生政策在线访谈"
PUBLISHED_TITLE = "垃圾分类工作在线访谈"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _dialogue(
    title: str,
    description: str,
    department: str,
    official: str,
    category: str,
    starts_at: dt.datetime,
    steps: Sequence[DialogueAction],
) -> Dialogue:
    moderator = _user("dispatcher2")
    dialogue = services.dialogue_create(
        actor=_user("admin"),
        title=title,
        description=description,
        host_department=Department.objects.get(code=department),
        moderator=moderator,
        officials=[_user(official)],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        category=Category.objects.filter(code=category).first(),
    )
    for action in steps:
        services.dialogue_transition(dialogue_id=dialogue.pk, actor=moderator, action=action)
    return dialogue


def _ask(dialogue: Dialogue, username: str, body: str) -> int:
    return services.question_ask(dialogue_id=dialogue.pk, actor=_user(username), body=body).pk


@transaction.atomic
def seed_dialogues() -> int:
    """Create the demo dialogues once; returns how many were created (0 if they exist)."""
    if Dialogue.objects.filter(title__in=[LIVE_TITLE, COLLECTING_TITLE, PUBLISHED_TITLE]).exists():
        return 0
    now = timezone.now()
    moderator = _user("dispatcher2")
    with seeding_mode():
        ended = _dialogue(
            PUBLISHED_TITLE,
            "市生态环境局、市城管局负责人解读垃圾分类新规，回答市民关心的问题。",
            "city-environment",
            "env_head",
            "waste",
            now - dt.timedelta(days=7),
            [DialogueAction.OPEN_QUESTIONS, DialogueAction.GO_LIVE],
        )
        asked = [
            _ask(ended, "citizen", "小区的厨余垃圾桶经常满溢，能否增加清运次数？"),
            _ask(ended, "citizen2", "大件垃圾和装修垃圾应该怎么投放？"),
            _ask(ended, "citizen3", "垃圾分类做得好的小区有没有奖励？"),
        ]
        for pk in asked:
            services.question_approve(question_id=pk, actor=moderator)
        services.answer_post(
            question_id=asked[0],
            actor=_user("env_head"),
            body="我们将督促物业和清运单位把厨余垃圾清运调整为每日两次，请您关注小区公告。",
        )
        services.answer_post(
            question_id=asked[1],
            actor=_user("env_head"),
            body="大件垃圾和装修垃圾请预约街道统一清运，不得与生活垃圾混投。",
        )
        # The third question is left unanswered: ending turns it into a case for the department.
        for action in (DialogueAction.END, DialogueAction.PUBLISH_TRANSCRIPT):
            services.dialogue_transition(dialogue_id=ended.pk, actor=moderator, action=action)

        collecting = _dialogue(
            COLLECTING_TITLE,
            "市教育局负责人解读今年义务教育阶段招生入学政策。欢迎提前提问和投票。",
            "city-education",
            "edu_head",
            "school-enrolment",
            now + dt.timedelta(days=1),
            [DialogueAction.OPEN_QUESTIONS],
        )
        first = _ask(collecting, "citizen4", "租房家庭的孩子上小学需要准备哪些材料？")
        _ask(collecting, "citizen5", "学区划分什么时候公布？")
        services.question_approve(question_id=first, actor=moderator)
        services.question_vote(question_id=first, actor=_user("citizen6"))

        live = _dialogue(
            LIVE_TITLE,
            "市城管局负责人与市民在线交流道路维修、井盖和路灯问题。",
            "city-urban",
            "head",
            "road-repair",
            now - dt.timedelta(minutes=30),
            [DialogueAction.OPEN_QUESTIONS, DialogueAction.GO_LIVE],
        )
        approved = _ask(live, "citizen7", "青山路的坑洼什么时候能修好？")
        services.question_approve(question_id=approved, actor=moderator)
        services.answer_post(
            question_id=approved,
            actor=_user("head"),
            body="青山路修补已列入本月计划，预计两周内完成，施工期间请注意绕行。",
        )
        _ask(live, "citizen8", "翠湖路的路灯坏了很久了，能不能尽快修？")
        services.notice_post(
            dialogue_id=live.pk, actor=moderator, body="欢迎大家参与今天的在线访谈，请文明提问。"
        )
    return 3
