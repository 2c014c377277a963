"""The live dialogue socket: `/ws/dialogues/<id>/?after=<last seq seen>`.

connect: find the dialogue and the person's seat (anonymous viewers may watch a public dialogue),
register with the process's relay, accept, replay what the client missed, then go live.
receive: frame-size and frame-rate limits (a client that breaks them is disconnected; nobody else
notices), then one service call per operation. No business rules here.

Frames to the client:
  {"type": "hello", "last_seq": n, "seat": {...}, "watching": n}
  {"type": "event", "seq": n, "kind": "answer.posted", "data": {...}}   (numbered, replayable)
  {"type": "watching", "count": n}
  {"type": "ack", "ref": ..., "op": ..., "id": ...} / {"type": "error", "ref", "code", "message"}
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from backend.accounts.models import User

from ..errors import DomainError, ValidationFailed
from ..services.notifications import render
from . import selectors, services
from .fanout import Relay, encode, relay
from .models import Question
from .selectors import Seat

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 1009
CLOSE_TOO_FAST = 4429
CLOSE_BAD_FRAME = 1003


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class TokenBucket:
    """`rate` frames a second on average, bursts of up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _op_ask(user: User | None, content: dict[str, Any]) -> Question:
    return services.question_ask(
        dialogue_id=int(content["dialogue"]), actor=user, body=str(content.get("body", ""))
    )


def _need_user(user: User | None) -> User:
    if user is None:
        from ..errors import NotAllowed

        raise NotAllowed(_("Sign in first."))
    return user


def _qid(content: dict[str, Any]) -> int:
    try:
        return int(content["question"])
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed({"question": [_("Say which question.")]}) from None


# op → (service call). Each returns the object it created or changed.
OPS: dict[str, Callable[[User | None, dict[str, Any]], Any]] = {
    "ask": _op_ask,
    "vote": lambda u, c: services.question_vote(question_id=_qid(c), actor=u),
    "approve": lambda u, c: services.question_approve(question_id=_qid(c), actor=_need_user(u)),
    "reject": lambda u, c: services.question_reject(
        question_id=_qid(c), actor=_need_user(u), reason=str(c.get("reason", ""))
    ),
    "merge": lambda u, c: services.question_merge(
        question_id=_qid(c), actor=_need_user(u), into_id=int(c.get("into") or 0)
    ),
    "pin": lambda u, c: services.question_pin(
        question_id=_qid(c), actor=_need_user(u), pinned=bool(c.get("pinned", True))
    ),
    "answer": lambda u, c: services.answer_post(
        question_id=_qid(c), actor=_need_user(u), body=str(c.get("body", ""))
    ),
    "notice": lambda u, c: services.notice_post(
        dialogue_id=int(c["dialogue"]), actor=_need_user(u), body=str(c.get("body", ""))
    ),
}


def _run_op(op: str, user: User | None, content: dict[str, Any]) -> int:
    return int(OPS[op](user, content).pk)


