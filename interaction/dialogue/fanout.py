"""One relay per server process: the dialogue's group reaches each process once, the relay fans
out to the process's own sockets.

Why not one group member per viewer (the obvious channels design)? A broadcast then costs one
channel-layer message per viewer — with 1,000 viewers on Redis ~0.6 s at p50 (FACTS.md). Here the
group of a dialogue has one member per process (the relay's channel), whatever the number of
viewers; the relay encodes each event once and writes it to every local socket.

The relay also keeps the stream whole: events carry the dialogue's sequence number; a number
skipped (a lost or overtaken broadcast) is fetched from the store before anything later is
delivered, duplicates are dropped. And it counts viewers: each process announces its local count
to the dialogue's group every few seconds; the sum over processes is pushed to viewers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from . import selectors
from .events import dialogue_group

if TYPE_CHECKING:
    from .consumers import DialogueConsumer

logger = logging.getLogger(__name__)

PRESENCE_EVERY = 2.0  # seconds between a process's viewer-count announcements
PRESENCE_STALE = 7.0  # a process not heard of for this long no longer counts
REJOIN_EVERY = 60.0  # re-add the relay to its groups (Redis group membership expires)


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def client_frame(event: dict[str, Any]) -> str:
    """The frame a client receives for a stored event (audience details stay on the server)."""
    return encode(
        {"type": "event", "seq": event["seq"], "kind": event["kind"], "data": event["data"]}
    )


@database_sync_to_async
def _last_seq(dialogue_id: int) -> int:
    from .models import Dialogue

    return Dialogue.objects.filter(pk=dialogue_id).values_list("last_seq", flat=True).first() or 0


@database_sync_to_async
def _events_between(dialogue_id: int, after: int, upto: int) -> list[dict[str, Any]]:
    return selectors.all_events_between(dialogue_id=dialogue_id, after=after, upto=upto)


class Relay:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel = ""
        self.viewers: dict[int, set[DialogueConsumer]] = {}
        self.seen: dict[int, int] = {}  # last sequence number delivered, per dialogue
        self.counts: dict[int, dict[str, tuple[int, float]]] = {}  # dialogue → process → count
        self.watching: dict[int, int] = {}  # last total pushed to local viewers
        self.dirty: set[int] = set()
        self._started = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        async with self._started:
            if self.channel:
                return
            self.channel = await self.layer.new_channel("dialogue-relay.")
            self._tasks = [asyncio.create_task(self._receive_loop())]
            # Viewer counts can be switched off (tests that assert "nothing arrives" do).
            if getattr(settings, "WENZHENG_DIALOGUE_PRESENCE", True):
                self._tasks.append(asyncio.create_task(self._presence_loop()))

    # --- membership --------------------------------------------------------------------------

    async def join(self, dialogue_id: int, consumer: DialogueConsumer) -> None:
        """Register a local viewer; returns once the relay receives the dialogue's events."""
        await self.start()
        viewers = self.viewers.setdefault(dialogue_id, set())
        first = not viewers
        viewers.add(consumer)
        if first:
            await self.layer.group_add(dialogue_group(dialogue_id), self.channel)
            # Anything numbered up to here is in the store for whoever joins now.
            self.seen[dialogue_id] = max(
                self.seen.get(dialogue_id, 0), await _last_seq(dialogue_id)
            )
        self.dirty.add(dialogue_id)

    async def leave(self, dialogue_id: int, consumer: DialogueConsumer) -> None:
        viewers = self.viewers.get(dialogue_id)
        if not viewers:
            return
        viewers.discard(consumer)
        self.dirty.add(dialogue_id)
        if not viewers:
            del self.viewers[dialogue_id]
            self.seen.pop(dialogue_id, None)
            await self.layer.group_discard(dialogue_group(dialogue_id), self.channel)
            if len(self._tasks) > 1:
                await self._announce(dialogue_id, 0)

    def local_count(self, dialogue_id: int) -> int:
        return len(self.viewers.get(dialogue_id, ()))

    def total_watching(self, dialogue_id: int) -> int:
        now = time.monotonic()
        counts = self.counts.setdefault(dialogue_id, {})
        counts[self.channel] = (self.local_count(dialogue_id), now)
        return sum(n for n, at in counts.values() if now - at < PRESENCE_STALE)

    # --- receiving ---------------------------------------------------------------------------

    async def _receive_loop(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
                kind = message.get("type")
                if kind == "dialogue.events":
                    await self._on_events(int(message["dialogue"]), message["events"])
                elif kind == "dialogue.presence":
                    self._on_presence(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad message must not stop the relay
                logger.exception("dialogue relay: could not handle a message")
                await asyncio.sleep(0.05)

    async def _on_events(self, dialogue_id: int, events: list[dict[str, Any]]) -> None:
        if dialogue_id not in self.viewers:
            return
        for event in sorted(events, key=lambda e: e["seq"]):
            seen = self.seen.get(dialogue_id, 0)
            seq = int(event["seq"])
            if seq <= seen:
                continue  # duplicate, or already fetched while filling a gap
            batch = [event]
            if seq > seen + 1:
                # A broadcast was lost or overtaken: the store has everything, in order.
                batch = await _events_between(dialogue_id, seen, seq)
            for item in batch:
                await self._deliver(dialogue_id, item)
                self.seen[dialogue_id] = int(item["seq"])

    async def _deliver(self, dialogue_id: int, event: dict[str, Any]) -> None:
        """Encode once, write to every local viewer allowed to see it.

        The sends are awaited one after the other: daphne's send only appends to the socket's
        buffer (it never waits for the client), so a slow client cannot hold up the others.
        """
        message = {"type": "websocket.send", "text": client_frame(event)}
        for consumer in list(self.viewers.get(dialogue_id, ())):
            try:
                if consumer.offer(event, message["text"]):
                    await consumer.base_send(message)
            except Exception:  # one broken socket must not keep the event from the others
                logger.exception("dialogue relay: delivery to one viewer failed")

    def _on_presence(self, message: dict[str, Any]) -> None:
        dialogue_id = int(message["dialogue"])
        if dialogue_id not in self.viewers:
            return
        counts = self.counts.setdefault(dialogue_id, {})
        counts[str(message["process"])] = (int(message["count"]), time.monotonic())
        self._push_watching(dialogue_id)

    def _push_watching(self, dialogue_id: int) -> None:
        if len(self._tasks) < 2:
            return
        total = self.total_watching(dialogue_id)
        if self.watching.get(dialogue_id) == total:
            return
        self.watching[dialogue_id] = total
        text = encode({"type": "watching", "count": total})
        for consumer in list(self.viewers.get(dialogue_id, ())):
            consumer.push(text)

    # --- presence ----------------------------------------------------------------------------

    async def _announce(self, dialogue_id: int, count: int) -> None:
        await self.layer.group_send(
            dialogue_group(dialogue_id),
            {
                "type": "dialogue.presence",
                "dialogue": dialogue_id,
                "process": self.channel,
                "count": count,
            },
        )

    async def _presence_loop(self) -> None:
        last_beat = 0.0
        last_rejoin = time.monotonic()
        while True:
            await asyncio.sleep(0.5)
            try:
                now = time.monotonic()
                beat = now - last_beat >= PRESENCE_EVERY
                rejoin = now - last_rejoin >= REJOIN_EVERY
                for dialogue_id in list(self.viewers):
                    if rejoin:
                        await self.layer.group_add(dialogue_group(dialogue_id), self.channel)
                    if beat or dialogue_id in self.dirty:
                        self._push_watching(dialogue_id)
                        await self._announce(dialogue_id, self.local_count(dialogue_id))
                self.dirty.clear()
                if beat:
                    last_beat = now
                if rejoin:
                    last_rejoin = now
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("dialogue relay: presence announcement failed")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for dialogue_id in list(self.viewers):
            await self.layer.group_discard(dialogue_group(dialogue_id), self.channel)
        self.viewers.clear()


_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay] = weakref.WeakKeyDictionary()


def relay() -> Relay:
    """The relay of the running event loop (one per server process; one per test's loop)."""
    loop = asyncio.get_running_loop()
    found = _relays.get(loop)
    if found is None:
        found = _relays[loop] = Relay()
    return found
