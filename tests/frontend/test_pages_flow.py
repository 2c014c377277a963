"""The whole lifecycle through the pages only (no service called by the test)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from interaction.models import Case, CaseEvent, Evaluation
from interaction.states import Status
from tests.factories import World


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_case_lifecycle_through_the_pages(world: World):
    citizen = _as(world.citizen)
    response = citizen.post(
        "/write/",
        {
            "kind": "help",
            "subject": "小区门口井盖缺失",
            "body": "幸福小区北门口的井盖丢失好几天了，晚上很危险。",
            "contact_phone": "13800138000",
            "district": world.east.pk,
            "allow_publish": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    no = case.tracking_no

    def post(client: Client, name: str, data: dict | None = None) -> None:
        response = client.post(reverse(f"frontend:case-{name}", args=[no]), data or {})
        assert response.status_code == 302, (name, response.content.decode()[:2000])

    dispatcher, liaison, head = _as(world.dispatcher), _as(world.east_liaison), _as(world.east_head)
    post(
        dispatcher,
        "dispatch",
        {"category": world.road_repair.pk, "department": world.east_roads.pk},
    )
    post(liaison, "sign")
    post(liaison, "start")
    post(liaison, "draft-reply", {"body": "已于今日补装井盖，并设置警示标志。感谢反映。"})
    post(head, "approve-reply")
    post(dispatcher, "publish-reply")
    body = citizen.get(case.get_absolute_url()).content.decode()
    assert "已于今日补装井盖" in body
    post(citizen, "evaluate", {"attitude": "satisfied", "result": "satisfied", "solved": "yes"})

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.is_published
    assert Evaluation.objects.get(case=case).solved is True
    assert list(
        CaseEvent.objects.filter(case=case)
        .exclude(to_status="")
        .values_list("action", "actor__username")
    ) == [
        ("submitted", "zhang"),
        ("dispatch", "dispatch"),
        ("sign", "east_liaison"),
        ("start", "east_liaison"),
        ("draft_reply", "east_liaison"),
        ("approve_reply", "east_head"),
        ("publish_reply", "dispatch"),
        ("evaluate", "zhang"),
    ]
    # Published: a visitor now reads it, without the writer's phone.
    visitor = Client().get(case.get_absolute_url()).content.decode()
    assert "已于今日补装井盖" in visitor
    assert "13800138000" not in visitor
