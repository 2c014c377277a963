"""The dialogue's pages and REST endpoints: what each person sees and may do."""

from __future__ import annotations

import pytest
from django.test import Client

from interaction.dialogue import services
from interaction.dialogue.states import DialogueAction
from tests.factories import World

from .conftest import make_dialogue

pytestmark = pytest.mark.django_db


def _client(user: object = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def test_live_page_shows_approved_questions_not_waiting_ones_to_a_visitor(world: World) -> None:
    dialogue = make_dialogue(world)
    q = services.question_ask(dialogue_id=dialogue.pk, actor=world.citizen, body="已审核的问题")
    services.question_approve(question_id=q.pk, actor=dialogue.moderator)
    services.question_ask(dialogue_id=dialogue.pk, actor=world.citizen, body="等待审核的问题")
    dialogue.refresh_from_db()
    page = _client().get(f"/dialogues/{dialogue.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "已审核的问题" in html
    assert "等待审核的问题" not in html
    assert f'data-after="{dialogue.last_seq}"' in html
    assert 'name="ask"' not in html  # visitors are invited to sign in instead
    moderator_html = _client(dialogue.moderator).get(f"/dialogues/{dialogue.pk}/").content.decode()
    assert "等待审核的问题" in moderator_html
    assert 'name="approve"' in moderator_html


def test_private_dialogue_page_is_not_found_for_citizens(world: World) -> None:
    dialogue = make_dialogue(world, is_public=False)
    assert _client(world.citizen).get(f"/dialogues/{dialogue.pk}/").status_code == 404
    assert _client(world.head).get(f"/dialogues/{dialogue.pk}/").status_code == 200


def test_transcript_is_published_only_after_the_moderator_publishes_it(world: World) -> None:
    dialogue = make_dialogue(world)
    q = services.question_ask(dialogue_id=dialogue.pk, actor=world.citizen, body="访谈问题")
    services.question_approve(question_id=q.pk, actor=dialogue.moderator)
    services.answer_post(question_id=q.pk, actor=world.head, body="访谈回答")
    mod = _client(dialogue.moderator)
    assert mod.post(f"/dialogues/{dialogue.pk}/do/end/").status_code == 302
    assert _client().get(f"/dialogues/{dialogue.pk}/transcript/").status_code == 404
    assert (
        _client(world.citizen).post(f"/dialogues/{dialogue.pk}/do/publish_transcript/").status_code
        == 302
    )
    assert _client().get(f"/dialogues/{dialogue.pk}/transcript/").status_code == 404
    mod.post(f"/dialogues/{dialogue.pk}/do/publish_transcript/")
    page = _client().get(f"/dialogues/{dialogue.pk}/transcript/")
    assert page.status_code == 200
    assert "访谈问题" in page.content.decode()
    assert "访谈回答" in page.content.decode()


def test_api_ask_and_moderation_use_the_one_error_shape(world: World) -> None:
    dialogue = make_dialogue(world)
    asked = _client(world.citizen).post(f"/api/dialogues/{dialogue.pk}/ask/", {"body": "接口提问"})
    assert asked.status_code == 201
    qid = asked.json()["id"]
    refused = _client(world.citizen).post(f"/api/dialogue-questions/{qid}/approve/")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "not_allowed",
        "message": "Only the dialogue's moderator may do this.",
        "fields": {},
    }
    assert (
        _client(dialogue.moderator).post(f"/api/dialogue-questions/{qid}/approve/").status_code
        == 200
    )
    assert _client().post(f"/api/dialogues/{dialogue.pk}/ask/", {"body": "匿名"}).status_code in (
        401,
        403,
    )


def test_api_events_replay_only_what_the_reader_may_see(world: World) -> None:
    dialogue = make_dialogue(world)
    start = dialogue.last_seq
    q = services.question_ask(dialogue_id=dialogue.pk, actor=world.citizen, body="事件接口")
    services.question_approve(question_id=q.pk, actor=dialogue.moderator)
    anonymous = _client().get(f"/api/dialogues/{dialogue.pk}/events/?after={start}").json()
    assert [e["kind"] for e in anonymous["events"]] == ["question.approved"]
    asker = _client(world.citizen).get(f"/api/dialogues/{dialogue.pk}/events/?after={start}").json()
    assert [e["kind"] for e in asker["events"]] == ["question.submitted", "question.approved"]


def test_list_page_lists_dialogues_and_topics(world: World) -> None:
    make_dialogue(world)
    services.topic_propose(actor=world.citizen, title="停车难问题")
    html = _client(world.other_citizen).get("/dialogues/").content.decode()
    assert "城市道路维修在线访谈" in html
    assert "停车难问题" in html
    assert 'name="vote_topic"' in html
    _ = DialogueAction
