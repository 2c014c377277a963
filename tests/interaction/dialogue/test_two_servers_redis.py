"""Two daphne processes sharing Redis and one database: an event sent through one server reaches
viewers connected to the other (and to the same one), once, in order.

Runs whenever REDIS_URL is set; with WENZHENG_REQUIRE_SERVICES=1 it fails (never skips) if Redis
is missing or down. The database the servers use: the PostgreSQL test database (this test is
transactional, so what it creates is committed and visible to them), or on SQLite a fresh file.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from . import servers

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _redis_url() -> str:
    url = settings.REDIS_URL or os.environ.get("REDIS_URL", "")
    required = os.environ.get("WENZHENG_REQUIRE_SERVICES") == "1"
    if not url:
        if required:
            pytest.fail("WENZHENG_REQUIRE_SERVICES=1 but REDIS_URL is not set")
        pytest.skip("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except Exception as exc:  # a set REDIS_URL that does not answer is a failure, not a skip
        pytest.fail(f"Redis at {url} cannot be reached: {exc}")
    return url


def _database_url(tmp_path: Path) -> tuple[str, bool]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
        return f"postgres://{auth}@{host}:{port}/{db['NAME']}", False
    return f"sqlite:///{tmp_path / 'two-servers.sqlite3'}", True


def _connect(port: int, dialogue: int, session: str | None = None, after: int | None = None) -> Any:
    from websockets.sync.client import connect

    headers = {"Cookie": f"sessionid={session}"} if session else None
    query = f"?after={after}" if after is not None else ""
    ws = connect(
        f"ws://127.0.0.1:{port}/ws/dialogues/{dialogue}/{query}",
        origin=f"http://127.0.0.1:{port}",
        additional_headers=headers,
        open_timeout=10,
    )
    hello = json.loads(ws.recv(timeout=10))
    assert hello["type"] == "hello"
    return ws


def _next(ws: Any, kind: str | None = None) -> dict[str, Any]:
    """The next event (of `kind`); the sender's ack may come before or after its own event,
    so acks are passed over, and an error ends the test."""
    while True:
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] in ("watching", "ack"):
            continue
        assert frame["type"] != "error", frame
        if kind is None or frame.get("kind") == kind:
            return frame


def test_an_event_sent_through_one_server_reaches_viewers_of_the_other(
    transactional_db: None, tmp_path: Path
) -> None:
    redis_url = _redis_url()
    database_url, fresh = _database_url(tmp_path)
    env = servers.server_env(database_url, redis_url, f"wztest{uuid.uuid4().hex[:8]}")
    if fresh:
        servers.migrate(env)
    seeded = servers.seed(env)
    dialogue = seeded["dialogue"]
    ports = [servers.free_port(), servers.free_port()]
    procs = []
    try:
        for n, port in enumerate(ports):
            procs.append(servers.start_daphne(env, port, tmp_path / f"daphne{n}.log"))
        viewer_a = _connect(ports[0], dialogue)
        viewer_b = _connect(ports[1], dialogue)
        moderator_a = _connect(ports[0], dialogue, seeded["moderator"])
        citizen_b = _connect(ports[1], dialogue, seeded["citizen"])

        # The citizen asks through server B: the moderator on A sees it waiting; viewers do not.
        citizen_b.send(json.dumps({"op": "ask", "body": "两台服务器之间的问题", "ref": "1"}))
        assert _next(citizen_b, "question.submitted")["data"]["body"] == "两台服务器之间的问题"
        waiting = _next(moderator_a, "question.submitted")
        qid = waiting["data"]["id"]

        # The moderator approves through server A: both viewers see it, once.
        moderator_a.send(json.dumps({"op": "approve", "question": qid, "ref": "2"}))
        seen_a = _next(viewer_a)
        seen_b = _next(viewer_b)
        assert seen_a == seen_b
        assert (seen_b["kind"], seen_b["data"]["id"]) == ("question.approved", qid)
        assert seen_b["seq"] == waiting["seq"] + 1  # the waiting question was not shown to them

        # A notice through A; viewer B reconnects to A afterwards and replays nothing twice.
        moderator_a.send(json.dumps({"op": "notice", "body": "欢迎收看", "ref": "3"}))
        notice_b = _next(viewer_b)
        assert notice_b["kind"] == "notice.posted"
        viewer_b.close()
        replay = _connect(ports[0], dialogue, after=seen_b["seq"])
        assert _next(replay) == notice_b
        for ws in (viewer_a, moderator_a, citizen_b, replay):
            ws.close()
    finally:
        servers.stop(procs)
