"""The stream's guarantees (replay after reconnect: exactly what was missed, in order, once) and
the socket's limits (a client that breaks them is disconnected, nobody else)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from interaction.dialogue import events as dialogue_events
from interaction.dialogue import services
from interaction.dialogue.models import DialogueEvent, Question
from tests.factories import World

from .conftest import make_dialogue
from .sockets import event, open_socket, request, sync

pytestmark = pytest.mark.django_db(transaction=True)


def _approved(dialogue: Any, world: World, body: str) -> Question:
    question = services.question_ask(dialogue_id=dialogue.pk, actor=world.citizen, body=body)
    return services.question_approve(question_id=question.pk, actor=dialogue.moderator)


async def test_reconnect_replays_exactly_the_missed_events_in_order(
    world: World, settings: Any
) -> None:
    settings.WENZHENG_DIALOGUE_QUESTIONS_PER_MINUTE = 100
    dialogue = await sync(make_dialogue)(world)
    viewer = await open_socket(dialogue.pk)
    first = await sync(_approved)(dialogue, world, "第一个问题")
    seen = await event(viewer)
    assert seen["data"]["id"] == first.pk
    await viewer.disconnect()

    # While the viewer is away: public events, and private ones it must never get.
    second = await sync(_approved)(dialogue, world, "第二个问题")
    await sync(services.answer_post)(question_id=second.pk, actor=world.head, body="回答第二个问题")
    rejected = await sync(services.question_ask)(
        dialogue_id=dialogue.pk, actor=world.other_citizen, body="无关内容"
    )
    await sync(services.question_reject)(
        question_id=rejected.pk, actor=dialogue.moderator, reason="无关"
    )
    await sync(services.notice_post)(
        dialogue_id=dialogue.pk, actor=dialogue.moderator, body="休息五分钟"
    )

    back = await open_socket(dialogue.pk, after=seen["seq"])
    replayed = [await event(back) for _ in range(3)]
    assert [e["kind"] for e in replayed] == ["question.approved", "answer.posted", "notice.posted"]
    seqs = [e["seq"] for e in replayed]
    assert seqs == sorted(seqs)
    assert seqs[0] > seen["seq"]
    await back.receive_nothing(timeout=0.2)  # no duplicate, no private event
    # ...and live again afterwards
    await sync(services.notice_post)(dialogue_id=dialogue.pk, actor=dialogue.moderator, body="继续")
    live = await event(back)
    assert live["seq"] > seqs[-1]
    assert live["data"]["body"] == "继续"
    await back.disconnect()


async def test_replay_includes_own_private_events_but_not_others(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    start = dialogue.last_seq
    mine = await sync(services.question_ask)(
        dialogue_id=dialogue.pk, actor=world.citizen, body="我的问题"
    )
    await sync(services.question_ask)(
        dialogue_id=dialogue.pk, actor=world.other_citizen, body="别人的问题"
    )
    await sync(services.question_reject)(
        question_id=mine.pk, actor=dialogue.moderator, reason="重复"
    )
    comm = await open_socket(dialogue.pk, world.citizen, after=start)
    kinds = [(await event(comm))["kind"] for _ in range(2)]
    assert kinds == ["question.submitted", "question.rejected"]
    await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_a_lost_broadcast_is_fetched_from_the_store_and_never_delivered_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialogue = await sync(make_dialogue)(world)
    viewer = await open_socket(dialogue.pk)
    lost: list[Any] = []
    real = dialogue_events.broadcast

    def drop_once(dialogue_id: int, messages: list[Any]) -> None:
        if not lost:
            lost.append((dialogue_id, messages))
            return
        real(dialogue_id, messages)

    monkeypatch.setattr(dialogue_events, "broadcast", drop_once)
    await sync(services.notice_post)(
        dialogue_id=dialogue.pk, actor=dialogue.moderator, body="第一条"
    )
    await viewer.receive_nothing(timeout=0.1)  # its broadcast was lost
    await sync(services.notice_post)(
        dialogue_id=dialogue.pk, actor=dialogue.moderator, body="第二条"
    )
    got = [await event(viewer) for _ in range(2)]
    assert [e["data"]["body"] for e in got] == ["第一条", "第二条"]
    # the lost broadcast turns up late: dropped
    await sync(real)(*lost[0])
    await viewer.receive_nothing(timeout=0.2)
    await viewer.disconnect()


async def test_oversized_frame_disconnects_only_that_client(world: World, settings: Any) -> None:
    settings.WENZHENG_DIALOGUE_MAX_FRAME_BYTES = 1000
    dialogue = await sync(make_dialogue)(world)
    bad = await open_socket(dialogue.pk, world.citizen)
    good = await open_socket(dialogue.pk)
    await bad.send_to(text_data='{"op":"ask","body":"' + "长" * 400 + '"}')
    error = await bad.receive_json_from()
    assert error["code"] == "frame_too_large"
    assert error["message"] == "A message may be at most 1000 bytes."
    assert await bad.receive_output() == {"type": "websocket.close", "code": 1009}
    await sync(services.notice_post)(
        dialogue_id=dialogue.pk, actor=dialogue.moderator, body="大家好"
    )
    assert (await event(good))["data"]["body"] == "大家好"
    assert not await sync(Question.objects.exists)()
    await good.disconnect()


async def test_too_many_frames_a_second_disconnects_only_that_client(
    world: World, settings: Any
) -> None:
    settings.WENZHENG_DIALOGUE_FRAMES_PER_SECOND = 2
    settings.WENZHENG_DIALOGUE_FRAME_BURST = 3
    dialogue = await sync(make_dialogue)(world)
    flooder = await open_socket(dialogue.pk)
    calm = await open_socket(dialogue.pk)
    for _ in range(4):
        await flooder.send_json_to({"op": "ping"})
    frames = [await flooder.receive_json_from() for _ in range(4)]
    assert [f["type"] for f in frames] == ["pong", "pong", "pong", "error"]
    assert frames[-1]["code"] == "too_many_frames"
    assert await flooder.receive_output() == {"type": "websocket.close", "code": 4429}
    await calm.send_json_to({"op": "ping", "ref": "x"})
    assert await calm.receive_json_from() == {"type": "pong", "ref": "x"}
    await calm.disconnect()


async def test_question_length_limit_has_a_clear_error(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    comm = await open_socket(dialogue.pk, world.citizen)
    reply = await request(comm, op="ask", body="问" * 501)
    assert reply["code"] == "invalid"
    assert reply["message"] == "Write at most 500 characters."
    assert reply["fields"] == {"body": ["Write at most 500 characters."]}
    assert (await request(comm, op="ask", body="问" * 500))["type"] == "ack"
    await comm.disconnect()


async def test_questions_per_user_per_minute_are_limited(world: World, settings: Any) -> None:
    settings.WENZHENG_DIALOGUE_QUESTIONS_PER_MINUTE = 2
    dialogue = await sync(make_dialogue)(world)
    comm = await open_socket(dialogue.pk, world.citizen)
    for n in range(2):
        assert (await request(comm, op="ask", body=f"问题{n}"))["type"] == "ack"
    reply = await request(comm, op="ask", body="第三个问题")
    assert reply["code"] == "rate_limited"
    assert reply["message"] == "You can ask at most 2 questions a minute. Please wait a moment."
    assert await sync(Question.objects.count)() == 2
    # another citizen is not affected
    other = await open_socket(dialogue.pk, world.other_citizen)
    assert (await request(other, op="ask", body="我的问题"))["type"] == "ack"
    await comm.disconnect()
    await other.disconnect()


async def test_every_event_is_stored_before_it_is_sent(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    viewer = await open_socket(dialogue.pk)
    await sync(services.notice_post)(dialogue_id=dialogue.pk, actor=dialogue.moderator, body="通知")
    frame = await event(viewer)
    stored = await sync(DialogueEvent.objects.get)(dialogue=dialogue, seq=frame["seq"])
    assert stored.kind == "notice.posted"
    assert stored.payload == frame["data"]
    await viewer.disconnect()


async def test_viewers_are_counted(world: World, settings: Any) -> None:
    settings.WENZHENG_DIALOGUE_PRESENCE = True
    dialogue = await sync(make_dialogue)(world)
    first = await open_socket(dialogue.pk)
    second = await open_socket(dialogue.pk, world.citizen)
    frame = await second.receive_json_from(timeout=3)
    while frame.get("count") != 2:
        frame = await second.receive_json_from(timeout=3)
    assert frame == {"type": "watching", "count": 2}
    await first.disconnect()
    await second.disconnect()


# --- the real ASGI stack: origin validation and session authentication ---------------------------


async def _asgi_socket(dialogue_id: int, headers: list[tuple[bytes, bytes]]) -> Any:
    from channels.testing import WebsocketCommunicator

    from backend.asgi import application

    return WebsocketCommunicator(application, f"/ws/dialogues/{dialogue_id}/", headers=headers)


async def test_foreign_origin_is_refused(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)
    comm = await _asgi_socket(
        dialogue.pk, [(b"origin", b"http://evil.example"), (b"host", b"127.0.0.1")]
    )
    connected, _code = await comm.connect()
    assert not connected
    ok = await _asgi_socket(
        dialogue.pk, [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    )
    connected, _code = await ok.connect()
    assert connected
    await ok.disconnect()


async def test_session_cookie_signs_the_socket_in(world: World) -> None:
    dialogue = await sync(make_dialogue)(world)

    def login() -> str:
        client = Client()
        client.force_login(world.citizen)
        return client.cookies["sessionid"].value

    session = await sync(login)()
    comm = await _asgi_socket(
        dialogue.pk,
        [
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", f"sessionid={session}".encode()),
        ],
    )
    connected, _code = await comm.connect()
    assert connected
    hello = await comm.receive_json_from()
    assert hello["seat"] == {"moderator": False, "official": False, "citizen": True}
    assert (await request(comm, op="ask", body="登录后的提问"))["type"] == "ack"
    await comm.disconnect()
