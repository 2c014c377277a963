"""Live updates for signed-in users: their cases, their department's inbox, the boards."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from backend.accounts.models import Role

from .events import DISPATCHERS_GROUP, SUPERVISORS_GROUP, department_group, user_group
from .permissions import department_ids


class LiveUpdatesConsumer(AsyncJsonWebsocketConsumer):
    """Joins the groups of the signed-in user; relays case events and notifications."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        groups = [user_group(user.pk)]
        if user.role in (Role.LIAISON, Role.HEAD):
            ids = await database_sync_to_async(department_ids)(user)
            groups += [department_group(i) for i in sorted(ids)]
        if user.role == Role.DISPATCHER:
            groups.append(DISPATCHERS_GROUP)
        if user.role in (Role.SUPERVISOR, Role.LEADER):
            groups.append(SUPERVISORS_GROUP)
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Clients only listen on this stream.
        return

    async def case_event(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"kind": "case"})

    async def notification(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {k: v for k, v in event.items() if k != "type"} | {"kind": "notification"}
        )
