"""Run as a script against DATABASE_URL: create a small world with a live dialogue and print the
ids and session keys the two-process test and the benchmark need, as one JSON line."""

from __future__ import annotations

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.interaction.dialogue.server_settings")
    django.setup()
    from django.contrib.sessions.backends.db import SessionStore

    from tests.factories import make_world
    from tests.interaction.dialogue.conftest import make_dialogue

    world = make_world()
    dialogue = make_dialogue(world)

    def session_for(user: object) -> str:
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
        store[BACKEND_SESSION_KEY] = "backend.accounts.auth_backends.PhoneOrEmailBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
        store.create()
        return store.session_key or ""

    ids = {
        "dialogue": dialogue.pk,
        "moderator": session_for(dialogue.moderator),
        "official": session_for(world.head),
        "citizen": session_for(world.citizen),
    }
    sys.stdout.write(json.dumps(ids) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
