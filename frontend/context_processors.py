"""Template context shared by every page: the navigation for the viewer's role, unread count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role

# (url name, label, roles that see the link; None: everyone)
NAV: list[tuple[str, Any, tuple[str, ...] | None]] = [
    ("frontend:home", _("Home"), None),
    ("frontend:write", _("Write to the mayor"), ("anonymous", Role.CITIZEN)),
    ("frontend:dialogue-list", _("Live dialogues"), None),
    ("frontend:statistics", _("Public statistics"), None),
    ("frontend:open-data", _("Open data"), None),
    ("frontend:my-cases", _("My cases"), (Role.CITIZEN,)),
    ("frontend:dispatch-queue", _("Queue"), (Role.DISPATCHER, Role.ADMIN)),
    ("frontend:reviews", _("Reviews"), (Role.DISPATCHER, Role.ADMIN)),
    ("frontend:inbox", _("Inbox"), (Role.LIAISON, Role.HEAD)),
    ("frontend:approvals", _("Approvals"), (Role.HEAD,)),
    ("frontend:board", _("Supervision board"), (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)),
    ("frontend:dashboard", _("Dashboard"), (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)),
    (
        "frontend:hot-issues",
        _("Hot issues"),
        (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN, Role.LIAISON, Role.HEAD),
    ),
    ("frontend:routing-accuracy", _("Routing accuracy"), (Role.ADMIN,)),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    unread = 0
    role = "anonymous"
    if signed_in:
        assert user is not None
        unread = user.notifications.filter(read_at__isnull=True).count()
        role = "admin" if user.is_superuser else user.role
    path = request.path
    items = []
    for name, label, roles in NAV:
        if roles is not None and role not in roles:
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"unread_notifications": unread, "nav_items": items}
