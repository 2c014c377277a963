"""The signed-in user's live stream (/ws/live/): who receives which case events, and who not."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from interaction.routing_ws import websocket_urlpatterns
from interaction.services import dispatch, handling
from tests.factories import World, submit

pytestmark = pytest.mark.django_db(transaction=True)

APP = URLRouter(websocket_urlpatterns)


async def live(user: Any) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(APP, "/ws/live/")
    comm.scope["user"] = user if user is not None else AnonymousUser()
    connected, _code = await comm.connect()
    assert connected
    return comm


@database_sync_to_async
def new_case(world: World) -> Any:
    return submit(world.citizen)


@database_sync_to_async
def dispatch_to_roads(world: World, case: Any) -> None:
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )


@database_sync_to_async
def sign(world: World, case: Any) -> None:
    handling.case_sign(case_id=case.pk, actor=world.liaison)


async def test_anonymous_visitors_are_refused(world: World) -> None:
    comm = WebsocketCommunicator(APP, "/ws/live/")
    comm.scope["user"] = AnonymousUser()
    connected, code = await comm.connect()
    assert not connected
    assert code == 4401


async def test_the_department_sees_a_new_case_arrive_and_another_department_does_not(
    world: World,
) -> None:
    roads = await live(world.liaison)
    housing = await live(world.housing_liaison)
    case = await new_case(world)
    await dispatch_to_roads(world, case)
    event = await roads.receive_json_from(timeout=3)
    while event.get("kind") != "case":  # the new-case notification may come first
        event = await roads.receive_json_from(timeout=3)
    assert event["event"] == "dispatched"
    assert event["tracking_no"] == case.tracking_no
    assert "body" not in event
    assert await housing.receive_nothing(timeout=0.3)
    await roads.disconnect()
    await housing.disconnect()


async def test_the_citizen_sees_their_case_signed_and_other_citizens_see_nothing(
    world: World,
) -> None:
    case = await new_case(world)
    await dispatch_to_roads(world, case)
    mine = await live(world.citizen)
    other = await live(world.other_citizen)
    await sign(world, case)
    kinds = set()
    for _ in range(2):  # the case event and the in-app notification, in either order
        frame = await mine.receive_json_from(timeout=3)
        kinds.add(frame["kind"])
        if frame["kind"] == "case":
            assert frame["event"] == "signed"
            assert frame["status"] == "signed"
    assert kinds == {"case", "notification"}
    assert await other.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await other.disconnect()


async def test_supervisors_and_dispatchers_follow_every_case_but_clients_cannot_send(
    world: World,
) -> None:
    supervisor = await live(world.supervisor)
    dispatcher = await live(world.dispatcher)
    case = await new_case(world)
    frame = await dispatcher.receive_json_from(timeout=3)
    assert frame["event"] == "submitted"
    await dispatch_to_roads(world, case)
    seen = await supervisor.receive_json_from(timeout=3)
    assert seen["event"] == "dispatched"
    # The stream is one-way: whatever a client sends changes nothing and is not echoed.
    await supervisor.send_json_to({"type": "case.event", "event": "forged"})
    assert await supervisor.receive_nothing(timeout=0.3)
    await supervisor.disconnect()
    await dispatcher.disconnect()
