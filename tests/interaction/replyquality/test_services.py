"""Replies are scored when drafted (and again when a reworked reply is drafted), the scores are
stored on the reply and noted in the audit row; a weak reply is flagged, never refused."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from interaction.models import Case, CaseEvent, Kind, Reply
from interaction.replyquality import scoring
from interaction.replyquality.services import replies_rescore
from interaction.services import handling, review
from interaction.states import Status
from tests.factories import World
from tests.interaction.scenarios import Clock, at, do_redo, reach

# Written for these tests, about the default message of tests.factories.submission
# ("花园路路面坑洼": a pothole at the crossing of 花园路 and 经三路).
GOOD_REPLY = (
    "您好，经现场核查，花园路与经三路交叉口路面确有大坑和坑洼，雨天积水，车辆经过存在危险。根据"
    "《中原市城市道路管理办法》第二十条规定，我局已于今日安排施工队修补路面、疏通积水，预计本周五"
    "前完工。联系电话：0371-66668888。"
)
WEAK_REPLY = "您好，您的留言已收到，谢谢。"


def draft(world: World, case: Case, body: str) -> Reply:
    return handling.case_draft_reply(case_id=case.pk, actor=world.liaison, body=body)


def scores(reply: Reply) -> tuple[float | None, ...]:
    return (
        reply.quality_relevance,
        reply.quality_completeness,
        reply.quality_interpretability,
        reply.quality_timeliness,
        reply.quality_overall,
    )


def test_drafting_stores_the_scores_on_the_reply_and_in_the_audit_row(world: World):
    case = reach(world, Status.HANDLING)
    reply = draft(world, case, GOOD_REPLY)

    stored = Reply.objects.get(pk=reply.pk)
    assert scores(stored) == (1.0, 1.0, 1.0, 1.0, 1.0)
    assert stored.quality_weak is False
    assert stored.quality_detail == {
        "reasons": [],
        "weak_by": [],
        "days_used": 0.0,
        "days_allowed": 13.0,
    }
    assert stored.quality_version == "rq1"
    assert stored.quality_scored_at is not None
    event = CaseEvent.objects.get(case=case, action="draft_reply")
    assert event.data == {"reply_id": reply.pk, "quality": 1.0, "weak": False}
    assert event.is_public is False


def test_a_weak_reply_is_flagged_with_its_reasons_but_not_refused(world: World):
    case = reach(world, Status.HANDLING)
    reply = draft(world, case, WEAK_REPLY)

    stored = Reply.objects.get(pk=reply.pk)
    assert Case.objects.get(pk=case.pk).status == Status.REPLY_DRAFTED
    assert scores(stored) == (0.0, 0.0, 0.0, 1.0, 0.15)
    assert stored.quality_weak is True
    assert stored.quality_detail["weak_by"] == ["overall", "relevance", "completeness"]
    assert [r["code"] for r in stored.quality_detail["reasons"]] == [
        "low_relevance",
        "points_missed",
        "no_action",
        "no_next_step",
        "no_contact",
        "no_policy",
    ]
    assert stored.quality_detail["reasons"][1] == {
        "code": "points_missed",
        "points": ["请尽快维修。"],
        "missed": 1,
        "total": 1,
    }
    event = CaseEvent.objects.get(case=case, action="draft_reply")
    assert event.data == {"reply_id": reply.pk, "quality": 0.15, "weak": True}


def test_a_reply_sent_back_for_rework_is_scored_again_when_redrafted(world: World):
    case = reach(world, Status.HANDLING)
    first = draft(world, case, WEAK_REPLY)
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    review.case_rework_reply(case_id=case.pk, actor=world.dispatcher, note="请写明处理措施。")
    second = draft(world, case, GOOD_REPLY)

    first, second = Reply.objects.get(pk=first.pk), Reply.objects.get(pk=second.pk)
    assert first.state == Reply.State.SENT_BACK
    assert (first.quality_overall, first.quality_weak) == (0.15, True)
    assert (second.quality_overall, second.quality_weak) == (1.0, False)
    events = CaseEvent.objects.filter(case=case, action="draft_reply").order_by("pk")
    assert [e.data["reply_id"] for e in events] == [first.pk, second.pk]


def test_a_reply_the_head_sent_back_is_scored_again_when_redrafted(world: World):
    case = reach(world, Status.HANDLING)
    draft(world, case, WEAK_REPLY)
    review.case_reject_reply(case_id=case.pk, actor=world.head, note="请补充处理情况。")
    second = draft(world, case, GOOD_REPLY)
    assert Reply.objects.get(pk=second.pk).quality_overall == 1.0


def test_a_draft_after_the_limit_loses_timeliness(world: World, monkeypatch: pytest.MonkeyPatch):
    clock = Clock(monkeypatch, at(2025, 3, 3, 10))  # Monday
    case = reach(world, Status.HANDLING, kind=Kind.CONSULTATION)  # 3 working days
    clock.set(at(2025, 3, 7, 12))  # Friday noon: Tue, Wed, Thu and half of Friday used
    reply = Reply.objects.get(pk=draft(world, case, GOOD_REPLY).pk)

    assert reply.quality_timeliness == 0.833  # 1 - 0.5 / 3
    assert reply.quality_overall == 0.975  # 0.85 + 0.15 · 0.833
    assert reply.quality_detail["reasons"] == [
        {"code": "late", "days_used": 3.5, "days_allowed": 3.0}
    ]
    assert scoring.reason_text(reply.quality_detail["reasons"][0]) == (
        "答复用了 3.5 个工作日，超过了 3 个工作日的时限。"
    )


def test_a_broken_configuration_never_blocks_a_reply(world: World, settings, caplog):
    settings.WENZHENG_REPLY_QUALITY_WEIGHTS = "speed=1"
    case = reach(world, Status.HANDLING)
    with caplog.at_level(logging.ERROR, logger="interaction.replyquality.services"):
        reply = draft(world, case, GOOD_REPLY)

    stored = Reply.objects.get(pk=reply.pk)
    assert stored.quality_overall is None
    assert stored.quality_weak is None
    assert Case.objects.get(pk=case.pk).status == Status.REPLY_DRAFTED
    assert CaseEvent.objects.get(case=case, action="draft_reply").data == {"reply_id": reply.pk}
    assert "could not score reply" in caplog.text
    assert "Unknown reply-quality weights: speed" in caplog.text


def test_weights_and_thresholds_come_from_the_settings(world: World, settings):
    settings.WENZHENG_REPLY_QUALITY_WEAK = "overall=0.1,relevance=-1,completeness=-1"
    settings.WENZHENG_REPLY_QUALITY_WEIGHTS = "timeliness=0"
    case = reach(world, Status.HANDLING)
    stored = Reply.objects.get(pk=draft(world, case, WEAK_REPLY).pk)
    # Timeliness weighs nothing and only an overall score under 0.1 would be weak.
    assert stored.quality_overall == 0.0
    assert stored.quality_weak is True
    assert stored.quality_detail["weak_by"] == ["overall"]
    settings.WENZHENG_REPLY_QUALITY_WEIGHTS = ""
    second = reach(world, Status.HANDLING)
    stored = Reply.objects.get(pk=draft(world, second, WEAK_REPLY).pk)
    assert stored.quality_overall == 0.15
    assert stored.quality_weak is False


def test_score_replies_scores_the_unscored_and_with_all_every_reply(world: World):
    case = reach(world, Status.HANDLING)
    reply = draft(world, case, GOOD_REPLY)
    Reply.objects.filter(pk=reply.pk).update(
        quality_overall=None, quality_weak=None, quality_scored_at=None, quality_detail={}
    )
    out = StringIO()
    call_command("score_replies", stdout=out)
    assert "已为 1 条答复评分" in out.getvalue()
    assert Reply.objects.get(pk=reply.pk).quality_overall == 1.0

    out = StringIO()
    call_command("score_replies", stdout=out)
    assert "已为 0 条答复评分" in out.getvalue()
    call_command("score_replies", "--all", stdout=out)
    assert "已为 1 条答复评分" in out.getvalue()


def test_rescoring_a_reply_of_an_earlier_stage_keeps_its_clock(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    clock = Clock(monkeypatch, at(2025, 3, 3, 10))
    case = reach(world, Status.HANDLING, kind=Kind.CONSULTATION)
    clock.set(at(2025, 3, 7, 12))
    first = draft(world, case, GOOD_REPLY)
    review.case_approve_reply(case_id=case.pk, actor=world.head)
    review.case_publish_reply(case_id=case.pk, actor=world.dispatcher)
    do_redo(world, Case.objects.get(pk=case.pk))  # stage 2: a fresh clock

    assert replies_rescore(reply_ids=[first.pk]) == 1
    assert Reply.objects.get(pk=first.pk).quality_timeliness == 0.833


def _reply_columns() -> set[str]:
    with connection.cursor() as cursor:
        rows = connection.introspection.get_table_description(cursor, "interaction_reply")
    return {row.name for row in rows}


def test_the_reply_quality_migration_applies_and_reverses(transactional_db):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("interaction", "0005_case_phone_index")])
        assert "quality_overall" not in _reply_columns()
        executor.loader.build_graph()
        executor.migrate([("interaction", "0006_reply_quality")])
        assert {
            "quality_relevance",
            "quality_completeness",
            "quality_interpretability",
            "quality_timeliness",
            "quality_overall",
            "quality_weak",
            "quality_detail",
            "quality_version",
            "quality_scored_at",
        } <= _reply_columns()
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_models_need_no_new_interaction_migration(db):
    out = StringIO()
    call_command("makemigrations", "interaction", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
