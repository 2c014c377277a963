"""Similar cases: published answers for a citizen who writes, likely duplicates for a dispatcher."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from interaction import similarity
from interaction.models import Case
from interaction.services import dispatch, handling, review
from interaction.states import Status
from tests.factories import World, submit

POTHOLE = (
    "花园路路面坑洼",
    "花园路与经三路交叉口路面出现大坑，雨天积水，车辆经过很危险，请尽快维修。",
)
POTHOLE_AGAIN = (
    "经三路路口大坑",
    "花园路和经三路交叉口的路面有个大坑，一下雨就积水，车辆经过很危险，希望尽快修好。",
)
NOISE = ("小区广场舞音响扰民", "每天晚上广场舞音响声音太大，一直到十点多，老人孩子无法休息。")
HOUSING = ("公租房申请进度咨询", "我去年提交了公租房申请，至今没有审核结果，想咨询一下进度。")
UNRELATED = ("咨询新生儿落户", "孩子刚出生，想咨询新生儿落户需要准备哪些材料，在哪里办理。")
# Other messages of the same weeks: with them the pool's word weights are those of a real mailbox
# (in a pool of three messages every shared word looks common).
BACKGROUND = [
    ("和平路路灯不亮", "和平路一带的路灯已经坏了半个月，晚上一片漆黑，行人出行很不安全。"),
    ("小区垃圾清运不及时", "我们小区的垃圾已经三天没有清运了，气味很大，请环卫部门尽快处理。"),
    ("工地夜间施工扰民", "建设路的工地每天晚上施工到凌晨，噪音很大，附近居民无法休息。"),
    ("拖欠农民工工资", "我在幸福家园工地干了半年，老板一直拖欠工资两万多元，请帮忙讨要。"),
    ("公交线路调整建议", "建议增加12路公交车的班次，早高峰等车时间太长，非常拥挤。"),
    ("物业公司乱收费", "阳光小区物业公司今年擅自提高物业费，服务却越来越差，请有关部门查处。"),
    ("孩子转学问题", "因工作调动，孩子需要从外地转学到本市小学，请问需要办理哪些手续。"),
    ("燃气压力不稳", "最近一周家里燃气压力很不稳定，做饭时经常熄火，担心有安全隐患。"),
    ("占道经营影响通行", "人民路两侧商贩占道经营，人行道被占满，行人只能走机动车道，很危险。"),
    ("医院排队时间太长", "市第一人民医院挂号排队时间太长，早上六点去排队都挂不上号。"),
]


@pytest.fixture(autouse=True)
def _fresh(settings) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000
    similarity.reset()


def replied(world: World, text: tuple[str, str], *, allow_publish: bool = True) -> Case:
    """A case answered through the real services (published if the citizen allowed it)."""
    subject, body = text
    case = submit(world.citizen, subject=subject, body=body, allow_publish=allow_publish)
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    handling.case_draft_reply(
        case_id=case.pk,
        actor=world.liaison,
        body="已安排施工队于本周内修补路面，如有问题请致电12345。",
    )
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    return review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)


def tracking_nos(hits: list[similarity.SimilarCase]) -> list[str]:
    return [hit.case.tracking_no for hit in hits]


# --- similar published cases -------------------------------------------------------------------


def test_near_duplicate_text_finds_the_published_case_first(world: World):
    pothole = replied(world, POTHOLE)
    replied(world, NOISE)
    replied(world, HOUSING)

    hits = similarity.similar_published(*POTHOLE_AGAIN)

    assert tracking_nos(hits) == [pothole.tracking_no]
    assert hits[0].score >= similarity.SIMILAR_MIN_SCORE
    assert hits[0].score < 1


def test_unrelated_text_finds_nothing(world: World):
    replied(world, POTHOLE)
    replied(world, NOISE)
    replied(world, HOUSING)

    assert similarity.similar_published(*UNRELATED) == []
    assert similarity.similar_published("", "") == []


def test_private_case_with_the_same_text_is_never_suggested(world: World):
    private = replied(world, POTHOLE, allow_publish=False)  # answered, citizen refused publication
    unanswered = submit(world.other_citizen, subject=POTHOLE[0], body=POTHOLE[1])
    assert not private.is_published
    assert not Case.objects.get(pk=unanswered.pk).is_published

    assert similarity.similar_published(*POTHOLE) == []

    public = replied(world, POTHOLE)
    assert tracking_nos(similarity.similar_published(*POTHOLE)) == [public.tracking_no]


def test_a_case_published_after_the_first_search_is_found_by_the_next(world: World):
    replied(world, NOISE)
    assert similarity.similar_published(*POTHOLE) == []  # the pool's index is now cached

    pothole = replied(world, POTHOLE)

    assert tracking_nos(similarity.similar_published(*POTHOLE)) == [pothole.tracking_no]


def test_at_most_five_published_cases_best_first(world: World):
    for n in range(7):
        replied(world, (POTHOLE[0], f"{POTHOLE[1]}第{n}次反映。" * (1 + n % 2)))

    hits = similarity.similar_published(*POTHOLE)

    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


# --- likely duplicates -------------------------------------------------------------------------


def test_duplicates_of_a_case_exclude_the_case_itself_and_unrelated_ones(world: World):
    for subject, body in BACKGROUND:
        submit(world.citizen, subject=subject, body=body)
    earlier = submit(world.citizen, subject=POTHOLE[0], body=POTHOLE[1])
    submit(world.citizen, subject=NOISE[0], body=NOISE[1])
    case = submit(world.other_citizen, subject=POTHOLE_AGAIN[0], body=POTHOLE_AGAIN[1])

    hits = similarity.likely_duplicates(case)

    assert tracking_nos(hits) == [earlier.tracking_no]
    assert hits[0].score >= similarity.DUPLICATE_MIN_SCORE


def test_duplicates_are_limited_to_the_last_30_days(world: World):
    old = submit(world.citizen, subject=POTHOLE[0], body=POTHOLE[1])
    recent = submit(world.citizen, subject=POTHOLE[0], body=POTHOLE[1])
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    Case.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(days=29))
    case = submit(world.other_citizen, subject=POTHOLE[0], body=POTHOLE[1])

    assert tracking_nos(similarity.likely_duplicates(case)) == [recent.tracking_no]


def test_merged_and_invalid_cases_are_not_offered_as_duplicates(world: World):
    original = submit(world.citizen, subject=POTHOLE[0], body=POTHOLE[1])
    spam = submit(world.citizen, subject=POTHOLE[0], body=POTHOLE[1])
    merged = submit(world.citizen, subject=POTHOLE[0], body=POTHOLE[1])
    dispatch.case_close_invalid(case_id=spam.pk, actor=world.dispatcher, reason="重复刷屏")
    dispatch.case_merge(case_id=merged.pk, actor=world.dispatcher, into_id=original.pk)
    case = submit(world.other_citizen, subject=POTHOLE[0], body=POTHOLE[1])

    hits = similarity.likely_duplicates(case)

    assert tracking_nos(hits) == [original.tracking_no]
    assert Case.objects.get(pk=merged.pk).status == Status.MERGED


def test_other_problems_of_the_same_weeks_are_no_duplicates(world: World):
    for subject, body in BACKGROUND:
        submit(world.citizen, subject=subject, body=body)
    case = submit(world.other_citizen, subject=POTHOLE[0], body=POTHOLE[1])

    assert similarity.likely_duplicates(case) == []


def test_search_is_fast_once_the_pool_is_indexed(world: World):
    for n in range(40):
        submit(world.citizen, subject=f"{NOISE[0]}{n}", body=f"{NOISE[1]}（第{n}栋）")
    case = submit(world.other_citizen, subject=POTHOLE[0], body=POTHOLE[1])
    similarity.likely_duplicates(case)  # builds the index (tokenises every candidate once)

    started = time.perf_counter()
    for _ in range(10):
        similarity.likely_duplicates(case)
    assert (time.perf_counter() - started) / 10 < 0.05
