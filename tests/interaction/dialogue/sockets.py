"""Socket helpers for the dialogue consumer tests."""

from __future__ import annotations

import weakref
from typing import Any

from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from interaction.routing_ws import websocket_urlpatterns

APP = URLRouter(websocket_urlpatterns)


async def open_socket(
    dialogue_id: int, user: Any = None, after: int | None = None
) -> WebsocketCommunicator:
    """A connected socket whose hello frame has been read."""
    comm = socket(dialogue_id, user, after)
    connected, code = await comm.connect()
    assert connected, code
    hello = await comm.receive_json_from(timeout=3)
    assert hello["type"] == "hello"
    return comm


def socket(dialogue_id: int, user: Any = None, after: int | None = None) -> WebsocketCommunicator:
    path = f"/ws/dialogues/{dialogue_id}/"
    if after is not None:
        path += f"?after={after}"
    comm = WebsocketCommunicator(APP, path)
    comm.scope["user"] = user if user is not None else AnonymousUser()
    return comm


# Event frames that arrived before the ack of a request, per socket. Keyed by the socket object
# itself (weakly): keyed by id(), a later test's socket could reuse a dead one's id and be handed
# its leftover frames.
_early: weakref.WeakKeyDictionary[WebsocketCommunicator, list[dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


async def event(comm: WebsocketCommunicator, timeout: float = 3) -> dict[str, Any]:
    """The next event frame (including one that arrived before the ack of a request)."""
    early = _early.get(comm)
    frame = early.pop(0) if early else await comm.receive_json_from(timeout=timeout)
    assert frame["type"] == "event", frame
    return frame


async def request(comm: WebsocketCommunicator, **content: Any) -> dict[str, Any]:
    """Send an operation and return its ack or error frame (events in between are skipped)."""
    content.setdefault("ref", "r1")
    await comm.send_json_to(content)
    while True:
        frame = await comm.receive_json_from(timeout=3)
        if frame["type"] in ("ack", "error"):
            return frame
        _early.setdefault(comm, []).append(frame)


def sync(fn: Any) -> Any:
    return database_sync_to_async(fn)
