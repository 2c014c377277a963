"""API tokens of partner systems (and of people who script against the API).

One token per account (DRF's `authtoken.Token`). Issuing always makes a new key and revokes the
previous one, so a key is shown once — when it is issued — and never again: the admin does not
list keys, and nothing reads them back. Revoking deletes the key; requests with it get 401.
"""

from __future__ import annotations

import logging

from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import User

logger = logging.getLogger("wenzheng.security")


@transaction.atomic
def api_token_issue(*, user: User, actor: User | None) -> str:
    """A new key for `user` (the previous one stops working). Returns the key: show it once."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    Token.objects.filter(user=user).delete()
    key = Token.objects.create(user=user).key
    logger.info(
        "API token issued for %s by %s", user.username, actor.username if actor else "system"
    )
    return key


@transaction.atomic
def api_token_revoke(*, user: User, actor: User | None) -> bool:
    """Revoke `user`'s key. Returns whether there was one."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        logger.info(
            "API token revoked for %s by %s", user.username, actor.username if actor else "system"
        )
    return bool(deleted)
