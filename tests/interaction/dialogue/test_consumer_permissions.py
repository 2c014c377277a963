"""Who may watch, ask, moderate and answer on the dialogue socket — and who must NOT receive what."""

from __future__ import annotations

import pytest

from interaction.dialogue import services
from interaction.dialogue.models import Question, QuestionState
from tests.factories import World

from .conftest import make_dialogue
from .sockets import event, open_socket, request, socket, sync

pytestmark = pytest.mark.django_db(transaction=True)


async def test_anonymous_viewer_watches_public_dialogue_and_sees_approved_questions_and_answers(
    world: World,
) -> None:
    dialogue = await sync(make_dialogue)(world)
    viewer = await open_socket(dialogue.pk)
    question = await sync(services.question_ask)(
        dialogue_id=dialogue.pk, actor=world.citizen, body="花园路什么时候修？"
    )
    await viewer.receive_nothing(timeout=0.2)  # waiting for the moderator: not public
    await sync(services.question_approve)(question_id=question.pk, actor=dialogue.moderator)
    approved = await event(viewer)
    assert approved["kind"] == "question.approved"
    assert approved["data"]["body"] == "花园路什么时候修？"
    await sync(services.answer_post)(question_id=question.pk, actor=world.head, body="下周一开工。")
    answered = await event(viewer)
    assert answered["kind"] == "answer.posted"
    assert answered["data"]["body"] == "下周一开工。"
    assert answered["seq"] == approved["seq"] + 1
    await viewer.disconnect()


async def test_private_dialogue_refuses_anonymous_and_citizens_but_not_its_official(
    world: World,
) -> None:
    dialogue = await sync(make_dialogue)(world, is_public=False)
    for user in (None, world.citizen, world.liaison):
        comm = socket(dialogue.pk, user)
        connected, code = await comm.connect()
        assert (connected, code) == (False, 4403)
    official = await open_socket(dialogue.pk, world.head)
    await official.disconnect()


async def test_unknown_dialogue_is_refused(world: World) -> None:
    comm = socket(999999)
    connected, code = await comm.connect()
    assert (connected, code) == (False, 4404)


async def test_anonymous_viewer_may_not_ask(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    viewer = await open_socket(dialogue.pk)
    reply = await request(viewer, op="ask", body="能不能多修几条路？")
    assert reply["code"] == "not_allowed"
    assert reply["message"] == "Sign in to ask a question."
    assert not await sync(Question.objects.exists)()
    await viewer.disconnect()


async def test_official_and_moderator_may_not_ask(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    for user in (world.head, dialogue.moderator):
        comm = await open_socket(dialogue.pk, user)
        reply = await request(comm, op="ask", body="我也想问一个问题")
        assert reply["code"] == "not_allowed"
        await comm.disconnect()
    assert not await sync(Question.objects.exists)()


async def test_waiting_question_reaches_asker_and_staff_but_no_other_viewer(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    asker = await open_socket(dialogue.pk, world.citizen)
    other = await open_socket(dialogue.pk, world.other_citizen)
    anonymous = await open_socket(dialogue.pk)
    moderator = await open_socket(dialogue.pk, dialogue.moderator)
    official = await open_socket(dialogue.pk, world.head)
    ack = await request(asker, op="ask", body="经三路的路灯坏了谁管？")
    assert ack["type"] == "ack"
    submitted = await event(asker)
    assert submitted["kind"] == "question.submitted"
    for staff in (moderator, official):
        seen = await event(staff)
        assert seen["kind"] == "question.submitted"
        assert seen["data"]["id"] == ack["id"]
    await other.receive_nothing(timeout=0.2)
    await anonymous.receive_nothing(timeout=0.1)
    for comm in (asker, other, anonymous, moderator, official):
        await comm.disconnect()


async def test_only_the_moderator_approves(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    question = await sync(services.question_ask)(
        dialogue_id=dialogue.pk, actor=world.citizen, body="公交站台能加顶棚吗？"
    )
    for user in (world.citizen, world.head, world.dispatcher):
        comm = await open_socket(dialogue.pk, user)
        reply = await request(comm, op="approve", question=question.pk)
        assert reply["type"] == "error"
        assert reply["code"] == "not_allowed"
        await comm.disconnect()
    question = await sync(Question.objects.get)(pk=question.pk)
    assert question.state == QuestionState.PENDING
    moderator = await open_socket(dialogue.pk, dialogue.moderator)
    viewer = await open_socket(dialogue.pk)
    assert (await request(moderator, op="approve", question=question.pk))["type"] == "ack"
    assert (await event(viewer))["kind"] == "question.approved"
    await moderator.disconnect()
    await viewer.disconnect()


async def test_rejection_reason_reaches_only_the_asker_and_staff(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    question = await sync(services.question_ask)(
        dialogue_id=dialogue.pk, actor=world.citizen, body="广告广告广告"
    )
    asker = await open_socket(dialogue.pk, world.citizen)
    other = await open_socket(dialogue.pk, world.other_citizen)
    moderator = await open_socket(dialogue.pk, dialogue.moderator)
    reply = await request(moderator, op="reject", question=question.pk, reason="与本次访谈无关")
    assert reply["type"] == "ack"
    rejected = await event(asker)
    assert rejected["kind"] == "question.rejected"
    assert rejected["data"] == {"id": question.pk, "reason": "与本次访谈无关"}
    await other.receive_nothing(timeout=0.2)
    for comm in (asker, other, moderator):
        await comm.disconnect()


async def test_only_the_dialogues_officials_answer(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    question = await sync(services.question_ask)(
        dialogue_id=dialogue.pk, actor=world.citizen, body="井盖缺失怎么办？"
    )
    await sync(services.question_approve)(question_id=question.pk, actor=dialogue.moderator)
    viewer = await open_socket(dialogue.pk)
    # another department's head, the moderator and a citizen are refused
    for user in (world.east_head, dialogue.moderator, world.citizen):
        comm = await open_socket(dialogue.pk, user)
        reply = await request(comm, op="answer", question=question.pk, body="我来回答")
        assert reply["code"] == "not_allowed"
        await comm.disconnect()
    await viewer.receive_nothing(timeout=0.2)
    official = await open_socket(dialogue.pk, world.head)
    assert (await request(official, op="answer", question=question.pk, body="今天派人补上。"))[
        "type"
    ] == "ack"
    assert (await event(viewer))["data"]["body"] == "今天派人补上。"
    await official.disconnect()
    await viewer.disconnect()


async def test_question_of_another_dialogue_cannot_be_touched_from_this_socket(
    world: World,
) -> None:
    first = await sync(make_dialogue)(world)
    second = await sync(make_dialogue)(world)
    question = await sync(services.question_ask)(
        dialogue_id=second.pk, actor=world.citizen, body="第二场的问题"
    )
    moderator = await open_socket(first.pk, first.moderator)
    reply = await request(moderator, op="approve", question=question.pk)
    assert reply["code"] == "invalid"
    await moderator.disconnect()


async def test_notices_only_from_the_moderator(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    viewer = await open_socket(dialogue.pk)
    official = await open_socket(dialogue.pk, world.head)
    assert (await request(official, op="notice", body="请大家文明提问"))["code"] == "not_allowed"
    await viewer.receive_nothing(timeout=0.2)
    moderator = await open_socket(dialogue.pk, dialogue.moderator)
    assert (await request(moderator, op="notice", body="访谈将于十分钟后结束"))["type"] == "ack"
    notice = await event(viewer)
    assert (notice["kind"], notice["data"]["body"]) == ("notice.posted", "访谈将于十分钟后结束")
    for comm in (viewer, official, moderator):
        await comm.disconnect()
