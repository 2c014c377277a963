"""Ending a dialogue: unanswered approved questions become mailbox cases of the host department
(5 working days), linked to the dialogue, and their askers are told."""

from __future__ import annotations

from typing import Any

import pytest

from interaction.deadlines import compute_deadlines
from interaction.dialogue import services
from interaction.dialogue.models import DialogueEvent, DialogueTransition, Question
from interaction.dialogue.states import DialogueAction, DialogueState
from interaction.errors import InvalidTransition, NotAllowed
from interaction.models import Case, CaseEvent, Notification
from interaction.states import Status
from tests.factories import World

from .conftest import make_dialogue
from .sockets import event, open_socket, sync

pytestmark = pytest.mark.django_db


def _ask_approve(dialogue: Any, user: Any, body: str) -> Question:
    q = services.question_ask(dialogue_id=dialogue.pk, actor=user, body=body)
    return services.question_approve(question_id=q.pk, actor=dialogue.moderator)


def test_end_turns_unanswered_approved_questions_into_cases_for_the_host(world: World) -> None:
    dialogue = make_dialogue(world)
    unanswered = _ask_approve(dialogue, world.citizen, "花园路的积水什么时候解决？")
    answered = _ask_approve(dialogue, world.other_citizen, "路灯何时修？")
    services.answer_post(question_id=answered.pk, actor=world.head, body="本周内修好。")
    pending = services.question_ask(
        dialogue_id=dialogue.pk, actor=world.other_citizen, body="还没审核"
    )

    services.dialogue_transition(
        dialogue_id=dialogue.pk, actor=dialogue.moderator, action=DialogueAction.END
    )

    unanswered.refresh_from_db()
    case = unanswered.case
    assert case is not None
    assert Case.objects.count() == 1
    assert (case.citizen, case.body, case.lead_department) == (
        world.citizen,
        unanswered.body,
        world.city_roads,
    )
    assert case.status == Status.DISPATCHED
    assert case.category == world.road_repair
    assert case.limit_days == 5
    expected = Case(
        clock_started_at=case.clock_started_at,
        dispatched_at=case.dispatched_at,
        limit_days=5,
        kind=case.kind,
        urgency=case.urgency,
    )
    compute_deadlines(expected)
    assert case.reply_deadline == expected.reply_deadline
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["submitted", "dispatch", "deadline_recomputed"]
    assert CaseEvent.objects.get(case=case, action="submitted").data == {
        "dialogue": dialogue.pk,
        "question": unanswered.pk,
    }
    note = Notification.objects.get(recipient=world.citizen, verb="dialogue_follow_up")
    assert note.case == case
    assert case.tracking_no in note.text
    assert "5" in note.text
    # the department is told too (dispatch notifies it)
    assert Notification.objects.filter(
        recipient=world.liaison, case=case, verb="dispatched"
    ).exists()
    answered.refresh_from_db()
    pending.refresh_from_db()
    assert answered.case is None
    assert pending.case is None
    assert not Notification.objects.filter(
        recipient=world.other_citizen, verb="dialogue_follow_up"
    ).exists()
    dialogue.refresh_from_db()
    assert dialogue.state == DialogueState.ENDED
    assert DialogueTransition.objects.filter(
        dialogue=dialogue, to_state="ended", actor=dialogue.moderator
    ).exists()
    follow_up = DialogueEvent.objects.get(dialogue=dialogue, kind="question.case")
    assert (follow_up.audience, follow_up.user_id) == ("user", world.citizen.pk)


@pytest.mark.django_db(transaction=True)
async def test_the_asker_is_told_live_and_others_are_not(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    question = await sync(_ask_approve)(dialogue, world.citizen, "能不能增加公交线路？")
    asker = await open_socket(dialogue.pk, world.citizen)
    other = await open_socket(dialogue.pk, world.other_citizen)
    await sync(services.dialogue_transition)(
        dialogue_id=dialogue.pk, actor=dialogue.moderator, action=DialogueAction.END
    )
    told = await event(asker)
    assert told["kind"] == "question.case"
    assert told["data"]["id"] == question.pk
    assert (await event(asker))["kind"] == "dialogue.state"
    assert (await event(other))["kind"] == "dialogue.state"
    await other.receive_nothing(timeout=0.2)
    await asker.disconnect()
    await other.disconnect()


def test_only_the_moderator_moves_the_dialogue_on(world: World) -> None:
    dialogue = make_dialogue(world, state="announced")
    for user in (world.citizen, world.head, world.dispatcher):
        with pytest.raises(NotAllowed):
            services.dialogue_transition(
                dialogue_id=dialogue.pk, actor=user, action=DialogueAction.OPEN_QUESTIONS
            )
    with pytest.raises(InvalidTransition):
        services.dialogue_transition(
            dialogue_id=dialogue.pk, actor=dialogue.moderator, action=DialogueAction.END
        )
    dialogue.refresh_from_db()
    assert dialogue.state == DialogueState.ANNOUNCED
    assert not DialogueTransition.objects.filter(dialogue=dialogue).exists()


def test_questions_asked_in_advance_and_votes(world: World) -> None:
    dialogue = make_dialogue(world, state="collecting")
    q = _ask_approve(dialogue, world.citizen, "提前提问")
    assert q.in_advance
    services.question_vote(question_id=q.pk, actor=world.other_citizen)
    with pytest.raises(InvalidTransition, match="already voted"):
        services.question_vote(question_id=q.pk, actor=world.other_citizen)
    with pytest.raises(NotAllowed):
        services.question_vote(question_id=q.pk, actor=world.head)
    q.refresh_from_db()
    assert q.votes == 1


def test_answers_wait_for_the_live_dialogue(world: World) -> None:
    dialogue = make_dialogue(world, state="collecting")
    q = _ask_approve(dialogue, world.citizen, "提前提问")
    with pytest.raises(InvalidTransition):
        services.answer_post(question_id=q.pk, actor=world.head, body="现在还不能回答")


def test_merge_moves_votes_and_tells_the_duplicates_asker(world: World) -> None:
    dialogue = make_dialogue(world)
    original = _ask_approve(dialogue, world.citizen, "花园路坑洼")
    duplicate = services.question_ask(
        dialogue_id=dialogue.pk, actor=world.other_citizen, body="花园路有坑"
    )
    services.question_merge(question_id=duplicate.pk, actor=dialogue.moderator, into_id=original.pk)
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into) == ("merged", original)
    merged = DialogueEvent.objects.get(dialogue=dialogue, kind="question.merged")
    assert (merged.audience, merged.user_id) == ("user", world.other_citizen.pk)


def test_topics_are_proposed_and_voted_by_citizens(world: World) -> None:
    topic = services.topic_propose(actor=world.citizen, title="老旧小区加装电梯")
    services.topic_vote(topic_id=topic.pk, actor=world.other_citizen)
    with pytest.raises(InvalidTransition):
        services.topic_vote(topic_id=topic.pk, actor=world.other_citizen)
    with pytest.raises(NotAllowed):
        services.topic_propose(actor=None, title="匿名提议")
    topic.refresh_from_db()
    assert topic.votes == 1