class DialogueConsumer(AsyncWebsocketConsumer):
    # Viewers get no channel of their own: the process's relay is the dialogue group's only
    # member here (see fanout). This saves a channel-layer receive per connection.
    channel_layer_alias = "__dialogue_viewers_use_the_relay__"

    dialogue_id: int
    seat: Seat
    user: User | None
    last_seq: int
    _relay: Relay | None = None

    async def connect(self) -> None:
        self._relay = None
        self.catching = True
        self.buffer: list[tuple[dict[str, Any], str]] = []
        self.bucket = TokenBucket(
            _setting("WENZHENG_DIALOGUE_FRAMES_PER_SECOND", 5),
            _setting("WENZHENG_DIALOGUE_FRAME_BURST", 10),
        )
        self.max_frame = _setting("WENZHENG_DIALOGUE_MAX_FRAME_BYTES", 4096)
        self.closing = False
        self.dialogue_id = int(self.scope["url_route"]["kwargs"]["dialogue_id"])
        scope_user = self.scope.get("user")
        self.user = scope_user if scope_user is not None and scope_user.is_authenticated else None
        found = await database_sync_to_async(self._load)()
        if found is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.seat, current = found
        if not self.seat.may_watch:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        after = self._after(current)
        self.last_seq = after
        self._relay = relay()
        await self._relay.join(self.dialogue_id, self)
        await self.accept()
        missed = await database_sync_to_async(selectors.all_events_between)(
            dialogue_id=self.dialogue_id, after=after, upto=2**62
        )
        await self.send(
            text_data=encode(
                {
                    "type": "hello",
                    "after": after,
                    "seat": {
                        "moderator": self.seat.moderator,
                        "official": self.seat.official,
                        "citizen": self.seat.citizen,
                    },
                    "watching": self._relay.total_watching(self.dialogue_id),
                }
            )
        )
        from .fanout import client_frame

        for event in missed:
            self._take(event, client_frame(event))
        for event, text in self.buffer:
            self._take(event, text)
        self.buffer = []
        self.catching = False

    def _load(self) -> tuple[Seat, int] | None:
        dialogue = selectors.dialogue_by_id(self.dialogue_id)
        if dialogue is None:
            return None
        return selectors.seat_of(self.user, dialogue), dialogue.last_seq

    def _after(self, current: int) -> int:
        """The client's last seen number (?after=n), or now if it has none."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw = (query.get("after") or [""])[0]
        try:
            after = int(raw)
        except ValueError:
            return current
        return max(0, min(after, current))

    async def disconnect(self, code: int) -> None:
        if self._relay is not None:
            await self._relay.leave(self.dialogue_id, self)
            self._relay = None

    # --- delivery (called by the relay, synchronously, for speed) ------------------------------

    def offer(self, event: dict[str, Any], text: str) -> bool:
        """The relay offers a live event: True if the relay should send it to this client now."""
        if self.closing:
            return False
        if self.catching:
            self.buffer.append((event, text))
            return False
        return self._accept(event)

    def _accept(self, event: dict[str, Any]) -> bool:
        seq = int(event["seq"])
        if seq <= self.last_seq:
            return False  # already delivered (replay and live overlap): never twice
        self.last_seq = seq
        return self.seat.sees(event["audience"], event["user"])

    def _take(self, event: dict[str, Any], text: str) -> None:
        if self._accept(event):
            self.push(text)

    def push(self, text: str) -> None:
        if self.closing:
            return
        # daphne's send writes to the socket's buffer without waiting: schedule it in order.
        self._send_soon(text)

    def _send_soon(self, text: str) -> None:
        coro = self.base_send({"type": "websocket.send", "text": text})
        task = asyncio.ensure_future(coro)
        task.add_done_callback(_ignore_errors)

    # --- receiving: limits first, then one service call -------------------------------------------

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        text = message.get("text")
        if text is None:
            await self._kick(CLOSE_BAD_FRAME, "binary_frame", _("Only text frames are accepted."))
            return
        if len(text.encode("utf-8")) > self.max_frame:
            await self._kick(
                CLOSE_TOO_BIG,
                "frame_too_large",
                render(_("A message may be at most %(n)d bytes."), n=self.max_frame),
            )
            return
        if not self.bucket.take():
            await self._kick(
                CLOSE_TOO_FAST,
                "too_many_frames",
                _("Too many messages too quickly: the connection was closed."),
            )
            return
        try:
            content = json.loads(text)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._error(None, "bad_frame", _("Send a JSON object."))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any]) -> None:
        op = content.get("op")
        ref = content.get("ref")
        if op == "ping":
            await self.send(text_data=encode({"type": "pong", "ref": ref}))
            return
        if op not in OPS:
            await self._error(ref, "unknown_op", _("Unknown operation."))
            return
        content["dialogue"] = self.dialogue_id
        if "question" in content and not self._question_here(content):
            await self._error(ref, "invalid", _("Say which question."))
            return
        try:
            pk = await database_sync_to_async(self._op_in_dialogue)(op, content)
        except DomainError as error:
            await self._error(ref, error.code, str(error.message), getattr(error, "errors", None))
            return
        await self.send(text_data=encode({"type": "ack", "ref": ref, "op": op, "id": pk}))

    def _question_here(self, content: dict[str, Any]) -> bool:
        return isinstance(content.get("question"), int)

    def _op_in_dialogue(self, op: str, content: dict[str, Any]) -> int:
        question_id = content.get("question")
        if (
            question_id is not None
            and not Question.objects.filter(pk=question_id, dialogue_id=self.dialogue_id).exists()
        ):
            raise ValidationFailed({"question": [_("There is no such question in this dialogue.")]})
        return _run_op(op, self.user, content)

    async def _error(
        self, ref: Any, code: str, message: str, fields: dict[str, Any] | None = None
    ) -> None:
        frame = {"type": "error", "ref": ref, "code": code, "message": message}
        if fields:
            frame["fields"] = {k: [str(m) for m in v] for k, v in fields.items()}
        await self.send(text_data=encode(frame))

    async def _kick(self, code: int, error: str, message: str) -> None:
        """Tell the client why, then disconnect it (only this connection)."""
        await self._error(None, error, message)
        self.closing = True
        if self._relay is not None:
            await self._relay.leave(self.dialogue_id, self)
            self._relay = None
        await self.close(code=code)


def _ignore_errors(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
